"""``link``: do payments to an actor follow its events, at a fixed price per casualty?

Extracts the actor's events and the payments into its accounts (SQL), runs the signature test
(``stats.py``) and stores a finding of kind ``link``/``bounty`` citing every event-payment pair,
the accounts paid and the sources of both.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from moneytrail.link.actor import (
    ALL_ACTOR_COLUMNS,
    PERPETRATOR_COLUMNS,
    ActorProfile,
    actor_events_sql,
    actor_payments_sql,
    resolve_actor,
)
from moneytrail.link.stage import LinkParams, link_stamp
from moneytrail.link.stats import fit_price, signature_test
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.store.case import Case
from moneytrail.store.findings import write_findings

DEFAULTS: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(LinkParams) if f.name != "actor"}
_EPOCH = np.datetime64("1970-01-01", "D")


@dataclass
class LinkResult:
    actor: str
    profile: ActorProfile
    found: bool
    events: int
    payments: int
    p_value: float
    p_value_timing: float
    matched: int
    in_window: int
    price_per_casualty: float | None
    params: dict[str, Any]
    pairs: list[dict[str, Any]] = field(default_factory=list)
    fit: dict[str, float] = field(default_factory=dict)
    finding_id: str | None = None
    reason: str = ""

    def summary(self) -> dict[str, Any]:
        return {"actor": self.actor, "found": self.found, "p_value": self.p_value,
                "p_value_timing": self.p_value_timing, "price_per_casualty": self.price_per_casualty,
                "matched_payments": self.matched, "payments_in_window": self.in_window, "events": self.events,
                "payments": self.payments, "accounts": len(self.profile.accounts),
                "entities": self.profile.entity_ids, "members": len(self.profile.member_ids),
                "event_labels": self.profile.event_labels, "fit": self.fit, "finding_id": self.finding_id,
                "reason": self.reason, "params": self.params, "pairs": self.pairs}


def _days(values: pa.ChunkedArray) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Dates or timestamps as fractional days since 1970, for lag arithmetic."""
    arr = values.to_numpy(zero_copy_only=False)
    if np.issubdtype(arr.dtype, np.datetime64):
        return np.asarray((arr.astype("datetime64[s]") - _EPOCH.astype("datetime64[s]")).astype(np.float64) / 86400.0)
    return np.asarray([(np.datetime64(v, "s") - _EPOCH.astype("datetime64[s]")).astype(np.float64) / 86400.0
                       for v in arr], dtype=np.float64)


def _load(case: Case, profile: ActorProfile, columns: tuple[str, ...]) -> tuple[pa.Table, pa.Table]:
    e = case.engine
    with e.run() as run:
        labels = run.arrow(pa.table({"label": pa.array(profile.event_labels, pa.string())}), hint="actor_labels")
        accounts = run.arrow(pa.table({"account_key": pa.array(profile.accounts, pa.string())}),
                             hint="actor_accounts")
        events = e.query(actor_events_sql(columns, labels.name))
        payments = e.query(actor_payments_sql(accounts.name))
    return events, payments


def link_params(actor: str, **overrides: Any) -> LinkParams:
    """``LinkParams`` for ``actor`` with the given parameters (None keeps the default)."""
    unknown = sorted(set(overrides) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown link parameter(s) {unknown}; known: {sorted(DEFAULTS)}")
    return LinkParams(actor=actor, **{k: v for k, v in overrides.items() if v is not None})


def link_actor(case: Case, actor: str | LinkParams, **overrides: Any) -> LinkResult:
    """Run the payment-event test for one actor and store the result: a finding if the signature is found.
    The result replaces an earlier run with the same parameters (a run finding nothing removes it)."""
    chosen = actor if isinstance(actor, LinkParams) else link_params(actor, **overrides)
    actor = chosen.actor
    params = dataclasses.asdict(chosen)
    columns = ALL_ACTOR_COLUMNS if params["any_role"] else PERPETRATOR_COLUMNS
    profile = resolve_actor(case, actor, columns=columns)
    if params["payee"]:
        # "Is this payee paid for that actor's events?": the actor's events, another party's accounts.
        payee = resolve_actor(case, str(params["payee"]), columns=columns)
        profile.accounts, profile.member_ids = payee.accounts, payee.member_ids
    events, payments = _load(case, profile, columns)
    ev_days, pay_days = _days(events["event_date"]), _days(payments["ts"])
    casualties = events["casualties"].to_numpy(zero_copy_only=False).astype(np.float64)
    amounts = payments["value"].to_numpy(zero_copy_only=False).astype(np.float64)
    test = signature_test(pay_days, amounts, ev_days, casualties, window=float(params["window"]),
                          tol=float(params["tolerance"]), permutations=int(params["permutations"]),
                          seed=int(params["seed"]))
    result = LinkResult(actor, profile, False, len(ev_days), len(pay_days), test.p_value, test.p_value_timing,
                        test.matched, test.in_window, None, params)
    if test.pairs:
        pi = np.array([p for p, _ in test.pairs])
        ei = np.array([e for _, e in test.pairs])
        fit = fit_price(amounts[pi], casualties[ei])
        result.price_per_casualty = round(fit.price, 2)
        result.fit = {"price_median_ratio": fit.price, "price_through_origin": fit.price_through_origin,
                      "median_abs_rel_dev": fit.median_abs_rel_dev, "r_squared": fit.r_squared,
                      "null_mean_matched": test.null_mean}
        ev, pay = events.to_pylist(), payments.to_pylist()
        result.pairs = [{"event_id": ev[e]["event_id"], "event_date": _iso(ev[e]["event_date"]),
                         "casualties": int(casualties[e]), "txn_id": pay[p]["txn_id"], "ts": _iso(pay[p]["ts"]),
                         "amount": float(amounts[p]), "lag_days": round(float(pay_days[p] - ev_days[e]), 2),
                         "to_account": pay[p]["to_account"], "event_source_id": ev[e]["source_id"],
                         "txn_source_id": pay[p]["source_id"]} for p, e in test.pairs]
    result.found = test.p_value < float(params["alpha"]) and test.matched >= int(params["min_pairs"])
    if not profile.event_labels:
        result.reason = f"no events name {actor!r} in columns {', '.join(columns)}"
    elif not profile.accounts:
        result.reason = f"no accounts held by {actor!r} or its members"
    elif not result.found:
        result.reason = (f"{test.matched} payment(s) fit one price per casualty; chance gives {test.null_mean:.1f} "
                         f"on average (p = {test.p_value:.3g}, needs < {params['alpha']} and >= "
                         f"{params['min_pairs']} pairs)")
    ids = write_findings(case, [_finding(case, result)] if result.found else [], link_stamp(chosen))
    result.finding_id = ids[0] if ids else None
    return result


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


def _finding(case: Case, r: LinkResult) -> Finding:
    refs = [FindingRef("entity", eid, "actor") for eid in r.profile.entity_ids]
    refs += [FindingRef("event", p["event_id"], "event") for p in r.pairs]
    refs += [FindingRef("transaction", p["txn_id"], "payment") for p in r.pairs]
    refs += [FindingRef("account", p["to_account"], "recipient") for p in r.pairs]
    sources = {p["event_source_id"] for p in r.pairs} | {p["txn_source_id"] for p in r.pairs}
    refs += [FindingRef("source", s, "source") for s in sorted(sources)]
    refs = sorted(set(refs), key=lambda x: (x.kind, x.ref_id, x.role))
    total = sum(p["amount"] for p in r.pairs)
    price = r.price_per_casualty or 0.0
    payee = r.params.get("payee") or r.actor
    explanation = (
        f"{r.matched} payment(s) into accounts of {payee} or its members arrived within {r.params['window']} days "
        f"after one of the events of {r.actor}, each close to {price:,.0f} {case.reporting_currency} per "
        f"casualty (median deviation {r.fit['median_abs_rel_dev']:.1%}). Redrawing the event dates at random "
        f"within the active period {r.params['permutations']} times gave {r.fit['null_mean_matched']:.1f} such "
        f"payments on average (p = {r.p_value:.3g}). A fixed price per casualty is the signature of a bounty.")
    starts = [p["event_date"] for p in r.pairs]
    finding = Finding(
        kind="link", typology="bounty",
        title=(f"Payments to {r.actor} follow its attacks at a fixed price" if payee == r.actor
               else f"Payments to {payee} follow attacks by {r.actor} at a fixed price"),
        explanation=explanation, score=round(1 - r.p_value, 6), refs=refs,
        params={k: v for k, v in r.params.items()},
        query=f"permutation test over event dates; events: {actor_events_sql(PERPETRATOR_COLUMNS)}; "
              f"payments: {actor_payments_sql()}",
        start=datetime.fromisoformat(min(starts)), end=datetime.fromisoformat(max(p["ts"] for p in r.pairs)),
        amount=total, currency=case.reporting_currency,
        details={"pairs": r.pairs, "price_per_casualty": r.price_per_casualty, "p_value": r.p_value,
                 "p_value_timing": r.p_value_timing, "fit": r.fit, "matched": r.matched,
                 "payments_in_window": r.in_window, "events": r.events, "payments": r.payments,
                 "accounts": r.profile.accounts, "event_labels": r.profile.event_labels,
                 "members": r.profile.member_ids})
    return finding
