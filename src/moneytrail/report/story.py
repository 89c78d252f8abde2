"""The report's opening: a short story built from the key findings, in the grade's words.

It answers four questions in order: who paid whom; through whom and which countries; whether the
payments lined up with events; how sure we are. Each sentence names the findings it rests on (the
template links them to the finding and its evidence). Strength of the statistics (a p-value) and
reliability of the sources (the Admiralty grade) are said apart: "p = 0.001 on B3 sources".
Nothing here knows the demo: a case without a trace or a link finding gets fewer sentences.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from moneytrail.model.admiralty import CREDIBILITY_LABELS, RELIABILITY_LABELS, Grade
from moneytrail.report.names import account_labels, entity_names
from moneytrail.store import Case

# How firmly a verb is said, by the finding's wording.
ADVERB = {"confirmed": "", "probable": "probably ", "possible": "possibly ", "doubtful": "doubtfully ",
          "ungraded": "(ungraded) "}
RECIPIENT_SHARE = 0.05  # recipients named in the story: those that received at least this share


def _money(value: float, cur: str) -> str:
    return f"{value:,.0f} {cur}".strip()


def _grade_words(grade: str | None) -> str:
    if not grade:
        return "ungraded sources"
    g = Grade.parse(grade)
    return (f"{grade} sources ({RELIABILITY_LABELS[g.reliability].lower()}, "
            f"{CREDIBILITY_LABELS[g.credibility].lower()})")


def _strength_words(p: float) -> str:
    if p <= 0.001:
        return "very strong"
    if p <= 0.01:
        return "strong"
    if p <= 0.05:
        return "moderate"
    return "weak"


def _sentence(text: str, findings: list[str], wording: str | None, grade: str | None) -> dict[str, Any]:
    return {"text": text, "findings": [f for f in findings if f], "wording": wording or "ungraded", "grade": grade}


def who_paid_whom(case: Case, trace: dict[str, Any], origin: str) -> dict[str, Any]:
    d = trace["details"]
    cur = trace.get("currency") or d.get("currency") or ""
    sinks = sorted((s for s in d.get("sinks") or [] if isinstance(s, dict)), key=lambda s: -float(s.get("amount") or 0))
    arrived = float(d.get("arrived") or trace.get("amount") or 0)
    named = [s for s in sinks if float(s.get("amount") or 0) >= RECIPIENT_SHARE * max(arrived, 1e-9)][:8]
    names = entity_names(case, [str(s["entity_id"]) for s in named if s.get("entity_id")])
    accts = account_labels(case, [str(s["account"]) for s in named if not names.get(str(s.get("entity_id")))])
    parts = []
    for s in named:
        known = names.get(str(s.get("entity_id"))) or []
        label = known[0] if known else accts.get(str(s.get("account")), str(s.get("label")))
        parts.append(f"{label}{' (' + str(s['country']) + ')' if s.get('country') else ''} "
                     f"{_money(float(s.get('amount') or 0), cur)}")
    rest = len(sinks) - len(named)
    rest_amount = sum(float(s.get("amount") or 0) for s in sinks[len(named):])
    recipients = "; ".join(parts) + (f"; and {rest} other account{'s' if rest != 1 else ''} "
                                     f"{_money(rest_amount, cur)}" if rest else "")
    outflow = float(d.get("source_outflow") or arrived)
    text = (f"{origin} {ADVERB.get(trace['wording'], '')}paid out {_money(outflow, cur)} that the "
            f"{str(trace.get('typology') or '').upper()} trace followed to {len(sinks)} recipient"
            f"{'s' if len(sinks) != 1 else ''}, chiefly: {recipients}.")
    return _sentence(text, [trace["finding_id"]], trace["wording"], trace["grade"])


def through_whom(trace: dict[str, Any], route: list[dict[str, Any]], front_ids: list[str]) -> dict[str, Any] | None:
    if not route:
        return None
    d = trace["details"]
    cur = trace.get("currency") or d.get("currency") or ""
    role_words = {"front": "front company", "broker": "money broker", "intermediary": "intermediary"}
    steps = [f"{r['name']} ({role_words[r['role']]}{', ' + str(r['country']) if r.get('country') else ''})"
             for r in route]
    routes = sorted((r for r in d.get("routes") or [] if isinstance(r, dict)),
                    key=lambda r: -float(r.get("amount") or 0))
    route_text = ""
    if routes:
        top = routes[0]
        total = float(d.get("arrived") or 0) or sum(float(r.get("amount") or 0) for r in routes)
        share = float(top.get("amount") or 0) / total if total else 0.0
        route_text = (f" Most of it ({_money(float(top.get('amount') or 0), cur)}, {share:.0%}) took the route "
                      f"{' → '.join(str(c) for c in top.get('countries') or [])}.")
    text = (f"The money {ADVERB.get(trace['wording'], '')}passed in turn through " + ", then ".join(steps) + "."
            + route_text)
    return _sentence(text, [trace["finding_id"], *front_ids], trace["wording"], trace["grade"])


def events_line(link: dict[str, Any]) -> dict[str, Any]:
    d, p = link["details"], link["params"]
    cur = link.get("currency") or "USD"
    actor = p.get("actor") or ", ".join(d.get("event_labels") or []) or "the actor"
    pv = d.get("p_value")
    price = d.get("price_per_casualty")
    stat = (f"A permutation test ({p.get('permutations', '?')} redraws of the event dates) gives p = {float(pv):.3g}: "
            f"{_strength_words(float(pv))} statistically, on {_grade_words(link['grade'])}."
            if pv is not None else "")
    price_text = f", at about {float(price):,.0f} {cur} per casualty" if price else ""
    text = (f"Payments to {actor} {ADVERB.get(link['wording'], '')}lined up with its attacks: "
            f"{d.get('matched', '?')} of {d.get('payments', '?')} payments arrived within {p.get('window', '?')} days "
            f"after one of its {d.get('events', '?')} events{price_text}. {stat}")
    return _sentence(text.strip(), [link["finding_id"]], link["wording"], link["grade"])


def how_sure(case: Case, trace: dict[str, Any] | None, story_sources: list[str],
             cites: dict[str, list[str]], titles: dict[str, str]) -> dict[str, Any] | None:
    """The weakest graded leg of the trace's main flows, and how many independent origins back the story."""
    parts: list[str] = []
    weakest_leg = None
    if trace is not None:
        for flow in sorted((f for f in trace["details"].get("flows") or [] if isinstance(f, dict)),
                           key=lambda f: -float(f.get("amount") or 0))[:10]:
            for hop in flow.get("hops") or []:
                try:
                    g = Grade.parse(str(hop.get("grade")))
                except (ValueError, TypeError):
                    continue
                if weakest_leg is None or g.strength < weakest_leg[0].strength:
                    weakest_leg = (g, hop)
    if weakest_leg is not None:
        g, hop = weakest_leg
        labels = account_labels(case, [str(hop["from_account"]), str(hop["to_account"])])
        src = str(hop.get("source_id"))
        parts.append(f"The weakest link of the main route is the payment {labels[str(hop['from_account'])]} → "
                     f"{labels[str(hop['to_account'])]} ({hop.get('txn_id')}), known from "
                     f"{titles.get(src, src)} ({g}, {g.wording.value}).")
    originals: dict[str, set[str]] = defaultdict(set)
    for sid in story_sources:
        for o in _originals(cites, sid):
            originals[o].add(sid)
    if originals:
        echoed = [o for o, via in originals.items() if len(via) > 1]
        parts.append(f"The story rests on {len(set(story_sources))} source{'s' if len(set(story_sources)) != 1 else ''}"
                     f" with {len(originals)} independent origin{'s' if len(originals) != 1 else ''}"
                     + (f"; {', '.join(titles.get(o, o) for o in echoed)} is repeated by others and counted once"
                        if echoed else "") + ".")
    if not parts:
        return None
    return _sentence(" ".join(parts), [trace["finding_id"]] if trace else [],
                     trace["wording"] if trace else None, str(weakest_leg[0]) if weakest_leg else None)


def _originals(cites: dict[str, list[str]], start: str) -> set[str]:
    seen, stack, out = {start}, [start], set()
    while stack:
        node = stack.pop()
        nexts = [c for c in cites.get(node, []) if c not in seen]
        if not cites.get(node):
            out.add(node)
        for c in nexts:
            seen.add(c)
            stack.append(c)
    return out or {start}


def build_story(case: Case, key: dict[str, Any], sources_of: dict[str, list[str]],
                cites: dict[str, list[str]], titles: dict[str, str]) -> list[dict[str, Any]]:
    """Sentences in the order of the four questions; each with the finding ids it rests on."""
    entries = key["key"]
    trace = next((e for e in entries if e["tier_kind"] == "trace"), None)
    link = next((e for e in entries if e["tier_kind"] == "link"), None)
    fronts = [e["finding_id"] for e in entries if e.get("role") == "front company" and e.get("on_route")]
    story: list[dict[str, Any]] = []
    if trace is not None:
        story.append(who_paid_whom(case, trace, str(trace.get("origin") or "The origin")))
        through = through_whom(trace, key["route"], fronts)
        if through:
            story.append(through)
    if link is not None:
        story.append(events_line(link))
    used = sorted({s for line in story for f in line["findings"] for s in sources_of.get(f, [])})
    sure = how_sure(case, trace, used, cites, titles)
    if sure:
        story.append(sure)
    for line in story:
        line["sources"] = sorted({s for f in line["findings"] for s in sources_of.get(f, [])})
    return story
