"""The vectorised end statistics (``features_windows``) against their SQL definition, and their sums' accuracy."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
import pytest

from moneytrail.detect import features
from moneytrail.detect import features_sql as fsql
from moneytrail.detect.features import FeatureSpec, transaction_feature_matrix, transaction_features
from moneytrail.detect.features_windows import _compensated_prefix, end_features
from moneytrail.store import Case
from tests.detect.test_features import insert

T0 = datetime(2023, 3, 1)


def dense_rows(seed: int, n: int) -> list[tuple[str, datetime, str, str, float]]:
    """Few accounts, hour-grained times (many ties), self-payments and repeated amounts."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        a, b = rng.integers(0, 25, 2)
        amount = float(rng.choice([0.1, 50.0, 99.99])) if i % 4 == 0 else float(np.round(rng.uniform(1, 5000), 2))
        rows.append((f"d{i}", T0 + timedelta(hours=int(rng.integers(0, 24 * 40))), f"b:K{a}", f"b:K{b}", amount))
    return rows


def test_every_end_statistic_equals_its_sql_definition_on_a_dense_graph_with_ties() -> None:
    rows = dense_rows(3, 1500)
    assert any(r[2] == r[3] for r in rows) and len({r[1] for r in rows}) < len(rows)  # self-payments and ties
    case = Case.in_memory()
    insert(case, rows)
    spec = FeatureSpec(windows={"1h": 3_600, "1d": 86_400, "7d": 7 * 86_400})
    table = transaction_features(case, spec)  # the SQL: history_sql and account_stats_sql
    ids, x = transaction_feature_matrix(case, spec)  # the vectorised pass
    assert ids.column("txn_id").to_pylist() == table.column("txn_id").to_pylist()
    checked = 0
    for j, name in enumerate(spec.names):
        want = table.column(name).to_numpy(zero_copy_only=False).astype(np.float64).astype(np.float32)
        assert np.array_equal(np.isnan(want), np.isnan(x[:, j])), name
        assert np.allclose(x[:, j], want, rtol=1e-6, atol=0, equal_nan=True), name
        checked += int(np.count_nonzero(want[~np.isnan(want)]))
    assert checked > len(rows) * 50  # most values are not trivially zero


def test_blocks_of_any_size_give_the_same_values() -> None:
    rows = dense_rows(4, 400)
    case = Case.in_memory()
    insert(case, rows)
    edges = case.engine.query(f"SELECT s, r, t, amt FROM ({fsql.edges_sql()}) e ORDER BY eid")
    cols = [edges.column(c).to_numpy() for c in ("s", "r", "t", "amt")]

    def placed(chunk: int) -> dict[tuple[str, str], np.ndarray]:
        out: dict[tuple[str, str], np.ndarray] = {}
        for block in end_features(*cols, dict(fsql.WINDOWS), chunk=chunk):
            for j, name in enumerate(block.names):
                column = out.setdefault((block.side, name), np.full(len(rows), -1.0, dtype=np.float32))
                column[block.rows] = block.values[:, j]
        return out

    whole, small = placed(1 << 18), placed(7)
    assert whole.keys() == small.keys() and len(whole) == 2 * (1 + len(fsql.side_columns(fsql.WINDOWS))) + 3
    for key, values in whole.items():
        assert not np.any(values == -1.0), key  # every row placed
        assert np.array_equal(values, small[key], equal_nan=True), key


def window_sum(levels: list[np.ndarray], lo: int, hi: int) -> float:
    diffs = [float(level[hi] - level[lo]) for level in levels]
    return diffs[0] + (diffs[1] + diffs[2])


def test_a_window_sum_is_as_exact_as_its_own_rows_after_large_totals() -> None:
    """A small account's window sums after large accounts' rows: a plain difference of running sums loses them,
    and so does one level of error compensation for the squares; the three levels keep them, and equal amounts
    then read no spread."""
    rng = np.random.default_rng(9)
    values = np.concatenate([rng.uniform(1e11, 1e12, 5000), np.full(7, 0.1), rng.uniform(0.01, 1.0, 50)])
    levels = _compensated_prefix(values)
    squares = _compensated_prefix(values * values)
    for lo, hi in ((5000, 5007), (5003, 5057), (5010, 5011), (4999, 5001), (0, 5057)):
        for got_levels, rows in ((levels, values), (squares, values * values)):
            exact = math.fsum(rows[lo:hi])
            assert abs(window_sum(got_levels, lo, hi) - exact) <= 4 * math.ulp(exact), (lo, hi)
    assert abs((levels[0][5007] - levels[0][5000]) - 0.7) > 1e-6  # a plain difference: wrong by far more
    one_level = (squares[0][5007] - squares[0][5000]) + (squares[1][5007] - squares[1][5000])
    assert abs(one_level - 0.07) > 1e-13 * 0.07  # one level of errors: above the spread's noise cut
    s, q = window_sum(levels, 5000, 5007), window_sum(squares, 5000, 5007)
    assert abs(q / 7 - (s / 7) ** 2) <= fsql.STD_NOISE * q / 7


def test_the_matrix_is_the_same_with_the_structure_query_overlapped_or_after(monkeypatch: pytest.MonkeyPatch) -> None:
    case = Case.in_memory()
    insert(case, dense_rows(5, 300))
    spec = FeatureSpec()
    ids, overlapped = transaction_feature_matrix(case, spec)  # a small case: the structure in a worker thread
    monkeypatch.setattr(features, "OVERLAP_ROWS", 0)
    ids_after, after = transaction_feature_matrix(case, spec)
    assert ids.equals(ids_after)
    assert np.array_equal(overlapped, after, equal_nan=True)
