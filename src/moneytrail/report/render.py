"""HTML rendering: jinja2 with autoescape, assets inlined, data embedded as script-safe JSON."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jinja2

from moneytrail.model.safe_text import finalize_for_html, visible_bidi

# Characters that could end a <script> element or start an HTML comment, plus the two line
# separators that old JavaScript parsers treat as newlines inside string literals.
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}

SAFE_URL_SCHEMES = ("http://", "https://")


def script_safe_json(data: Any) -> str:
    """JSON that can sit inside <script type="application/json"> with no breakout; bidi controls in the data
    become visible marks (they would reorder names drawn in the graph and tables)."""
    text = visible_bidi(json.dumps(data, ensure_ascii=False, default=str, separators=(",", ":")))
    for char, escaped in _JSON_ESCAPES.items():
        text = text.replace(char, escaped)
    return text


def safe_url(url: str | None) -> str | None:
    """Only http(s) links are ever made clickable; javascript:, data: and the like become None."""
    if not url:
        return None
    cleaned = url.strip()
    return cleaned if cleaned.lower().startswith(SAFE_URL_SCHEMES) else None


def asset_text(name: str) -> str:
    text = resources.files("moneytrail.report").joinpath("assets", name).read_text(encoding="utf-8")
    if "</script" in text.lower():
        raise ValueError(f"asset {name} contains '</script' and cannot be inlined")
    return text


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("moneytrail.report", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        finalize=finalize_for_html)  # bidi controls in data shown as visible marks
    env.filters["money"] = _money
    env.filters["count"] = count_noun
    return env


_SINGULAR = {"transactions": "transaction", "statements": "statement", "events": "event", "claims": "claim",
             "documents": "document", "mentions": "mention", "findings": "finding", "accounts": "account",
             "sources": "source"}


def count_noun(n: int, noun: str) -> str:
    """"1 claim", "2 claims": the noun agrees with the count (nouns as the tables name them)."""
    plural = noun if noun.endswith("s") else {"entity": "entities"}.get(noun, noun + "s")
    singular = _SINGULAR.get(plural, noun)
    return f"{int(n):,} {singular if int(n) == 1 else plural}"


def _money(value: Any) -> str:
    if value is None:
        return ""
    return f"{float(value):,.2f}"


def render_template(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
