"""The report in a real Chromium: every section renders with the case's counts, a clicked node shows
its sources, and script payloads in the data never run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from moneytrail.report import sections
from moneytrail.report.build import write_report
from moneytrail.store import Case

pytestmark = pytest.mark.browser



def _open(browser: Any, html: Path) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    dialogs: list[str] = []
    requests: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(html.as_uri())
    page.wait_for_selector("body[data-rendered]", timeout=30_000)
    return page, dialogs, requests


def _expected(case: Case) -> dict[str, int]:
    e = case.engine
    links, pairs = 0, 0
    for kind, details in e.rows("SELECT kind, details FROM findings WHERE kind IN ('trace', 'link')"):
        d = json.loads(details)
        links += len(d.get("sankey", [])) if kind == "trace" else 0
        pairs += len(d.get("pairs", [])) if kind == "link" else 0
    # The chart opens with accounts folded into their holders: one node per holder, payments between holders.
    return {
        "nodes": int(e.scalar("SELECT count(DISTINCT holder_entity_id) FROM accounts")),
        "edges": int(e.scalar(
            "SELECT count(*) FROM (SELECT DISTINCT fa.holder_entity_id, ta.holder_entity_id FROM transactions t "
            "JOIN accounts fa ON fa.account_key = t.from_account JOIN accounts ta ON ta.account_key = t.to_account "
            "WHERE fa.holder_entity_id <> ta.holder_entity_id) x")),
        "findings": case.count("findings"), "links": links, "pairs": pairs, "events": case.count("events"),
        "typologies": int(e.scalar("SELECT count(*) FROM findings WHERE kind = 'typology'")),
        "sources": case.count("sources"),
    }


def _click_node(page: Any, node_id: str) -> None:
    """A real mouse click on the node, as a reader would do it; retried when a busy machine lets the
    page move between measuring and clicking."""
    label = page.evaluate(f"window.mtReport.cy.getElementById({json.dumps(node_id)}).data('label')")
    for _attempt in range(3):
        page.locator("#cy").scroll_into_view_if_needed()
        pos = page.evaluate(f"(() => {{ const n = window.mtReport.cy.getElementById({json.dumps(node_id)}); "
                            "const cy = window.mtReport.cy; cy.zoom(Math.max(cy.zoom(), 3)); cy.center(n); "
                            # A hub sits under its neighbours' labels and edges; raise it so the click lands on it.
                            "n.style('z-index', 9999); "
                            "return n.renderedPosition(); })()")
        box = page.locator("#cy").bounding_box()
        page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
        try:
            page.wait_for_function("(want) => { const h = document.querySelector('#node-details h3'); "
                                   "return h !== null && h.textContent === want; }", arg=label, timeout=5_000)
            return
        except Exception:  # playwright's TimeoutError; try again
            continue
    raise AssertionError(f"clicking node {node_id} did not show its details")


def test_report_renders_every_section_with_the_case_counts(browser: Any, sample_case: Case, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(sample_case, out)
    want = _expected(sample_case)
    page, dialogs, requests = _open(browser, out)
    assert page.get_attribute("body", "data-rendered") == "1"
    assert page.locator("#summary li.finding").count() == want["findings"] + 1  # + the brokers on the route
    assert page.evaluate("window.mtReport.cy.nodes().length") == want["nodes"]
    assert page.evaluate("window.mtReport.cy.edges().length") == want["edges"]
    assert page.evaluate("window.mtReport.sankey.getOption().series[0].links.length") == want["links"]
    series = page.evaluate("window.mtReport.timeline.getOption().series.map(s => s.data.length)")
    kinds = page.evaluate("window.mtReport.timelineSeries")
    assert sum(n for n, k in zip(series, kinds, strict=True) if k["kind"] == "payments") == want["pairs"]
    assert sum(n for n, k in zip(series, kinds, strict=True) if k["kind"] == "events") == want["events"]
    page.click("#cy-fold")  # unfold: every account and its holder
    assert page.evaluate("window.mtReport.cy.nodes().length") == want["nodes"] + sample_case.count("accounts")
    assert page.locator("#flows canvas").count() >= 1 and page.locator("#timeline canvas").count() >= 1
    assert page.locator("table.typology tbody tr").count() == want["typologies"]
    assert page.locator("table.evidence tbody tr").count() == want["sources"]
    assert page.locator("table.pairs tbody tr").count() == want["pairs"]

    _click_node(page, "a:BNK:0000002")
    details = page.locator("#node-details")
    details.locator("li.node-source").first.wait_for(timeout=15_000)
    assert details.locator("h3").inner_text() == "BNK:0000002"
    sources = details.locator("li.node-source").all_inner_texts()
    assert any("Ledger of Bank Northmere" in s and "[B2]" in s for s in sources)
    assert any("NGO memo on hawala legs" in s for s in sources)
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert dialogs == []
    assert all(url.startswith("file://") for url in requests), requests  # offline: nothing fetched
    page.close()


@pytest.mark.slow
def test_demo_report_on_the_generated_case(browser: Any, demo_case: Case, tmp_path: Path) -> None:
    """The generated case after every stage: sections show what the case holds, capped for size."""
    e = demo_case.engine
    out = tmp_path / "demo.html"
    write_report(demo_case, out)
    page, dialogs, requests = _open(browser, out)
    assert page.get_attribute("body", "data-rendered") == "1"
    n_findings = demo_case.count("findings")
    assert page.locator("#summary li.finding").count() == min(12, n_findings)
    data = page.evaluate("window.mtReport.data")
    accounts_drawn = [n for n in data["graph"]["nodes"] if n["kind"] == "account"]
    assert page.evaluate("window.mtReport.cy.nodes().length") == len(data["graph"]["initial"]) <= 60
    assert 0 < len(accounts_drawn) <= 150
    page.click("#cy-fold")
    # The trace finding's flows, merged and made acyclic, are the Sankey's links.
    pairs: dict[tuple[str, str], float] = {}
    for (details,) in e.rows("SELECT details FROM findings WHERE kind = 'trace'"):
        for link in json.loads(details).get("sankey", []):
            key = (str(link["source"]), str(link["target"]))
            pairs[key] = pairs.get(key, 0.0) + float(link["amount"])
    kept, _dropped = sections.acyclic_links(sorted(((s, t, a) for (s, t), a in pairs.items()), key=lambda x: -x[2]))
    assert kept, "the demo case has a stored trace"
    assert page.evaluate("window.mtReport.sankey.getOption().series[0].links.length") == len(kept)
    link_pairs = sum(len(json.loads(d).get("pairs", [])) for (d,) in e.rows(
        "SELECT details FROM findings WHERE kind = 'link' ORDER BY score DESC LIMIT 10"))
    assert link_pairs > 0
    series = page.evaluate("window.mtReport.timeline.getOption().series.map(s => s.data.length)")
    kinds = page.evaluate("window.mtReport.timelineSeries")
    assert sum(n for n, k in zip(series, kinds, strict=True) if k["kind"] == "payments") == link_pairs
    events = int(e.scalar("SELECT count(*) FROM events WHERE event_date IS NOT NULL"))
    assert sum(n for n, k in zip(series, kinds, strict=True) if k["kind"] == "events") == events
    typ = int(e.scalar("SELECT count(*) FROM findings WHERE kind = 'typology'"))
    assert page.locator("table.typology tbody tr").count() == min(50, typ)
    assert page.locator("table.evidence tbody tr").count() == demo_case.count("sources")

    node = next(n for n in accounts_drawn if n["flagged"] and n["sources"] and page.evaluate(
        f"window.mtReport.cy.getElementById({json.dumps(n['id'])}).length"))
    _click_node(page, node["id"])
    details = page.locator("#node-details")
    details.locator("li.node-source").first.wait_for(timeout=15_000)
    assert details.locator("h3").inner_text() == node["label"]
    title = e.scalar("SELECT coalesce(title, source_id) FROM sources WHERE source_id = ?",
                     [node["sources"][0]["source_id"]])
    assert any(str(title) in s for s in details.locator("li.node-source").all_inner_texts())
    page.screenshot(path=str(tmp_path / "demo.png"))
    assert dialogs == [] and all(url.startswith("file://") for url in requests)
    page.close()


def test_script_payloads_in_the_data_never_run(browser: Any, hostile_case: Case, tmp_path: Path) -> None:
    out = tmp_path / "hostile.html"
    write_report(hostile_case, out)
    page, dialogs, requests = _open(browser, out)
    assert page.get_attribute("body", "data-rendered") == "1"
    assert page.evaluate("typeof window.__xss") == "undefined"
    # The payloads are shown as text: in server-rendered tables and in the click-through details.
    assert "<script>window.__xss=1</script>" in page.locator("#summary").inner_text()
    assert "<script>window.__xss=1</script>" in page.locator("#story").inner_text()  # the story names the sponsor
    svg = page.evaluate("window.mtReport.link.svg()")  # the SVG export escapes names too
    assert "<script>" not in svg and "&lt;script&gt;window.__xss=1&lt;/script&gt;" in svg
    evidence = page.locator("#evidence").inner_text()
    assert '<img src=x onerror="window.__xss=1">' in evidence  # document title
    assert "</script><script>window.__xss=1</script>" in evidence  # document text
    assert page.locator("#evidence a[href^='javascript']").count() == 0
    _click_node(page, "e:ent-sponsor")
    title = page.locator("#node-details h3")
    title.wait_for(timeout=15_000)
    assert title.inner_text().startswith("<script>window.__xss=1</script>")
    page.hover("#sankey")
    page.mouse.move(10, 10)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("img[src='x'], svg[onload]").count() == 0
    assert dialogs == []
    assert all(url.startswith("file://") for url in requests), requests
    page.close()
