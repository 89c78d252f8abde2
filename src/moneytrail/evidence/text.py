"""Plain text out of documents: text, Markdown, HTML (scripts and styles dropped) and PDF (pypdf).

The stored text is what mention offsets point into, so it must be exactly what the report quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

MEDIA_TYPES = {".txt": "text/plain", ".text": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown",
               ".html": "text/html", ".htm": "text/html", ".pdf": "application/pdf"}


class DocumentError(ValueError):
    """A document that cannot be read at all (unknown type, unreadable file)."""


@dataclass(frozen=True)
class DocumentText:
    media_type: str
    text: str
    title: str | None
    has_text: bool
    message: str | None = None


_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
               "header", "footer", "blockquote", "pre", "table", "ul", "ol", "title"}
_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "head"}


class _TextExtractor(HTMLParser):
    """Collects visible text; anything inside script/style (and head, apart from the title) is dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.in_title = False
        self.title: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in _SKIP_TAGS:
            self.skip_depth += 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in _SKIP_TAGS and self.skip_depth:
            self.skip_depth -= 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title = (self.title or "") + data.strip()
        elif not self.skip_depth:
            self.parts.append(data)


def _tidy(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> tuple[str, str | None]:
    """(visible text, title) of an HTML page."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return _tidy("".join(parser.parts)), parser.title


def markdown_title(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip() or None
    return None


def pdf_to_text(path: Path) -> DocumentText:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except (PdfReadError, OSError, ValueError) as exc:
        raise DocumentError(f"{path}: not a readable PDF ({exc})") from exc
    text = _tidy("\n\n".join(pages))
    if not text:
        return DocumentText("application/pdf", "", title, False,
                            f"{path}: the PDF has no text layer ({len(pages)} page(s) of images only); "
                            "run OCR (e.g. ocrmypdf) and ingest the result")
    return DocumentText("application/pdf", text, title, True)


def read_document(path: Path) -> DocumentText:
    """The text of a document, chosen by file extension."""
    media_type = MEDIA_TYPES.get(path.suffix.lower())
    if media_type is None:
        raise DocumentError(f"{path}: unsupported document type {path.suffix or '(none)'!r}; "
                            f"supported: {', '.join(sorted(MEDIA_TYPES))}")
    if not path.is_file():
        raise DocumentError(f"{path}: no such file")
    if media_type == "application/pdf":
        return pdf_to_text(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason})") from exc
    if media_type == "text/html":
        text, title = html_to_text(raw)
    else:
        text = raw.replace("\r\n", "\n").strip()
        title = markdown_title(text) if media_type == "text/markdown" else None
    if not text:
        return DocumentText(media_type, "", title, False, f"{path}: the document holds no text")
    return DocumentText(media_type, text, title, True)
