from __future__ import annotations

from pathlib import Path

import pytest

from moneytrail.evidence.sources_file import SourcesFileError, ingest_sources_file, read_sources_file
from moneytrail.store import Case


def test_sources_grades_citations_and_documents(seeded: Case, data_dir: Path) -> None:
    result = ingest_sources_file(seeded, data_dir / "sources.yaml")
    assert result.sources == 5 and result.citations == 2
    assert result.placeholders == ["src-wire"]
    grades = dict((r[0], f"{r[1]}{r[2]}") for r in seeded.engine.rows(
        "SELECT source_id, reliability, credibility FROM sources"))
    assert grades["src-leak"] == "B2" and grades["src-outlet"] == "C3" and grades["src-wire"] == "F6"
    assert seeded.engine.rows("SELECT source_id, cited_source_id FROM source_citations ORDER BY 1") == [
        ("src-outlet", "src-leak"), ("src-pdf", "src-wire")]
    assert {d.source_id for d in result.documents} == {"src-leak", "src-fieldnote", "src-outlet", "src-pdf",
                                                        "src-scan"}
    assert seeded.engine.scalar("SELECT has_text FROM documents WHERE source_id = 'src-scan'") is False
    assert seeded.engine.scalar("SELECT publisher FROM sources WHERE source_id = 'src-outlet'") == "Northwind Courier"


def test_bad_entries_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "sources.yaml"
    bad.write_text("- id: a\n  title: fine\n- id: b\n  reliability: Z\n  credibility: 2\n", encoding="utf-8")
    with pytest.raises(SourcesFileError, match=r"sources.yaml:3: source 'b': bad grade"):
        read_sources_file(bad)
    bad.write_text("- id: a\n- id: a\n", encoding="utf-8")
    with pytest.raises(SourcesFileError, match=r"sources.yaml:2: source id 'a' already defined on line 1"):
        read_sources_file(bad)
    bad.write_text("- id: a\n  path: missing.md\n", encoding="utf-8")
    with pytest.raises(SourcesFileError, match=r"sources.yaml:1: .*missing.md.* not found"):
        read_sources_file(bad)
    bad.write_text("just text", encoding="utf-8")
    with pytest.raises(SourcesFileError, match="expected a list"):
        read_sources_file(bad)
