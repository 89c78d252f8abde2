"""The case store: one DuckDB file per case, its versioned schema and its migrations."""

from moneytrail.store.case import Case, CaseError

__all__ = ["Case", "CaseError"]
