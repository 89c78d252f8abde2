from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from moneytrail.detect.learn import BASE_FEATURES, feature_table, held_out, learn
from moneytrail.detect.truth import load_truth_tables
from moneytrail.store import Case

T0 = datetime(2022, 9, 1)


@contextmanager
def _case(n_accounts: int = 400, seed: int = 3) -> Iterator[Case]:
    """Ordinary accounts pay each other a little; 'mule' accounts forward large sums on the same day."""
    rng = np.random.default_rng(seed)
    case = Case.in_memory()
    rows = []
    for i in range(n_accounts * 4):
        a, b = rng.integers(0, n_accounts, 2)
        rows.append((f"n{i}", T0 + timedelta(hours=int(rng.integers(0, 700))), f"b:P{a}", f"b:P{b}",
                     float(rng.uniform(10, 500))))
    for m in range(n_accounts // 10):
        for k in range(3):
            amount = float(rng.uniform(20_000, 50_000))
            ts = T0 + timedelta(days=int(rng.integers(0, 25)))
            rows.append((f"m{m}i{k}", ts, f"b:P{(m * 7 + k) % n_accounts}", f"b:M{m}", amount))
            rows.append((f"m{m}o{k}", ts + timedelta(hours=2), f"b:M{m}", f"b:P{(m * 3 + k) % n_accounts}",
                         amount * 0.97))
    table = pa.table({"txn_id": [r[0] for r in rows], "ts": [r[1] for r in rows],
                      "from_account": [r[2] for r in rows], "to_account": [r[3] for r in rows],
                      "amount": [r[4] for r in rows], "currency": ["USD"] * len(rows),
                      "source_id": ["s"] * len(rows)})
    case.engine.register_arrow("_rows", table)
    case.engine.execute(f"INSERT INTO transactions ({', '.join(table.column_names)}) SELECT * FROM _rows")
    mules = pa.table({"account_key": [f"b:M{m}" for m in range(n_accounts // 10)],
                      "typology": ["labelled"] * (n_accounts // 10)})
    with case.engine.run():  # the truth lives as long as this run
        load_truth_tables(case, acct=mules)
        yield case


def test_features_are_computed_per_account() -> None:
    with _case() as case:
        table, names = feature_table(case)
        assert list(names) == list(BASE_FEATURES)
        row = {k: v[0] for k, v in table.filter(pc.equal(table["account_key"], "b:M0")).to_pydict().items()}
        assert row["in_txns"] == 3 and row["out_txns"] == 3 and row["label"] == 1
        assert row["pass_ratio"] == pytest.approx(0.97)


def test_held_out_split_is_stable() -> None:
    keys = [f"k{i}" for i in range(1000)]
    first = held_out(keys)
    assert (first == held_out(keys)).all()
    assert 0.2 < first.mean() < 0.4


def test_learns_mules_and_explains_held_out_findings() -> None:
    with _case() as case:
        result = learn(case, rounds=60)
        assert result.test_positives > 0
        assert result.metrics["at_threshold"]["recall"] >= 0.8
        assert result.metrics["at_threshold"]["precision"] >= 0.8
        f = result.findings[0]
        assert f.typology == "learned" and "contributions" in f.explanation
        assert any(r.kind == "transaction" for r in f.refs) and any(r.kind == "account" for r in f.refs)
        assert all(held_out([r.ref_id])[0] for fnd in result.findings for r in fnd.refs if r.kind == "account")


def test_one_class_is_refused() -> None:
    with _case() as case:
        load_truth_tables(case)  # no labels: an empty truth replaces the mules
        with pytest.raises(ValueError, match="only one class"):
            learn(case)
