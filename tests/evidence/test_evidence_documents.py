from __future__ import annotations

from pathlib import Path

import pytest

from moneytrail.evidence.documents import ingest_document, ingest_documents
from moneytrail.store import Case


@pytest.mark.parametrize(("name", "media_type"), [
    ("field_note.txt", "text/plain"), ("leak_summary.md", "text/markdown"), ("outlet_story.html", "text/html"),
    ("report_text.pdf", "application/pdf")])
def test_each_kind_is_stored_with_quotable_mentions(seeded: Case, data_dir: Path, name: str, media_type: str) -> None:
    result = ingest_document(seeded, data_dir / name)
    assert result.media_type == media_type and result.has_text
    assert result.mentions.get("entity", 0) >= 2
    text = seeded.engine.scalar("SELECT text FROM documents WHERE document_id = ?", [result.document_id])
    rows = seeded.engine.rows("SELECT kind, text, start_pos, end_pos, source_id FROM mentions WHERE document_id = ?",
                              [result.document_id])
    assert rows
    for _, mention_text, start, end, source_id in rows:
        assert text[start:end] == mention_text
        assert source_id == result.source_id
    grade = seeded.engine.rows("SELECT kind, reliability, credibility FROM sources WHERE source_id = ?",
                               [result.source_id])
    assert grade == [("document", "C", 3)]  # the default for documents when nobody grades them


def test_html_script_content_is_not_mined(seeded: Case, data_dir: Path) -> None:
    result = ingest_document(seeded, data_dir / "outlet_story.html")
    amounts = [r[0] for r in seeded.engine.rows("SELECT text FROM mentions WHERE document_id = ? AND kind = 'amount'",
                                                [result.document_id])]
    assert amounts == ["$20,000"]


def test_scanned_pdf_is_kept_with_a_message(seeded: Case, data_dir: Path) -> None:
    result = ingest_document(seeded, data_dir / "report_scanned.pdf")
    assert not result.has_text and result.mentions == {}
    assert result.message and "no text layer" in result.message
    stored = seeded.engine.rows("SELECT has_text, message FROM documents WHERE document_id = ?", [result.document_id])
    assert stored[0][0] is False and "OCR" in stored[0][1]


def test_reingest_adds_nothing_and_is_logged(seeded: Case, data_dir: Path) -> None:
    first = ingest_documents(seeded, [data_dir / "field_note.txt"])[0]
    before = seeded.count("mentions")
    again = ingest_documents(seeded, [data_dir / "field_note.txt"])[0]
    assert again.skipped and again.document_id == first.document_id
    assert seeded.count("mentions") == before
    assert seeded.engine.rows("SELECT kind, rows_stored FROM ingest_log WHERE source_id = ?", [first.source_id]) == [
        ("document", sum(first.mentions.values()))]
