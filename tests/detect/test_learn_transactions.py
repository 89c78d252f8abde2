"""The transaction learner: temporal split, threshold on validation, saved models and explained findings."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from moneytrail.detect.learn_findings import score_findings
from moneytrail.detect.learn_transactions import (
    LearnedCase,
    LearnError,
    TransactionModel,
    best_threshold,
    data_hash,
    learn_transactions,
    parse_split,
    score_case,
    split_parts,
)
from moneytrail.detect.truth import load_truth
from moneytrail.store import Case

T0 = datetime(2022, 1, 1)


def labelled_table(seed: int, days: int = 90) -> pa.Table:
    """Ordinary accounts pay a few regular hubs; each day a mule fans money out to fresh accounts."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(6000):
        rows.append((f"n{i}", T0 + timedelta(minutes=int(rng.integers(0, days * 1440))), f"b:P{rng.integers(0, 300)}",
                     f"b:H{rng.integers(0, 15)}", float(np.round(rng.uniform(10, 300), 2)), 0))
    for m in range(days):
        start = T0 + timedelta(days=m, hours=int(rng.integers(0, 12)))
        for k in range(5):
            rows.append((f"m{m}k{k}", start + timedelta(minutes=20 * k), f"b:M{m % 25}", f"b:Q{m}x{k}",
                         float(np.round(rng.uniform(900, 999), 2)), 1))
    return pa.table({"txn_id": [r[0] for r in rows], "ts": [r[1] for r in rows],
                      "from_account": [r[2] for r in rows], "to_account": [r[3] for r in rows],
                      "amount": [r[4] for r in rows], "currency": ["USD"] * len(rows),
                      "source_id": ["synthetic"] * len(rows), "label": [r[5] for r in rows]})


def insert_table(case: Case, table: pa.Table) -> None:
    case.engine.register_arrow("_rows", table)
    case.engine.execute(f"INSERT INTO transactions ({', '.join(table.column_names)}) SELECT * FROM _rows")
    case.engine.unregister("_rows")


def labelled_case(seed: int) -> Case:
    case = Case.in_memory()
    insert_table(case, labelled_table(seed))
    return case


def learned(case: Case, **options: Any) -> LearnedCase:
    """learn_transactions on the case's own truth, loaded in a run that lasts as long as the learning."""
    with case.engine.run():
        load_truth(case, "case")
        return learn_transactions(case, **options)


def test_split_is_temporal_and_parsed() -> None:
    assert parse_split("temporal:60/20/20") == pytest.approx((0.6, 0.2, 0.2))
    assert list(split_parts(10, (0.6, 0.2, 0.2))) == [0] * 6 + [1] * 2 + [2] * 2
    with pytest.raises(LearnError):
        parse_split("random:50/50/0")


def test_threshold_maximises_validation_f1() -> None:
    y = np.array([1, 1, 0, 1, 0, 0])
    prob = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.1])
    t = best_threshold(y, prob)
    assert 0.2 < t < 0.6  # taking the top four (3 of 3 positives, one false) gives F1 6/7, the best cut


def test_learns_on_the_past_and_measures_on_the_future() -> None:
    result = learned(labelled_case(1), rules=False, rounds=60)
    test = result.metrics["test"]
    assert result.metrics["rows"]["test"] == pytest.approx(0.2 * len(result.labels), abs=1)
    assert test["labelled"] > 50 and test["f1"] > 0.9
    order = np.argsort(result.features.column("t").to_numpy())
    assert (np.diff(result.part[order]) >= 0).all()  # every train row precedes every test row


def test_save_and_score_round_trip_gives_the_same_scores(tmp_path: Path) -> None:
    case = labelled_case(2)
    result = learned(case, rules=False, rounds=60)
    x = result.x
    result.model.save(tmp_path / "model.txt")
    loaded = TransactionModel.load(tmp_path / "model.txt")
    assert loaded.threshold == result.model.threshold and loaded.training_hash == result.model.training_hash
    assert np.array_equal(loaded.predict(x), result.model.predict(x))
    _, scores, _ = score_case(case, loaded)
    assert np.allclose(scores[result.part == 2], result.test_scores, atol=1e-9)
    other = labelled_case(3)  # a case the model never saw
    table, other_scores, xo = score_case(other, loaded)
    labels = table.column("txn_id").to_numpy(zero_copy_only=False).astype(str)
    flagged = other_scores >= loaded.threshold
    assert np.mean([t.startswith("m") for t in labels[flagged]]) > 0.9
    findings = score_findings(other, loaded, table, xo, other_scores, limit=5)
    assert len(findings) == 5 and findings[0].score >= findings[-1].score
    top = findings[0]
    assert {r.kind for r in top.refs} >= {"transaction", "account", "source"}
    assert top.details["reasons"] and "usual:" in top.explanation


def test_a_model_file_without_its_sidecar_is_refused(tmp_path: Path) -> None:
    (tmp_path / "m.txt").write_text("tree\n")
    with pytest.raises(LearnError, match=r"m\.txt\.json"):
        TransactionModel.load(tmp_path / "m.txt")


def test_training_hash_names_the_training_rows_not_the_feature_bits() -> None:
    # Two runs on the same case give the same hash (window sums may differ in their last bits between runs or
    # engines, so the features are not hashed); another labelling of the same rows does not.
    case = labelled_case(4)
    first, second = learned(case, rules=False, rounds=20), learned(case, rules=False, rounds=20)
    assert first.model.training_hash == second.model.training_hash
    train = first.part == 0
    ids = first.features.column("txn_id").filter(pa.array(train))
    flipped = first.labels[train].copy()
    flipped[0] = 1 - flipped[0]
    assert data_hash(ids, first.labels[train]) == first.model.training_hash
    assert data_hash(ids, flipped) != first.model.training_hash


def test_the_model_is_refit_on_training_and_validation_with_trees_scaled_by_rows() -> None:
    case = labelled_case(5)
    refit, plain = learned(case, rules=False, rounds=60), learned(case, rules=False, rounds=60, refit=False)
    rows = refit.metrics["rows"]
    stopped = refit.metrics["trees_before_refit"]
    assert refit.metrics["refit"] and not plain.metrics["refit"]
    assert refit.metrics["trees"] == max(1, round(stopped * (rows["train"] + rows["validation"]) / rows["train"]))
    assert plain.metrics["trees"] == plain.metrics["trees_before_refit"] == stopped
    # Same trees and threshold chosen on validation; the refit model differs (it saw the validation part).
    assert refit.model.threshold == plain.model.threshold and refit.metrics["validation"] == plain.metrics["validation"]
    assert not np.array_equal(refit.test_scores, plain.test_scores)
