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


def ingest_accounts(case: Case, path: Path | str, *, source: SourceRecord | None = None) -> IngestResult:
    results: list[IngestResult] = []
    e = case.engine
    with file_ingest(case, path, "accounts", source=source, result=results) as fi:
        if fi is not None:
            staged = stage_csv(fi, delimiter=",", required=_REQUIRED, build=accounts_stage_sql, table="_acct_stage")
            src = staged.from_sql()
            e.execute(f"CREATE OR REPLACE TEMP TABLE _acct_lines AS SELECT * FROM {src} s")
            for sql in staged.drop_sql():
                e.execute(sql)
            # A key repeated within the file: the later line wins; earlier ones are quarantined as superseded.
            e.upsert("_acct_lines", ["_line"], "SELECT a._line, 'account repeated on a later line' AS _reason "
                     "FROM _acct_lines a WHERE a._reason IS NULL AND a._line < (SELECT max(b._line) "
                     "FROM _acct_lines b WHERE b.account_key = a.account_key AND b._reason IS NULL)",
                     insert_missing=False)
            e.execute("CREATE OR REPLACE TEMP TABLE _acct_old AS SELECT a.* FROM accounts a "
                      "JOIN _acct_lines n ON n.account_key = a.account_key AND n._reason IS NULL")
            e.remove("accounts", ["account_key"], "SELECT account_key FROM _acct_old")
            e.execute(
                "INSERT INTO accounts (account_key, bank_id, account_id, holder_entity_id, account_entity_id, iban, "
                "country, currency, source_id) SELECT n.account_key, n.bank_id, n.account_id, "
                "coalesce(n.holder_entity_id, o.holder_entity_id), o.account_entity_id, coalesce(n.iban, o.iban), "
                "coalesce(n.country, o.country), coalesce(n.currency, o.currency), ? "
                "FROM _acct_lines n LEFT JOIN _acct_old o ON o.account_key = n.account_key WHERE n._reason IS NULL",
                [fi.source.source_id])
            e.execute("INSERT INTO quarantine (ingest_id, file, line, raw, reason) SELECT ?, ?, _line, _raw, _reason "
                      "FROM _acct_lines WHERE _reason IS NOT NULL", [fi.ingest_id, fi.origin])
            fi.details["countries_from_iban"] = fill_iban_countries(case)
            bad = int(e.scalar("SELECT count(*) FROM _acct_lines WHERE _reason IS NOT NULL"))
            fi.rows_read = staged.rows + staged.rejected
            fi.rows_quarantined = bad + staged.rejected
            fi.rows_stored = staged.rows - bad
            e.execute("DROP TABLE _acct_lines")
            e.execute("DROP TABLE _acct_old")
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
    e.register_arrow("_iban_country", pa.table({"account_key": [k for k, _ in found],
                                                "country": [c for _, c in found]}))
    e.execute("UPDATE accounts SET country = c.country FROM _iban_country c WHERE c.account_key = accounts.account_key")
    e.unregister("_iban_country")
    return len(found)
