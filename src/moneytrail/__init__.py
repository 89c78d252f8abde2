"""moneytrail: an engine for follow-the-money investigations.

    import moneytrail as mt
    case = mt.open("case/")

The API (``moneytrail.api``) is imported on first use, so ``import moneytrail`` stays light. Its names
must differ from the subpackages' (``moneytrail.generate`` is a module once imported).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = frozenset({"open", "open_case", "synthetic_case", "Investigation", "Findings", "Ingested", "Linked", "Table",
                  "Traced"})


def __getattr__(name: str) -> Any:
    if name in _API:
        from moneytrail import api
        return getattr(api, name)
    raise AttributeError(f"module 'moneytrail' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
