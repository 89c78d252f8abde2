"""The trace index: integer account ids and a time-sorted edge table (tables of migration 5).

Built once per state of ``transactions`` and reused by every trace until the payments change.
"""

from __future__ import annotations

from datetime import UTC, datetime

from moneytrail.store.case import Case


def accounts_sql() -> str:
    return ("SELECT CAST(row_number() OVER (ORDER BY account_key) AS INTEGER) AS account_id, account_key FROM ("
            "SELECT from_account AS account_key FROM transactions UNION SELECT to_account FROM transactions) a")


def edges_sql() -> str:
    """Payments with a positive amount (in the reporting currency where ingest set it), by time."""
    return (
        "SELECT t.ts, a.account_id AS src_id, b.account_id AS dst_id, coalesce(t.amount_rc, t.amount) AS amt, "
        "t.txn_id, t.source_id, coalesce(t.origin_line, 0) AS origin_line, t.reliability, t.credibility "
        "FROM transactions t JOIN trace_accounts a ON a.account_key = t.from_account "
        "JOIN trace_accounts b ON b.account_key = t.to_account "
        "WHERE coalesce(t.amount_rc, t.amount) > 0 ORDER BY t.ts, src_id"
    )


def ensure_index(case: Case, data_version: str | None = None) -> bool:
    """Build the index if the case's data changed since it was built; True when it was rebuilt.
    ``data_version``: the case's, when the caller has it already."""
    e = case.engine
    signature = data_version or case.data_version()
    current = e.scalar("SELECT signature FROM trace_index_state")
    if current == signature:
        return False
    with e.transaction():
        e.replace_partition("trace_accounts", {}, accounts_sql())
        e.replace_partition("trace_edges", {}, edges_sql())
        e.replace_partition("trace_index_state", {}, "VALUES (?, ?, ?)",
                            [signature, case.count("trace_edges"), datetime.now(UTC).replace(tzinfo=None)])
    return True
