"""Data shown to people as inert text: control and bidi characters made visible, spreadsheet formulas defused.

Pure functions, used by the terminal output (``cli.output``), the report templates and the explorer. Data
from leaks, registries and bank files can carry terminal escape sequences (ESC), right-to-left overrides
that make ``exe.pdf`` read as ``fdp.exe``, and cells a spreadsheet runs as formulas.
"""

from __future__ import annotations

import re

# Bidirectional formatting characters (Unicode TR9): embeddings, overrides, isolates and marks.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
# C0 and C1 control characters and DEL, except tab and line feed (text layout, harmless to terminals).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# OWASP CSV injection: a cell starting with one of these is run as a formula by spreadsheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _mark(match: re.Match[str]) -> str:
    return f"<U+{ord(match.group()):04X}>"


def visible_bidi(text: str) -> str:
    """Bidi controls replaced by a visible mark ``<U+202E>``, so they cannot reorder what is shown."""
    return _BIDI.sub(_mark, text)


def visible_controls(text: str) -> str:
    """For a terminal: control characters escaped (``\\x1b``) and bidi controls marked; tab and LF kept."""
    text = _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)
    return visible_bidi(text)


def defuse_formula(text: str) -> str:
    """A leading apostrophe for a cell a spreadsheet would evaluate (``=HYPERLINK(...)``, ``+1``, ``@SUM``)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def finalize_for_html(value: object) -> object:
    """jinja2 ``finalize``: plain text printed by a template gets its bidi controls marked; markup the
    template marked safe (``__html__``: inlined scripts, pre-rendered HTML) is left as it is."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return visible_bidi(value)
    return value
