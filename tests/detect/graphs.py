"""Tiny hand-made transaction graphs for the detector tests, inserted straight into a case store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa

from moneytrail.detect.registry import Detector, resolve_params
from moneytrail.model.finding import Finding
from moneytrail.store import Case
from moneytrail.store.ingests import log_written_rows
from moneytrail.store.sources import SourceRecord, upsert_source

T0 = datetime(2022, 9, 1, 8, 0)
Row = tuple[str, float, str, str, float]  # (txn_id, hours after T0, from, to, amount)
Insert = Callable[[Sequence[Row]], None]


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def insert_rows(case: Case, rows: Sequence[Row], source_id: str = "src:test", origin_file: str | None = None) -> None:
    """Store ``rows`` as transfers read from ``source_id``; with ``origin_file``, as lines 2.. of that file."""
    upsert_source(case, SourceRecord(source_id, "dataset", "synthetic test transfers"))
    columns: dict[str, list[Any]] = {
        "txn_id": [r[0] for r in rows], "ts": [at(r[1]) for r in rows],
        "from_account": [r[2] for r in rows], "to_account": [r[3] for r in rows],
        "amount": [float(r[4]) for r in rows], "currency": ["USD"] * len(rows),
        "amount_rc": [float(r[4]) for r in rows], "source_id": [source_id] * len(rows),
    }
    if origin_file is not None:
        number = log_written_rows(case, file=origin_file, source_id=source_id, rows=len(rows))
        columns |= {"ingest_no": [number] * len(rows), "origin_line": list(range(2, len(rows) + 2))}
    table = pa.table(columns)
    case.engine.register_arrow("_test_rows", table)
    case.engine.execute(f"INSERT INTO transactions ({', '.join(table.column_names)}) SELECT * FROM _test_rows")
    case.engine.unregister("_test_rows")


def case_with(rows: Sequence[Row], origin_file: str | None = None) -> Case:
    """An in-memory case holding ``rows`` (see ``insert_rows``)."""
    case = Case.in_memory()
    insert_rows(case, rows, origin_file=origin_file)
    return case


def detect_alone(detector: Detector, case: Case, **overrides: object) -> list[Finding]:
    """Run one detector by itself (outside ``run_detectors``): its defaults with ``overrides``."""
    return detector.detect(case, resolve_params(detector, overrides))


def background(n_accounts: int = 60, days: int = 20, prefix: str = "bg", base_amount: float = 100.0) -> list[Row]:
    """Quiet everyday traffic: each account pays the next two accounts every few days (``base_amount`` to
    ``base_amount`` + 208 each)."""
    rows: list[Row] = []
    for a in range(n_accounts):
        for day in range(a % 4, days, 4):
            for k in (1, 2):
                b = (a + k * 7) % n_accounts
                rows.append((f"{prefix}{a}-{day}-{k}", day * 24 + a % 9 + k, f"b:{prefix}{a}", f"b:{prefix}{b}",
                             base_amount + 13 * ((a * k + day) % 17)))
    return rows


def one_off_payers(n_accounts: int = 40, days: int = 20, amount: float = 1200.0, prefix: str = "bg") -> list[Row]:
    """Accounts ``b:{prefix}N`` each paid once by two senders seen nowhere else: the peers a burst of one-off
    counterparties is compared with (``star``: the fans count one-off counterparties only)."""
    return [(f"one{a}-{k}", 24 * (a % days) + k, f"b:once{a}-{k}", f"b:{prefix}{a}", amount)
            for a in range(n_accounts) for k in (1, 2)]


def merchant(name: str, days: int = 20, per_day: int = 6) -> list[Row]:
    """A shop: a steady stream of customers paying every day, all period long."""
    return [(f"{name}-{d}-{i}", d * 24 + i, f"b:cust{(d * per_day + i) % 97}", name, 25.0 + i)
            for d in range(days) for i in range(per_day)]
