"""Text encodings of CSV files: detect UTF-8, UTF-8 with BOM, UTF-16, cp1252 and latin-1, and give the
reader a UTF-8 copy when the file is not UTF-8.

The engine's CSV reader takes UTF-8 only (other bytes become "INVALID ENCODING" rejects). So a file in
another encoding is transcoded, once, into a temporary UTF-8 file; lines are preserved one for one
(every encoding here writes a newline as one newline), so line numbers in quarantine still point into
the original file, whose content hash identifies the ingest. The copy lives in the system temporary
directory and is deleted when the ingest ends.

Detection reads a sample: a BOM names UTF-8-sig or UTF-16; NUL bytes at alternate positions mean UTF-16
without a BOM; a sample that decodes as UTF-8 is UTF-8 (a later non-UTF-8 line is then quarantined with
its line and the reason, never lost); otherwise bytes 0x80-0x9F that cp1252 defines make it cp1252, and
anything else is latin-1 (the two agree on 0xA0-0xFF, the letters of Western European text).
"""

from __future__ import annotations

import codecs
import tempfile
from dataclasses import dataclass
from pathlib import Path

from moneytrail.ingest.result import IngestError

SAMPLE_BYTES = 4 << 20
KNOWN = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1")
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


@dataclass(frozen=True)
class Encoding:
    name: str      # a Python codec name, one of KNOWN
    detected: bool  # False when the mapping named it
    why: str       # what the detection saw

    @property
    def is_utf8(self) -> bool:
        return self.name == "utf-8"


def normal_name(name: str) -> str:
    try:
        codec = codecs.lookup(name).name
    except LookupError as exc:
        raise IngestError(f"unknown encoding {name!r}; known: {', '.join(KNOWN)}") from exc
    return {"iso8859-1": "latin-1", "utf-8-sig": "utf-8-sig", "utf-16": "utf-16"}.get(codec, codec)


def _starts_with_bom(sample: bytes) -> str | None:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def detect_encoding(path: Path, named: str | None = None) -> Encoding:
    """The file's encoding: ``named`` when given (``auto`` or None detects)."""
    if named and named.lower() != "auto":
        return Encoding(normal_name(named), detected=False, why="named in the mapping")
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    if sample[:2] == b"\x1f\x8b":
        return Encoding("utf-8", detected=True, why="gzip: read as UTF-8")
    bom = _starts_with_bom(sample)
    if bom:
        return Encoding(bom, detected=True, why="byte order mark")
    head = sample[:4096]
    if len(head) >= 4 and head.count(0) * 3 > len(head):
        odd_nuls = head[1::2].count(0)
        return Encoding("utf-16-le" if odd_nuls > head[0::2].count(0) else "utf-16-be", detected=True,
                        why="NUL bytes between characters (UTF-16 without byte order mark)")
    try:
        # A multi-byte character cut at the sample's end is fine: decode incrementally, not finally.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(sample) < SAMPLE_BYTES)
        why = "valid UTF-8" + ("" if sample.isascii() else " with non-ASCII text")
        return Encoding("utf-8", detected=True, why=why)
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    high = {b for b in sample if 0x80 <= b <= 0x9F}
    line = sample.count(b"\n", 0, first_bad) + 1
    if high and not high & _CP1252_UNDEFINED:
        return Encoding("cp1252", detected=True, why=f"not UTF-8 (line {line}); bytes 0x80-0x9F as cp1252 uses them")
    return Encoding("latin-1", detected=True, why=f"not UTF-8 (line {line}); no cp1252-only bytes: latin-1")


def utf8_copy(path: Path, encoding: Encoding, directory: Path | None = None) -> Path:
    """A temporary UTF-8 copy of ``path`` (the caller deletes it). Undecodable bytes (possible only for
    UTF-16 and cp1252) stop with the line they are on."""
    out = Path(tempfile.mkstemp(prefix="mt-utf8-", suffix=path.suffix, dir=directory)[1])
    decoder = codecs.getincrementaldecoder(encoding.name)()
    line = 1
    try:
        with path.open("rb") as src, out.open("wb") as dst:
            while chunk := src.read(1 << 22):
                try:
                    text = decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    bad_line = line + decoder.decode(chunk[:exc.start], final=False).count("\n")
                    raise IngestError(f"{path}: line {bad_line}: not valid {encoding.name} ({exc.reason}); "
                                      "name the right encoding in the mapping") from exc
                line += text.count("\n")
                dst.write(text.encode("utf-8"))
            dst.write(decoder.decode(b"", final=True).encode("utf-8"))
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return out
