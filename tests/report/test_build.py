from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

from moneytrail.report.build import ReportOptions, collect, write_report
from moneytrail.report.sample import XSS_PAYLOADS
from moneytrail.store import Case


def _payload(html: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" id="mt-data">(.*?)</script>', html, re.S)
    assert match is not None
    data: dict[str, object] = json.loads(match.group(1))
    return data


def test_report_is_one_offline_file(sample_case: Case, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    info = write_report(sample_case, out)
    html = out.read_text(encoding="utf-8")
    assert info["nodes"] == sample_case.count("accounts") + int(
        sample_case.engine.scalar("SELECT count(DISTINCT holder_entity_id) FROM accounts"))
    markup = re.sub(r"<script>.*?</script>", "", html, flags=re.S)  # bundled libraries hold tag text
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", markup)  # nothing fetched
    assert "connect-src 'none'" in unescape(html.split('Content-Security-Policy" content="')[1].split('"')[0])
    assert html.count("<script>") == 4  # cytoscape, echarts, the link chart, the report
    assert 'id="flows" data-count="5"' in html
    assert 'id="typologies" data-count="3"' in html


def test_empty_case_report_has_explicit_empty_states(case: Case, tmp_path: Path) -> None:
    out = tmp_path / "empty.html"
    write_report(case, out)
    html = out.read_text(encoding="utf-8")
    for text in ("No findings stored yet", "No trace stored yet", "No link findings or events stored yet",
                 "No typology findings stored yet", "No sources recorded yet", "No accounts or entities"):
        assert text in html


def test_hostile_text_is_escaped_everywhere(hostile_case: Case, tmp_path: Path) -> None:
    out = tmp_path / "hostile.html"
    write_report(hostile_case, out)
    html = out.read_text(encoding="utf-8")
    body = html.split('<script type="application/json"')[0]
    assert "<script>window.__xss" not in html
    assert "<img src=x" not in html and "<svg onload" not in html
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in body
    assert 'href="javascript:' not in html.lower()
    data = _payload(html)  # the payload survives intact as data, only encoded
    labels = [n["label"] for n in data["graph"]["nodes"]]  # type: ignore[index]
    assert any(label.startswith(XSS_PAYLOADS[0]) for label in labels)


def test_focus_limits_the_graph(sample_case: Case) -> None:
    data = collect(sample_case, ReportOptions(focus="ent-recipient-1", hops=0))
    ids = {n["id"] for n in data["graph"]["nodes"]}
    assert ids == {"a:BNK:0000004", "e:ent-recipient-1"}
    assert data["scope"]["focus"] == "ent-recipient-1"
    flagged = {n["id"] for n in data["graph"]["nodes"] if n["flagged"]}
    assert "a:BNK:0000004" in flagged  # rests under the trace finding through story-4


def test_graph_nodes_carry_sources(sample_case: Case) -> None:
    data = collect(sample_case)
    node = next(n for n in data["graph"]["nodes"] if n["id"] == "a:BNK:0000002")
    assert {s["source_id"] for s in node["sources"]} == {"bank-ledger", "doc-hawala"}
    ent = next(n for n in data["graph"]["nodes"] if n["id"] == "e:ent-broker-2")
    assert ent["label"] == "Orin Brask"
    assert ent["sources"] == [{"source_id": "registry", "statements": 2}]
