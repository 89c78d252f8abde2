"""Account ids on each engine: every account's rank in key order, the same as a global ``dense_rank``."""

from __future__ import annotations

import random

import pytest

from moneytrail.detect.account_ids import account_ids_sql
from tests.detect.graphs import insert_rows
from tests.parity.conftest import NewCase

# Keys of different lengths, shared prefixes, a non-ASCII one and one that is a prefix of another: key order
# is byte order (UTF-8), which both engines and Python's str order agree on.
KEYS = ["b:A", "b:AA", "b:B", "a:Z", "b:Ä", "b:a", "c:", "b:A0", "0", "b:9", "ß:1", "b:Ab"]


def _rows() -> list[tuple[str, float, str, str, float]]:
    rng = random.Random(20)
    keys = KEYS + [f"k:{rng.randrange(10**6):06d}" for _ in range(200)]
    return [(f"t{i}", float(i), rng.choice(keys), rng.choice(keys), 1.0) for i in range(300)]


@pytest.mark.parametrize("ranges", [1, 5, 256])
def test_account_ids_are_ranks_in_key_order(new_case: NewCase, ranges: int) -> None:
    case = new_case()
    rows = _rows()
    insert_rows(case, rows)
    accounts = "SELECT from_account AS acct FROM transactions UNION ALL SELECT to_account FROM transactions"
    got = {str(a): int(i) for a, i in case.engine.rows(f"SELECT acct, id FROM ({account_ids_sql(accounts, ranges)}) x")}
    want = {a: i for i, a in enumerate(sorted({r[2] for r in rows} | {r[3] for r in rows}), start=1)}
    assert got == want
