"""``ingest rates``: currency rates with date ranges (currency,valid_from,valid_to,rate).

``rate`` is reporting-currency units per unit of ``currency``; ``valid_to`` is inclusive, empty means
open-ended (expanded for ten years). Ranges of one currency must not overlap: a row overlapping an
earlier one is quarantined. After loading, transactions stored without a conversion (``amount_rc``
NULL because the case had no rates then) are converted where a rate now exists.
"""

from __future__ import annotations

from pathlib import Path

from moneytrail.ingest.csvfile import stage_csv
from moneytrail.ingest.filelog import file_ingest
from moneytrail.ingest.mapping import AMLWORLD_CURRENCIES
from moneytrail.ingest.result import IngestResult
from moneytrail.ingest.sqltext import literal, number_sql, text_sql
from moneytrail.ingest.transactions import currency_sql
from moneytrail.store.case import Case
from moneytrail.store.rewrites import fill_reporting_amounts

OPEN_ENDED_DAYS = 3650
_REQUIRED = ["currency", "valid_from", "valid_to", "rate"]


def rates_stage_sql(cols: dict[str, str], raw: str) -> str:
    cur = text_sql(cols["currency"])
    vf, vt, rate = (text_sql(cols[c]) for c in ("valid_from", "valid_to", "rate"))
    return (
        f"SELECT _k, currency, valid_from, valid_to, rate, CASE "
        f"WHEN currency IS NULL THEN 'unknown currency ' || coalesce('''' || cur_text || '''', '(empty)') "
        f"WHEN valid_from IS NULL THEN 'unparseable valid_from ' || coalesce('''' || vf_text || '''', '(empty)') "
        f"WHEN vt_text IS NOT NULL AND valid_to IS NULL THEN 'unparseable valid_to ''' || vt_text || '''' "
        f"WHEN valid_to < valid_from THEN 'valid_to before valid_from' "
        f"WHEN rate IS NULL THEN 'unparseable rate ' || coalesce('''' || rate_text || '''', '(empty)') "
        f"WHEN isnan(rate) OR isinf(rate) OR rate <= 0 THEN 'rate must be a positive number, got ' || rate_text "
        f"END AS _reason, concat_ws(',', cur_text, vf_text, vt_text, rate_text) AS _raw FROM ("
        f"SELECT raw._k, {currency_sql(cur, AMLWORLD_CURRENCIES)} AS currency, {cur} AS cur_text, "
        f"TRY_CAST({vf} AS DATE) AS valid_from, {vf} AS vf_text, TRY_CAST({vt} AS DATE) AS valid_to, {vt} AS vt_text, "
        f"{number_sql(rate)} AS rate, {rate} AS rate_text FROM {raw}) p")


_LINE_COLUMNS = "_line, currency, valid_from, valid_to, rate, _raw"
_END = f"coalesce(valid_to, valid_from + INTERVAL {OPEN_ENDED_DAYS} DAY)"


def rate_lines_sql(read: str) -> str:
    """The staged lines with their reason to be quarantined: a range overlapping an earlier good line of
    this file, or a rate already in the case, for the same currency."""
    overlap = (
        "SELECT a._line, 'overlaps the range of ' || min(a.currency) || ' on ' || "
        "min(CASE WHEN b.origin_line IS NULL THEN 'line ' || b._line ELSE 'an earlier rates file' END) AS _reason "
        f"FROM {read} a JOIN (SELECT _line, NULL AS origin_line, currency, valid_from, valid_to "
        f"FROM {read} WHERE _reason IS NULL UNION ALL SELECT -1, origin_line, currency, valid_from, "
        "valid_to FROM rates) b ON a.currency = b.currency AND (b._line < a._line OR b.origin_line IS NOT NULL) "
        f"AND a.valid_from <= coalesce(b.valid_to, b.valid_from + INTERVAL {OPEN_ENDED_DAYS} DAY) "
        f"AND b.valid_from <= {_END.replace('valid', 'a.valid')} WHERE a._reason IS NULL GROUP BY a._line")
    cols = ", ".join(f"l.{c.strip()}" for c in _LINE_COLUMNS.split(","))
    return (f"SELECT {cols}, coalesce(l._reason, o._reason) AS _reason FROM {read} l "
            f"LEFT JOIN ({overlap}) o ON o._line = l._line")


def ingest_rates(case: Case, path: Path | str) -> IngestResult:
    """Load a rates table into the case and convert transactions that were waiting for it."""
    results: list[IngestResult] = []
    e = case.engine
    rc = case.reporting_currency
    with file_ingest(case, path, "rates", preset=None, result=results) as fi, e.run() as run:
        if fi is not None:
            staged = stage_csv(fi, delimiter=",", required=_REQUIRED, build=rates_stage_sql, table="_rates_stage")
            read = run.materialise(f"SELECT {_LINE_COLUMNS}, _reason FROM {staged.from_sql()} s", hint="rates_read")
            for sql in staged.drop_sql():
                e.execute(sql)
            lines = run.materialise(rate_lines_sql(str(read)), hint="rates_lines")
            e.append("rates", f"SELECT currency, valid_from, valid_to, rate, ?, ?, ?, _line, ? FROM {lines} "
                     "WHERE _reason IS NULL", [rc, fi.source.source_id, fi.origin, fi.ingest_id])
            e.append("quarantine", f"SELECT ?, ?, _line, _raw, _reason FROM {lines} WHERE _reason IS NOT NULL",
                     [fi.ingest_id, fi.origin], columns=["ingest_id", "file", "line", "raw", "reason"])
            e.append("rates_daily", "SELECT currency, CAST(day AS DATE), rate FROM (SELECT currency, rate, "
                     f"{e.dialect.day_series_sql('valid_from', _END)} AS day FROM rates WHERE ingest_id = ?) d",
                     [fi.ingest_id])
            bad = int(e.scalar(f"SELECT count(*) FROM {lines} WHERE _reason IS NOT NULL"))
            fi.rows_read = staged.rows + staged.rejected
            fi.rows_quarantined = bad + staged.rejected
            fi.rows_stored = staged.rows - bad
            fill_reporting_amounts(case, rc)
            fi.details["transactions_converted"] = True
            fi.details["transactions_without_rate"] = int(e.scalar(
                f"SELECT count(*) FROM transactions WHERE amount_rc IS NULL AND currency <> {literal(rc)}"))
    return results[0]
