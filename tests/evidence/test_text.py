from __future__ import annotations

from pathlib import Path

import pytest

from moneytrail.evidence.text import DocumentError, html_to_text, read_document


def test_plain_text(data_dir: Path) -> None:
    doc = read_document(data_dir / "field_note.txt")
    assert doc.media_type == "text/plain" and doc.has_text
    assert "Orlan Tessaly coordinated with Vostok Amber Group" in doc.text


def test_markdown_keeps_text_and_takes_title(data_dir: Path) -> None:
    doc = read_document(data_dir / "leak_summary.md")
    assert doc.media_type == "text/markdown"
    assert doc.title == "Leaked ledger summary"
    assert "EUR 1.2 million" in doc.text


def test_html_drops_script_and_style(data_dir: Path) -> None:
    doc = read_document(data_dir / "outlet_story.html")
    assert doc.media_type == "text/html" and doc.has_text
    assert "Зефирин Трейдинг paid $20,000" in doc.text
    assert "money & weapons" in doc.text  # entities decoded
    for hidden in ("tracker", "999 dollars", "USD 777", "color: red", "document.write"):
        assert hidden not in doc.text
    assert doc.title == "Northwind Courier: the amber money"


def test_html_blocks_become_lines() -> None:
    text, title = html_to_text("<p>one</p><p>two <b>bold</b></p><script>x()</script>")
    assert text.splitlines() == ["one", "", "two bold"] and title is None


def test_pdf_with_text_layer(data_dir: Path) -> None:
    doc = read_document(data_dir / "report_text.pdf")
    assert doc.has_text and doc.media_type == "application/pdf"
    assert "Zephyrine Trading LLC paid USD 45,000 to Vostok Amber Group" in doc.text


def test_pdf_without_text_layer_gets_a_message_not_a_crash(data_dir: Path) -> None:
    doc = read_document(data_dir / "report_scanned.pdf")
    assert not doc.has_text and doc.text == ""
    assert doc.message is not None and "no text layer" in doc.message and "report_scanned.pdf" in doc.message


def test_unsupported_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="unsupported document type"):
        read_document(tmp_path / "x.docx")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"this is not a pdf at all")
    with pytest.raises(DocumentError, match=r"broken\.pdf"):
        read_document(broken)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(DocumentError, match="not UTF-8"):
        read_document(latin)
