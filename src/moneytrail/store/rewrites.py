"""Corrections of stored rows that are not keyed by what they change, through the writer API.

Neither needs a row-level UPDATE, so an engine over Parquet files meets both with its writer methods:

- ``shift_lines`` moves one ingest's rows to other lines (and, for positional ids, other ids): the key
  itself changes, so the rows concerned are read into a run-owned table with their new values, removed
  (``Engine.remove``) and appended again, in one transaction. On Parquet that rewrites the files of the
  ingest's rows (transactions and quarantine are partitioned by ingest) and adds one file.
- ``fill_reporting_amounts`` gives the rows still lacking a reporting-currency amount the one they now
  have: an ``Engine.upsert`` keyed by ``txn_id`` that adds no row (merge-on-rewrite on Parquet).
"""

from __future__ import annotations

from collections.abc import Callable

from moneytrail.store.case import Case

# Per table: the line column, the column naming the ingest, and the key that identifies a row within it.
_SHIFTED = {"transactions": ("origin_line", "ingest_no"), "quarantine": ("line", "ingest_id")}


def shifted_rows_sql(table: str, columns: list[str], shifts: str, replaced: dict[str, str]) -> str:
    """The rows of one ingest (``?``) whose line lies in (lo, hi] of a row of ``shifts``, with the
    ``replaced`` columns' new values (expressions over the row ``r`` and its shift ``i``)."""
    line, ingest = _SHIFTED[table]
    select = ", ".join(f"{replaced[c]} AS {c}" if c in replaced else f"r.{c}" for c in columns)
    return (f"SELECT {select} FROM {table} r JOIN {shifts} i ON r.{line} > i.lo AND r.{line} <= i.hi "
            f"WHERE r.{ingest} = ?")


def shift_lines(case: Case, shifts: str, ingest_no: int, ingest_id: str, *,
                txn_id_sql: Callable[[str], str] | None = None) -> None:
    """Move one ingest's stored and quarantined rows to their real lines: a row whose line lies in
    (lo, hi] of a row of ``shifts`` (lo, hi, shift) moves ``shift`` lines down. ``txn_id_sql`` (given the
    new line expression) rebuilds transaction ids that were made from the line."""
    engine = case.engine
    with engine.transaction(), engine.run() as run:
        for table, value in (("transactions", ingest_no), ("quarantine", ingest_id)):
            line, ingest = _SHIFTED[table]
            replaced = {line: f"r.{line} + i.shift"}
            if txn_id_sql is not None and table == "transactions":
                replaced["txn_id"] = txn_id_sql(f"r.{line} + i.shift")
            columns = engine.column_names(table)
            moved = run.materialise(shifted_rows_sql(table, columns, shifts, replaced), [value], hint="shifted")
            # The old rows are found by their old line: one row per (ingest, line) in transactions; in the
            # quarantine every row of that line moves, and all of them are in ``moved``.
            engine.remove(table, [ingest, line], f"SELECT r.{ingest}, r.{line} FROM {table} r JOIN {shifts} i "
                          f"ON r.{line} > i.lo AND r.{line} <= i.hi WHERE r.{ingest} = ?", [value])
            engine.append(table, f"SELECT {', '.join(columns)} FROM {moved}", columns=columns)


def fill_reporting_amounts(case: Case, reporting_currency: str) -> None:
    """Give transactions stored before their day's rate was known their reporting-currency amount."""
    rc = "'" + reporting_currency.replace("'", "''") + "'"
    case.engine.upsert(
        "transactions", ["txn_id"],
        f"SELECT t.txn_id, CASE WHEN t.currency = {rc} THEN t.amount ELSE t.amount * r.rate END AS amount_rc "
        "FROM transactions t JOIN rates_daily r ON r.currency = t.currency AND r.day = CAST(t.ts AS DATE) "
        "WHERE t.amount_rc IS NULL", insert_missing=False)
