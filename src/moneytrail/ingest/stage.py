"""The ingest stage's contract (``model.stage``): name, version and parameters of one ingest."""

from __future__ import annotations

from dataclasses import dataclass

NAME = "ingest"
VERSION = 1


@dataclass(frozen=True)
class IngestParams:
    """One file read into the case: what it holds (transactions, accounts, entities, events, rates), the
    preset that reads it and a mapping file overriding the preset's columns."""

    path: str
    what: str = "transactions"
    preset: str = "native"
    mapping: str | None = None
