from __future__ import annotations

import json

from moneytrail.report.render import asset_text, safe_url, script_safe_json


def test_script_safe_json_cannot_break_out_and_round_trips() -> None:
    data = {"name": "</script><script>alert(1)</script>", "amp": "a & b", "sep": "x\u2028y\u2029z", "n": 3}
    text = script_safe_json(data)
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert json.loads(text) == data


def test_safe_url_allows_only_http() -> None:
    assert safe_url("https://example.org/a") == "https://example.org/a"
    assert safe_url("  http://example.org ") == "http://example.org"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("JaVaScRiPt:alert(1)") is None
    assert safe_url("data:text/html,<b>") is None
    assert safe_url(None) is None


def test_bundled_assets_are_present_and_inlinable() -> None:
    assert "cytoscape" in asset_text("cytoscape.min.js")[:2000].lower()
    assert len(asset_text("echarts.min.js")) > 500_000
    assert "mt-data" in asset_text("report.js")
