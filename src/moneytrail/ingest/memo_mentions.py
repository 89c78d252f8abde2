"""Mentions of known entities in the memo (purpose) text of one ingest's transactions.

After a bank statement is stored, each memo is searched for the names the case already knows
(``store.entities.entity_names_sql``: names and aliases of at least ``MIN_NAME`` characters, matched
case-insensitively as whole text inside the memo). A hit is a lead, not a link: it goes to
``memo_mentions`` (txn_id, entity id, the name found), which the explorer and analysts can read.

The search is a join of memos with names on ``contains``: memos x names comparisons. It runs when that
product is at most ``MAX_PAIRS``; above that the ingest's details say it was skipped (the memos stay
stored and searchable).
"""

from __future__ import annotations

from moneytrail.ingest.filelog import FileIngest
from moneytrail.store.entities import entity_names_sql

MIN_NAME = 5
MAX_PAIRS = 50_000_000


def find_memo_mentions(fi: FileIngest) -> None:
    e = fi.case.engine
    memos = int(e.scalar("SELECT count(*) FROM transactions WHERE ingest_no = ? AND memo IS NOT NULL",
                         [fi.ingest_no]))
    if not memos:
        return
    names_sql = (f"SELECT DISTINCT entity_id, name, lower(name) AS needle FROM ({entity_names_sql()}) n "
                 f"WHERE length(name) >= {MIN_NAME}")
    names = int(e.scalar(f"SELECT count(*) FROM ({names_sql}) x"))
    if not names:
        return
    if memos * names > MAX_PAIRS:
        fi.details["memo_mentions"] = f"skipped: {memos:,} memos x {names:,} names is above {MAX_PAIRS:,} pairs"
        return
    found = e.insert(
        "INSERT INTO memo_mentions (txn_id, ingest_no, entity_id, name) SELECT DISTINCT t.txn_id, t.ingest_no, "
        f"n.entity_id, n.name FROM transactions t JOIN ({names_sql}) n ON contains(lower(t.memo), n.needle) "
        "WHERE t.ingest_no = ? AND t.memo IS NOT NULL", [fi.ingest_no])
    fi.details["memo_mentions"] = found
