"""Data shown to people is inert: bidi controls marked, control characters escaped, formulas defused."""

from __future__ import annotations

import jinja2

from moneytrail.model.safe_text import (
    defuse_formula,
    finalize_for_html,
    visible_bidi,
    visible_controls,
)


def test_bidi_controls_become_visible_marks() -> None:
    assert visible_bidi("invoice\u202efdp.exe") == "invoice<U+202E>fdp.exe"
    assert visible_bidi("\u2066a\u2069 \u200f") == "<U+2066>a<U+2069> <U+200F>"
    assert visible_bidi("شركة الأمل") == "شركة الأمل"  # right-to-left text itself is untouched


def test_control_characters_are_escaped_for_terminals() -> None:
    assert visible_controls("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m"
    assert visible_controls("a\tb\nc\rd\x00\x9b") == "a\tb\nc\\rd\\x00\\x9b"
    assert visible_controls("\x1b]8;;http://evil\x07x") == "\\x1b]8;;http://evil\\x07x"


def test_formulas_are_defused() -> None:
    assert [defuse_formula(v) for v in ("=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx", "ok", "a=b")] == \
        ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "'\tx", "ok", "a=b"]


def test_templates_mark_bidi_in_data_but_not_in_safe_markup() -> None:
    env = jinja2.Environment(autoescape=True, finalize=finalize_for_html)
    out = env.from_string("{{ name }}|{{ code|safe }}").render(name="<b>\u202ex</b>", code="/*\u202e*/")
    assert out == "&lt;b&gt;&lt;U+202E&gt;x&lt;/b&gt;|/*\u202e*/"
