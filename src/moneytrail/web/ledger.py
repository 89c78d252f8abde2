"""The transactions of an account or an entity, filtered, sorted and paged, and the same rows as CSV.

Every filter is bound as a parameter; the sort column is picked from a fixed list, never taken from the URL.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from moneytrail.store import Case
from moneytrail.web.derived import source
from moneytrail.web.names import account_labels, held_accounts, label_rows, placeholders

SORTS = {"ts": "t.ts", "amount": "coalesce(t.amount_rc, t.amount)", "channel": "t.channel",
         "counterparty": "counterparty", "txn_id": "t.txn_id"}
CSV_COLUMNS = ("txn_id", "ts", "direction", "from_account", "from_account_name", "to_account", "to_account_name",
               "amount", "currency", "amount_rc", "channel", "source_id", "reliability", "credibility")


@dataclass(frozen=True)
class LedgerFilter:
    date_from: date | None = None
    date_to: date | None = None
    min_amount: float | None = None
    max_amount: float | None = None
    counterparty: str | None = None  # account key, or part of the holder's name
    channel: str | None = None
    grade: str | None = None  # "B" or "B2"
    sort: str = "ts"
    order: str = "desc"
    offset: int = 0
    limit: int = 50


def span_clauses(prefix: str, date_from: date | None, date_to: date | None, min_amount: float | None,
                 max_amount: float | None) -> tuple[list[str], list[Any]]:
    """WHERE clauses and parameters for a date range (``date_to`` inclusive of the whole day) and an amount
    range in the reporting currency, on payment columns named with ``prefix`` (``"t."`` or ``""``)."""
    wheres: list[str] = []
    params: list[Any] = []
    if date_from:
        wheres.append(f"{prefix}ts >= ?")
        params.append(date_from)
    if date_to:
        wheres.append(f"{prefix}ts < CAST(? AS DATE) + INTERVAL 1 DAY")
        params.append(date_to)
    amount = f"coalesce({prefix}amount_rc, {prefix}amount)"
    if min_amount is not None:
        wheres.append(f"{amount} >= ?")
        params.append(min_amount)
    if max_amount is not None:
        wheres.append(f"{amount} <= ?")
        params.append(max_amount)
    return wheres, params


def scope_accounts(case: Case, kind: str, key: str) -> list[str]:
    """The accounts in scope: one account, or every account an entity (canonical id) holds."""
    return [key] if kind == "account" else held_accounts(case, [key])


def ledger_sql(case: Case, accounts: list[str], flt: LedgerFilter) -> tuple[str, list[Any]]:
    """Rows touching the accounts with the filters applied: (FROM ... WHERE ..., params) to select from. The
    accounts are bound as values, so only their row groups of the payments by account are read. A payment
    between two accounts of the scope is listed once, as paid out."""
    marks = placeholders(accounts)
    wheres, params = span_clauses("t.", flt.date_from, flt.date_to, flt.min_amount, flt.max_amount)
    if flt.channel:
        wheres.append("t.channel = ?")
        params.append(flt.channel)
    if flt.grade:
        wheres.append("coalesce(t.reliability, src.reliability) || CAST(coalesce(t.credibility, src.credibility) "
                      "AS VARCHAR) LIKE ?")
        params.append(flt.grade.upper() + "%")
    if flt.counterparty:
        pattern = "%" + flt.counterparty.lower() + "%"
        wheres.append(
            f"(lower(t.counterparty) LIKE ? OR t.counterparty IN (SELECT h.account_key FROM {source(case, 'holders')} "
            f"h WHERE h.entity_id IN (SELECT ref FROM {source(case, 'search_terms')} n WHERE n.kind = 'name' AND "
            "n.term LIKE ?)))")
        params += [pattern, pattern]
    body = (f"FROM {source(case, 'by_account')} t LEFT JOIN sources src ON src.source_id = t.source_id "
            f"WHERE t.account_key IN ({marks}) AND NOT (t.direction = 'in' AND t.counterparty IN ({marks}))"
            + "".join(f" AND {w}" for w in wheres))
    return body, [*accounts, *accounts, *params]


def _select(case: Case, accounts: list[str], flt: LedgerFilter) -> tuple[str, list[Any]]:
    body, params = ledger_sql(case, accounts, flt)
    order = "ASC" if flt.order == "asc" else "DESC"
    sort = SORTS.get(flt.sort, "t.ts")
    sql = ("SELECT t.txn_id, CAST(t.ts AS VARCHAR) AS ts, t.direction, "
           "CASE WHEN t.direction = 'out' THEN t.account_key ELSE t.counterparty END AS from_account, "
           "CASE WHEN t.direction = 'out' THEN t.counterparty ELSE t.account_key END AS to_account, t.amount, "
           "t.currency, t.amount_rc, t.channel, t.source_id, coalesce(t.reliability, src.reliability) AS reliability, "
           f"coalesce(t.credibility, src.credibility) AS credibility {body} ORDER BY {sort} {order}, t.txn_id {order}")
    return sql, params


def transactions(case: Case, kind: str, key: str, flt: LedgerFilter) -> dict[str, Any]:
    accounts = scope_accounts(case, kind, key)
    sql, params = _select(case, accounts, flt)
    e = case.engine
    rows = e.query(f"{sql} LIMIT ? OFFSET ?", [*params, flt.limit, flt.offset]).to_pylist()
    body, fparams = ledger_sql(case, accounts, flt)
    stats = e.rows(f"SELECT count(*), round(sum(CASE WHEN t.direction = 'in' THEN coalesce(t.amount_rc, t.amount) "
                   f"END), 2), round(sum(CASE WHEN t.direction = 'out' THEN coalesce(t.amount_rc, t.amount) END), 2), "
                   f"list(DISTINCT t.channel) {body}", fparams)[0]
    # the channels offered are those of the rows shown (and the one asked for): no scan of every payment
    channels = sorted({str(c) for c in (stats[3] or []) if c is not None} | ({flt.channel} if flt.channel else set()))
    return {"transactions": label_rows(case, rows, "from_account", "to_account"), "total": int(stats[0]),
            "total_in": stats[1] or 0.0, "total_out": stats[2] or 0.0, "offset": flt.offset, "limit": flt.limit,
            "channels": channels, "reporting_currency": case.reporting_currency}


def csv_safe(value: Any) -> str:
    """A cell a spreadsheet shows as text: a leading = + - @ (or tab/CR) would start a formula."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def transactions_csv(case: Case, kind: str, key: str, flt: LedgerFilter) -> tuple[str, int]:
    """The filtered rows (sorted, not paged) as CSV text; returns (csv, rows)."""
    sql, params = _select(case, scope_accounts(case, kind, key), flt)
    rows = label_rows(case, case.engine.query(sql, params).to_pylist(), "from_account", "to_account")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow([csv_safe(r.get(c)) for c in CSV_COLUMNS])
    return buf.getvalue(), len(rows)


def account_facts(case: Case, key: str) -> dict[str, Any] | None:
    """An account's bank facts and its holder by name; None when the case knows no such account."""
    e = case.engine
    facts = e.query(
        "SELECT a.account_key, a.bank_id, a.account_id, a.iban, a.country, a.currency, a.source_id, h.entity_id "
        f"AS holder FROM accounts a LEFT JOIN {source(case, 'holders')} h ON h.account_key = a.account_key "
        "WHERE a.account_key = ?", [key]).to_pylist()
    if not facts and not e.scalar(f"SELECT count(*) FROM (SELECT 1 FROM {source(case, 'by_account')} t "
                                  "WHERE t.account_key = ? LIMIT 1) x", [key]):
        return None
    info: dict[str, Any] = facts[0] if facts else {"account_key": key, "holder": None}
    info["holder_name"] = account_labels(case, [key])[key]["name"]
    return info


def account(case: Case, key: str) -> dict[str, Any] | None:
    """An account's bank facts, its holder by name, and its totals in and out."""
    info = account_facts(case, key)
    if info is None:
        return None
    return {"account": info, "ledger": transactions(case, "account", key, LedgerFilter(limit=25))}
