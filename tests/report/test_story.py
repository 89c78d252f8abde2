"""The demo's report tells the story first: the narrative names the planted parties (read from the
generator's truth, through the case's own names for them), the key findings rank the trace, the bounty,
the front company and the brokers on top, re-runs do not change the totals, and in a real Chromium the
link chart opens small and labelled, expands, the timeline has one lane per actor and nothing overflows
a phone's width."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from moneytrail.demo import DemoOptions, run_demo
from moneytrail.demo.pipeline import DemoRun
from moneytrail.ingest import ingest_rates
from moneytrail.link.bounty import link_actor
from moneytrail.report.build import collect
from moneytrail.report.findings_view import self_matches_sql
from moneytrail.report.names import entity_names
from moneytrail.store import Case
from moneytrail.trace import TraceParams, trace


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """The real demo, every stage, at a fifth of its default size."""
    return run_demo(DemoOptions(tmp_path_factory.mktemp("story") / "demo", transactions=20_000, seed=7))


def _names(case: Case, party: dict[str, Any]) -> list[str]:
    """Every name the case knows a planted party by (the truth's ids, resolved)."""
    found = entity_names(case, [str(e) for e in party["entity_ids"]])
    return sorted({n for ns in found.values() for n in ns})


def _parties(demo: DemoRun) -> dict[str, list[list[str]]]:
    net = demo.truth["network"]
    with Case.open(demo.case_file, read_only=True) as case:
        return {"sponsor": [_names(case, net["sponsor"])], "front": [_names(case, net["front"])],
                "brokers": [_names(case, b) for b in net["brokers"]], "cells": [_names(case, c) for c in net["cells"]]}


def test_key_findings_put_the_story_on_top(demo: DemoRun) -> None:
    net = demo.truth["network"]
    with Case.open(demo.case_file, read_only=True) as case:
        data = collect(case)
        key = data["summary"]["key"]
        top5 = key[:5]
        assert top5[0]["tier_kind"] == "trace"
        assert any(f["kind"] == "link" and f["params"].get("actor") == net["group"]["name"] for f in top5)
        front = next(f for f in top5 if f.get("role") == "front company")
        assert set(front["accounts"]) & set(net["front"]["accounts"]) and front["on_route"]
        brokers = next(f for f in top5 if f.get("role") == "money brokers")
        for b in net["brokers"]:
            assert any(n in brokers["title"] for n in _names(case, b)), b["name"]
        # Names, not ids: no account key or entity id in the top titles.
        assert not any(re.search(r"\b\d{3,}:[0-9A-F]{6,}\b|kyc-[0-9a-f]{8}", f["title"]) for f in top5)
        # A list never matches itself: screening left none out to store, and none is shown.
        assert case.engine.rows(self_matches_sql()) == []
        for f in key:
            if f["kind"] == "screen":
                subject, listed = f["title"].split(" matches ", 1)
                assert subject != listed.split(" entry ", 1)[-1] or f["details"].get("canonical_id") != \
                    f["details"].get("list_entity_id")


def test_reruns_do_not_change_the_totals(demo: DemoRun, tmp_path: Path) -> None:
    copy = tmp_path / "case.duckdb"
    copy.write_bytes(demo.case_file.read_bytes())
    net = demo.truth["network"]
    with Case.open(copy) as case:
        before = collect(case)
        sponsor = net["sponsor"]["entity_ids"][0]
        params = TraceParams(source=(sponsor,), max_hops=6, max_gap=timedelta(days=60))
        trace(case, params)
        link_actor(case, net["group"]["name"])
        # New input (another rates file) changes the data version: a re-run with the same parameters
        # replaces its earlier result (issue 13's stage contract), so the store never holds both runs.
        extra = tmp_path / "rates-extra.csv"
        extra.write_text("currency,valid_from,valid_to,rate\nUSD,2030-01-01,2030-01-31,1\n", encoding="utf-8")
        ingest_rates(case, extra)
        trace(case, params)
        link_actor(case, net["group"]["name"])
        assert case.count("findings") == before["summary"]["total"]
        after = collect(case)
    assert after["summary"]["total"] == before["summary"]["total"]
    assert after["summary"]["by_kind"] == before["summary"]["by_kind"]
    assert [f["title"] for f in after["summary"]["key"]] == [f["title"] for f in before["summary"]["key"]]
    assert len(after["story"]) == len(before["story"])



@pytest.mark.browser
@pytest.mark.parametrize("width", [1440, 390])
def test_demo_report_in_chromium(browser: Any, demo: DemoRun, width: int, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(demo.report_file.as_uri())
    page.wait_for_selector("body[data-rendered]", timeout=30_000)
    assert page.get_attribute("body", "data-rendered") == "1", page.locator("#render-errors").inner_text()

    # The story names the sponsor, the front, every broker and every cell, and the bounty's p-value and price.
    story = page.locator("#story").inner_text()
    for role, parties in _parties(demo).items():
        for names in parties:
            assert names and any(n in story for n in names), (role, names)
    link = json.loads(next(iter(Case.open(demo.case_file, read_only=True).engine.rows(
        "SELECT details FROM findings WHERE kind = 'link' ORDER BY score DESC LIMIT 1")))[0])
    assert f"p = {link['p_value']:.3g}" in story
    price = float(link["price_per_casualty"])
    assert f"{price:,.0f} USD per casualty" in story
    assert abs(price - demo.truth["network"]["price_per_casualty"]) / demo.truth["network"]["price_per_casualty"] < 0.1
    # Sentences link to their findings, and the links land on key findings.
    for href in page.locator("#story .cite a[href^='#k']").evaluate_all("as => as.map(a => a.getAttribute('href'))"):
        assert page.locator(href).count() == 1

    # The link chart opens small, labelled at the default zoom; expand adds neighbours.
    n0 = page.evaluate("window.mtReport.cy.nodes().length")
    assert 5 <= n0 <= 60
    sizes = page.evaluate("window.mtReport.cy.nodes().map(n => [n.data('label'),"
                          " parseFloat(n.renderedStyle('font-size')), parseFloat(n.style('min-zoomed-font-size'))])")
    assert all(label and size >= 10 and size >= minimum for label, size, minimum in sizes), sizes[:5]
    assert page.locator("#links .legend li").count() >= 4
    hub = page.evaluate("(() => { const cy = window.mtReport.cy; const g = window.mtReport.data.graph;"
                        " const shown = new Set(cy.nodes().map(n => n.id()));"
                        " const grp = {}; g.nodes.forEach(n => grp[n.id] = n.group || n.id);"
                        " const hidden = {}; g.edges.filter(e => e.kind === 'paid').forEach(e => {"
                        "  const s = grp[e.source], t = grp[e.target];"
                        "  if (shown.has(s) && !shown.has(t)) hidden[s] = (hidden[s] || 0) + 1;"
                        "  if (shown.has(t) && !shown.has(s)) hidden[t] = (hidden[t] || 0) + 1; });"
                        " return Object.keys(hidden).sort((a, b) => hidden[b] - hidden[a])[0]; })()")
    assert hub, "some drawn party has neighbours not yet drawn"
    page.evaluate(f"void window.mtReport.cy.getElementById({json.dumps(hub)}).emit('tap')")
    page.click("#cy-expand")
    assert page.evaluate("window.mtReport.cy.nodes().length") > n0
    # Double-click unfolds one party: its accounts join the chart.
    party, accounts = page.evaluate(
        "(() => { const cy = window.mtReport.cy; const m = {};"
        " window.mtReport.data.graph.nodes.forEach(n => {"
        "   if (n.group && n.group !== n.id) m[n.group] = (m[n.group] || 0) + 1; });"
        " const k = Object.keys(m).sort().find(id => cy.getElementById(id).length); return [k, m[k]]; })()")
    shown = page.evaluate("window.mtReport.cy.nodes().length")
    page.evaluate(f"void window.mtReport.cy.getElementById({json.dumps(party)}).emit('dbltap')")
    assert page.evaluate("window.mtReport.cy.nodes().length") == shown + accounts
    svg = page.evaluate("window.mtReport.link.svg()")
    assert svg.startswith("<svg") and svg.count("<text") == page.evaluate("window.mtReport.cy.nodes().length")

    # The timeline: one lane per actor of the events, payments only in the paid group's lane.
    lanes = page.evaluate("window.mtReport.timelineSeries")
    actors = [str(a) for (a,) in Case.open(demo.case_file, read_only=True).engine.rows(
        "SELECT DISTINCT actor1 FROM events WHERE actor1 IS NOT NULL")]
    assert {lane["actor"] for lane in lanes if lane["kind"] == "events"} == set(actors)
    assert sum(1 for lane in lanes if lane["kind"] == "events") == len(actors)
    paid = {lane["actor"] for lane in lanes if lane["kind"] == "payments"}
    assert len(paid) == 1 and demo.truth["network"]["group"]["name"] in next(iter(paid))

    # Nothing overflows: the page is as wide as the screen, tables scroll in their own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.locator("table").count() == page.locator(".scroll > table").count()
    assert errors == []

    # Printing: the charts become images.
    page.evaluate("window.mtReport.preparePrint()")
    for img in ("cy-print", "timeline-print", "sankey-print"):
        assert page.get_attribute(f"#{img}", "src").startswith("data:image/png")
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf))
    assert pdf.stat().st_size > 50_000
    page.close()
