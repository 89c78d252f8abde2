"""``ingest accounts``: the bank's account list (bank_id,account_id,holder_entity_id,country,currency,iban).

An account already in the case (same ``account_key``) is updated with the file's values; holder and
account-entity ids known from elsewhere are kept where the file leaves them empty.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from moneytrail.ingest.csvfile import stage_csv
from moneytrail.ingest.filelog import file_ingest
from moneytrail.ingest.result import IngestResult
from moneytrail.ingest.sqltext import text_sql
from moneytrail.model.iban import iban_country
from moneytrail.store.case import Case
from moneytrail.store.sources import SourceRecord

_REQUIRED = ["bank_id", "account_id"]
_OPTIONAL = ["holder_entity_id", "country", "currency", "iban"]


def accounts_stage_sql(cols: dict[str, str], raw: str) -> str:
    opt = ", ".join(f"{text_sql(cols[c]) if c in cols else 'CAST(NULL AS VARCHAR)'} AS {c}" for c in _OPTIONAL)
    bank, acct = text_sql(cols["bank_id"]), text_sql(cols["account_id"])
    everything = ", ".join(f"coalesce(raw.{c}, '')" for c in cols.values())
    return (f"SELECT raw._k, coalesce({bank}, '') || ':' || {acct} AS account_key, {bank} AS bank_id, "
            f"{acct} AS account_id, {opt}, CASE WHEN {acct} IS NULL THEN 'missing account_id' END AS _reason, "
            f"concat_ws(',', {everything}) AS _raw FROM {raw}")


def account_lines_sql(staged: str) -> str:
    """The staged lines with their reason to be quarantined: a key repeated within the file keeps its
    latest good line; earlier ones are superseded."""
    latest = "max(CASE WHEN _reason IS NULL THEN _line END) OVER (PARTITION BY account_key)"
    cols = ", ".join(["account_key", "bank_id", "account_id", *_OPTIONAL, "_raw", "_line"])
    return (f"SELECT {cols}, CASE WHEN _reason IS NULL AND _line < {latest} THEN 'account repeated on a later "
            f"line' ELSE _reason END AS _reason FROM {staged} s")


def ingest_accounts(case: Case, path: Path | str, *, source: SourceRecord | None = None) -> IngestResult:
    results: list[IngestResult] = []
    e = case.engine
    with file_ingest(case, path, "accounts", source=source, result=results) as fi, e.run() as run:
        if fi is not None:
            staged = stage_csv(fi, delimiter=",", required=_REQUIRED, build=accounts_stage_sql, table="_acct_stage")
            lines = run.materialise(account_lines_sql(staged.from_sql()), hint="acct_lines")
            for sql in staged.drop_sql():
                e.execute(sql)
            old = run.materialise(f"SELECT a.* FROM accounts a JOIN {lines} n ON n.account_key = a.account_key "
                                  "AND n._reason IS NULL", hint="acct_old")
            with e.transaction():
                e.remove("accounts", ["account_key"], f"SELECT account_key FROM {old}")
                e.append("accounts",
                         "SELECT n.account_key, n.bank_id, n.account_id, "
                         "coalesce(n.holder_entity_id, o.holder_entity_id), o.account_entity_id, "
                         "coalesce(n.iban, o.iban), coalesce(n.country, o.country), "
                         f"coalesce(n.currency, o.currency), ? FROM {lines} n LEFT JOIN {old} o "
                         "ON o.account_key = n.account_key WHERE n._reason IS NULL", [fi.source.source_id],
                         columns=["account_key", "bank_id", "account_id", "holder_entity_id", "account_entity_id",
                                  "iban", "country", "currency", "source_id"])
            e.append("quarantine", f"SELECT ?, ?, _line, _raw, _reason FROM {lines} WHERE _reason IS NOT NULL",
                     [fi.ingest_id, fi.origin], columns=["ingest_id", "file", "line", "raw", "reason"])
            fi.details["countries_from_iban"] = fill_iban_countries(case)
            bad = int(e.scalar(f"SELECT count(*) FROM {lines} WHERE _reason IS NOT NULL"))
            fi.rows_read = staged.rows + staged.rejected
            fi.rows_quarantined = bad + staged.rejected
            fi.rows_stored = staged.rows - bad
    return results[0]


def fill_iban_countries(case: Case) -> int:
    """Accounts without a country but with a valid IBAN (or an account number that is one) get the IBAN's
    country; returns how many. Python over the accounts lacking a country only (python-stdnum checks
    each IBAN's length and check digits)."""
    e = case.engine
    rows = e.rows("SELECT account_key, coalesce(iban, account_id) FROM accounts WHERE country IS NULL")
    found = [(key, iban_country(str(text))) for key, text in rows if text]
    found = [(k, c) for k, c in found if c]
    if not found:
        return 0
    with e.run() as run:
        countries = run.arrow(pa.table({"account_key": [k for k, _ in found], "country": [c for _, c in found]}),
                              hint="iban_country")
        e.upsert("accounts", ["account_key"], f"SELECT account_key, country FROM {countries}", insert_missing=False)
    return len(found)
