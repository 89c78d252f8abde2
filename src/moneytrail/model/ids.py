"""Deterministic identifiers. The same facts always get the same id, on every machine."""

from __future__ import annotations

import hashlib


def stable_id(*parts: object, length: int = 24) -> str:
    """A hex id from the parts; parts are joined with a separator that cannot occur in text."""
    digest = hashlib.sha1("\x1f".join("" if p is None else str(p) for p in parts).encode("utf-8"))
    return digest.hexdigest()[:length]


def statement_id(entity_id: str, schema: str, prop: str, value: str, source_id: str) -> str:
    """Id of a statement, in the spirit of FtM's: who says which value of which property."""
    return stable_id(source_id, entity_id, schema, prop, value, length=40)


def account_key(bank_id: str | None, account_id: str) -> str:
    """The case-wide key of an account: bank and account number, both kept as text."""
    return f"{bank_id or ''}:{account_id}"
