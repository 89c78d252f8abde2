"""JSON lines read strictly: records split on LF only, nesting and numbers bounded, errors with their line.

``str.splitlines`` also splits on U+2028, U+2029, U+0085, VT, FF and lone CR, which JSON allows raw inside
strings: a valid entity would be cut in two and every later line number shifted. Here a line ends at LF (a
CR before it is dropped). ``loads_limited`` refuses, as a ``json.JSONDecodeError`` naming the column, what
would otherwise escape as another exception or exhaust memory: nesting deeper than ``MAX_DEPTH``
(``RecursionError``), integers longer than ``MAX_NUMBER_CHARS`` (Python refuses int conversion past 4,300
digits with a ValueError), and non-JSON constants (``NaN``, ``Infinity``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from moneytrail.ingest.result import IngestError

MAX_DEPTH = 64
MAX_NUMBER_CHARS = 100


class UndecodableLine(str):
    """A line that is not UTF-8, shown with its bad bytes escaped; ``loads_limited`` refuses it with ``reason``."""

    reason: str


def _decode(raw: bytes, first: bool) -> str:
    try:
        return raw.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError as exc:
        line = UndecodableLine(raw.decode("utf-8", "backslashreplace"))
        line.reason = f"not UTF-8 text ({exc.reason} at byte {exc.start} of the line)"
        return line


def read_json_lines(path: Path) -> list[str]:
    """The file's lines (line n is item n - 1), split on LF only; a BOM at the start is dropped. A line that
    is not UTF-8 is kept as an ``UndecodableLine`` (quarantined by its line, not refusing the file)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    out = [_decode(raw, i == 0) for i, raw in enumerate(lines)]
    return [line[:-1] if line.endswith("\r") and not isinstance(line, UndecodableLine) else line for line in out]


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_CHARS:
        raise ValueError(f"number with {len(text.lstrip('-')):,} digits (limit {MAX_NUMBER_CHARS})")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(f"number of {len(text):,} characters (limit {MAX_NUMBER_CHARS})")
    return float(text)


def _parse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                return depth
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def loads_limited(text: str) -> Any:
    """``json.loads`` with the limits above; every refusal is a ``json.JSONDecodeError``."""
    if isinstance(text, UndecodableLine):
        raise json.JSONDecodeError(text.reason, text, 0)
    try:
        value = json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", text, 0) from None
    except ValueError as exc:
        raise json.JSONDecodeError(str(exc), text, 0) from None
    if _depth(value) > MAX_DEPTH:
        raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", text, 0)
    return value
