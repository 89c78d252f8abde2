"""Documents, sources.yaml, claims and events: grades, attribution chains, the script tag, ACLED columns."""

from __future__ import annotations

import re

import yaml

from moneytrail.generate.events import ACLED_COLUMNS
from moneytrail.model.admiralty import Grade
from tests.generate.conftest import GeneratedCase, read_text_csv

RELATIONS = {"financed", "paid", "laundered-through", "coordinated", "attacked"}


def _sources(generated: GeneratedCase) -> list[dict[str, object]]:
    data = yaml.safe_load((generated.out / "documents" / "sources.yaml").read_text(encoding="utf-8"))
    sources: list[dict[str, object]] = data["sources"]
    return sources


def test_sources_are_graded_and_form_an_attribution_chain(generated: GeneratedCase) -> None:
    sources = _sources(generated)
    ids = {str(s["id"]) for s in sources}
    for s in sources:
        Grade(str(s["reliability"]), int(str(s["credibility"])))
        assert (generated.out / "documents" / str(s["path"])).is_file()
        assert set(s["cites"]) <= ids  # type: ignore[arg-type]
    docs = {d["source_id"]: d for d in generated.truth["documents"]}
    echoes = [d for d in docs.values() if d["cites"]]
    assert len(echoes) == 2
    assert {d["root"] for d in echoes} == {"doc-meridian-original"}
    assert docs["doc-meridian-original"]["original"] is True
    assert {p.suffix for p in (generated.out / "documents").iterdir()} >= {".md", ".html", ".txt"}


def test_documents_make_claims_with_names_amounts_and_dates(generated: GeneratedCase) -> None:
    original = (generated.out / "documents" / "meridian-original.md").read_text(encoding="utf-8")
    assert 150 <= len(original.split()) <= 800
    assert "Yakhont Trade" in original and "Black Rock Brigades" in original
    assert re.search(r"USD [\d,]+\.\d\d", original)
    html = (generated.out / "documents" / "caspian-echo.html").read_text(encoding="utf-8")
    assert html.count("<script>") == 1 and "</script>" in html


def test_claims_use_the_known_relations_and_sources(generated: GeneratedCase) -> None:
    claims = read_text_csv(generated.out / "claims.csv").to_pylist()
    ids = {str(s["id"]) for s in _sources(generated)}
    assert claims and {c["relation"] for c in claims} == RELATIONS
    for c in claims:
        assert c["source_id"] in ids
        if c["amount"]:
            assert c["currency"] == "USD" and float(c["amount"]) > 0


def test_events_have_acled_columns(generated: GeneratedCase) -> None:
    events = read_text_csv(generated.out / "events.csv")
    assert tuple(events.column_names) == ACLED_COLUMNS
    attack_ids = {a["event_id"] for a in generated.truth["attacks"]}
    rows = {r["event_id_cnty"]: r for r in events.to_pylist()}
    assert attack_ids <= set(rows)
    for a in generated.truth["attacks"]:
        assert rows[a["event_id"]]["event_date"] == a["date"]
        assert int(rows[a["event_id"]]["fatalities"]) == a["casualties"]
        assert "Black Rock Brigades" in rows[a["event_id"]]["actor1"]
    control = [rows[a["event_id"]] for a in generated.truth["control_attacks"]]
    assert control and all("Green Valley Brigade" in r["actor1"] for r in control)


def test_each_source_has_its_own_date_after_what_it_cites(generated: GeneratedCase) -> None:
    sources = {str(s["id"]): s for s in _sources(generated)}
    dates = [str(s["published_at"]) for s in sources.values()]
    assert len(set(dates)) == len(dates)  # no two documents published at the same moment
    for s in sources.values():
        for cited in s["cites"]:  # type: ignore[attr-defined]
            assert str(s["published_at"]) > str(sources[str(cited)]["published_at"])
