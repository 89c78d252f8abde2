"""What the Python API returns: results that convert to Arrow and pandas, plus the stage's own object."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from moneytrail.ingest.result import IngestResult
from moneytrail.link.bounty import LinkResult
from moneytrail.trace.result import TraceResult

# ``to_pandas`` returns a pandas DataFrame; typed Any as pandas ships no type information here.
DataFrame = Any


class Table:
    """An Arrow-backed result: ``to_arrow()``, ``to_pandas()``, ``len()``, iteration over row dicts."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table

    def to_arrow(self) -> pa.Table:
        return self._table

    def to_pandas(self) -> DataFrame:
        return self._table.to_pandas()

    def to_pylist(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self._table.to_pylist()
        return rows

    def __len__(self) -> int:
        return int(self._table.num_rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.to_pylist())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._table.num_rows} rows: {', '.join(self._table.column_names)})"


class Findings(Table):
    """Stored findings (``store.findings.READ_COLUMNS`` plus ``stale``), best first."""

    @property
    def ids(self) -> list[str]:
        return [str(v) for v in self._table.column("finding_id").to_pylist()]


@dataclass(frozen=True)
class Ingested:
    """What one or more ingests stored; ``results`` are the ingest's own records."""

    results: Sequence[IngestResult]

    def to_arrow(self) -> pa.Table:
        rows = [{k: v for k, v in r.to_dict().items() if k != "details"} for r in self.results]
        return pa.Table.from_pylist(rows)

    def to_pandas(self) -> DataFrame:
        return self.to_arrow().to_pandas()

    @property
    def rows_stored(self) -> int:
        return sum(r.rows_stored for r in self.results)

    @property
    def rows_quarantined(self) -> int:
        return sum(r.rows_quarantined for r in self.results)


@dataclass(frozen=True)
class Traced:
    """A trace: ``result`` (the ``TraceResult``), ``to_arrow()`` one row per traced flow (path of payments)."""

    result: TraceResult

    @property
    def finding_id(self) -> str | None:
        return self.result.finding_id

    def to_arrow(self) -> pa.Table:
        rows = [{"path": [h.txn_id for h in f.hops],
                 "accounts": [f.hops[0].from_account, *(h.to_account for h in f.hops)], "hops": len(f.hops),
                 "amount": float(f.amount), "grade": str(f.confidence)}
                for f in self.result.flows]
        schema = pa.schema([("path", pa.list_(pa.string())), ("accounts", pa.list_(pa.string())),
                            ("hops", pa.int64()), ("amount", pa.float64()), ("grade", pa.string())])
        return pa.Table.from_pylist(rows, schema=schema)

    def to_pandas(self) -> DataFrame:
        return self.to_arrow().to_pandas()


@dataclass(frozen=True)
class Linked:
    """A payment-event test: ``result`` (the ``LinkResult``), ``to_arrow()`` its matched event-payment pairs."""

    result: LinkResult

    @property
    def found(self) -> bool:
        return self.result.found

    @property
    def finding_id(self) -> str | None:
        return self.result.finding_id

    def to_arrow(self) -> pa.Table:
        columns = ("event_id", "event_date", "casualties", "txn_id", "ts", "amount", "lag_days", "to_account")
        return pa.Table.from_pylist([{k: p.get(k) for k in columns} for p in self.result.pairs]) \
            if self.result.pairs else pa.table({k: pa.array([], pa.string()) for k in columns})

    def to_pandas(self) -> DataFrame:
        return self.to_arrow().to_pandas()
