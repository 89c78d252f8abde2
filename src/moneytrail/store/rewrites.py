"""In-place corrections of stored rows that no stage may write as UPDATE itself (docs/architecture.md).

Each is one set-based statement on DuckDB. On an engine over Parquet files (Spark), each is a rewrite of
the partitions it touches: the rows of one ingest for ``shift_lines`` (transactions and quarantine are
partitioned by ingest), the rows still lacking a reporting-currency amount for ``fill_reporting_amounts``.
"""

from __future__ import annotations

from collections.abc import Callable

from moneytrail.store.case import Case


def shift_lines(case: Case, shifts: str, ingest_no: int, ingest_id: str, *,
                txn_id_sql: Callable[[str], str] | None = None) -> None:
    """Move one ingest's stored and quarantined rows to their real lines: a row whose line lies in
    (lo, hi] of a row of ``shifts`` (lo, hi, shift) moves ``shift`` lines down. ``txn_id_sql`` (given the
    new line expression) rebuilds transaction ids that were made from the line."""
    engine = case.engine
    for tbl, col, key, value in (("transactions", "origin_line", "ingest_no", ingest_no),
                                 ("quarantine", "line", "ingest_id", ingest_id)):
        new_id = (f", txn_id = {txn_id_sql(f'{tbl}.{col} + i.shift')}"
                  if txn_id_sql is not None and tbl == "transactions" else "")
        engine.execute(f"UPDATE {tbl} SET {col} = {tbl}.{col} + i.shift{new_id} FROM {shifts} i "
                       f"WHERE {tbl}.{key} = ? AND {tbl}.{col} > i.lo AND {tbl}.{col} <= i.hi", [value])


def fill_reporting_amounts(case: Case, reporting_currency: str) -> None:
    """Give transactions stored before their day's rate was known their reporting-currency amount."""
    rc = "'" + reporting_currency.replace("'", "''") + "'"
    case.engine.execute(
        f"UPDATE transactions SET amount_rc = CASE WHEN transactions.currency = {rc} THEN amount "
        f"ELSE amount * r.rate END FROM rates_daily r WHERE transactions.amount_rc IS NULL "
        f"AND r.currency = transactions.currency AND r.day = CAST(transactions.ts AS DATE)")
