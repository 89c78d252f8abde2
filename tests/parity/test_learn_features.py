"""The learner's transaction features on each engine: Spark's equal DuckDB's, column for column."""

from __future__ import annotations

import math

import numpy as np

from moneytrail.detect.features import FeatureSpec, transaction_feature_matrix, transaction_features
from moneytrail.store import Case
from tests.detect.graphs import insert_rows
from tests.parity.conftest import NewCase

# (txn_id, hours from T0, from, to, amount): a cycle, a fan-out, a scatter-gather, repeated pairs and ties.
ROWS = [("t1", 10, "b:A", "b:B", 100.0), ("t2", 12, "b:A", "b:C", 200.0), ("t3", 12, "b:B", "b:C", 50.0),
        ("t4", 33, "b:C", "b:A", 70.0), ("t5", 81, "b:A", "b:B", 30.0), ("t6", 82, "b:A", "b:D", 10.0),
        ("t7", 106, "b:E", "b:A", 1.0), ("t8", 130, "b:D", "b:E", 8.0), ("t9", 131, "b:A", "b:E", 12.5),
        ("t10", 131, "b:B", "b:E", 40.0), ("t11", 800, "b:A", "b:B", 5.0), ("t12", 801, "b:A", "b:F", 5.0)]


def features(case: Case) -> dict[str, dict[str, object]]:
    table = transaction_features(case, FeatureSpec(windows={"1d": 86_400, "7d": 7 * 86_400}))
    return {str(r["txn_id"]): r for r in table.to_pylist()}


def test_transaction_features_agree_across_engines(new_case: NewCase) -> None:
    case = new_case()
    insert_rows(case, ROWS)
    got = features(case)
    reference = Case.in_memory()
    insert_rows(reference, ROWS)
    want = features(reference)
    assert set(got) == set(want)
    for txn, row in want.items():
        for name, value in row.items():
            other = got[txn][name]
            if name == "eid" or isinstance(value, str) or value is None or other is None:
                assert other == value, (txn, name)
            else:
                assert math.isclose(float(other), float(value), rel_tol=1e-9, abs_tol=1e-9), (txn, name, other, value)


def test_feature_matrix_agrees_across_engines(new_case: NewCase) -> None:
    """The learner's matrix path (each end's values as one float list per row) reads the same on both engines."""
    case = new_case()
    insert_rows(case, ROWS)
    spec = FeatureSpec(windows={"1d": 86_400, "7d": 7 * 86_400})
    ids, got = transaction_feature_matrix(case, spec)
    reference = Case.in_memory()
    insert_rows(reference, ROWS)
    want_ids, want = transaction_feature_matrix(reference, spec)
    assert ids.column("txn_id").to_pylist() == want_ids.column("txn_id").to_pylist()
    assert np.allclose(got, want, rtol=1e-6, atol=1e-6, equal_nan=True)
