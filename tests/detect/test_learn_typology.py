"""The typology model beside the binary learner: trained on typed labels, saved and applied with it, and
absent (findings say so) when the labels name no typology."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from moneytrail.detect.flagged_history import history_names
from moneytrail.detect.flagged_shape import SHAPE_FEATURES
from moneytrail.detect.learn_findings import score_findings, typology_inputs
from moneytrail.detect.learn_transactions import LearnedCase, TransactionModel, learn_transactions, score_case
from moneytrail.detect.learn_typology import NAME_SHARES, UNTYPED, fit_typology, shape_words
from moneytrail.detect.truth import load_truth_tables
from moneytrail.model.finding import Finding
from moneytrail.store import Case
from tests.detect.test_learn_transactions import insert_table, labelled_case

T0 = datetime(2022, 1, 1)


def typed_table(seed: int, days: int = 90, mules: int = 25) -> tuple[pa.Table, pa.Table]:
    """Ordinary payments to hubs; each day one mule (of ``mules``, in turn) fans money out to five fresh accounts
    (fan-out) and five fresh accounts pay one collector (fan-in). Returns the transactions and the typed truth."""
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for i in range(6000):
        rows.append((f"n{i}", T0 + timedelta(minutes=int(rng.integers(0, days * 1440))), f"b:P{rng.integers(0, 300)}",
                     f"b:H{rng.integers(0, 15)}", float(np.round(rng.uniform(10, 300), 2))))
    for d in range(days):
        start = T0 + timedelta(days=d, hours=int(rng.integers(0, 12)))
        for k in range(5):
            rows.append((f"o{d}k{k}", start + timedelta(minutes=20 * k), f"b:M{d % mules}", f"b:Q{d}x{k}",
                         float(np.round(rng.uniform(900, 999), 2))))
            truth.append((f"out{d}", "fan-out", f"o{d}k{k}"))
            rows.append((f"i{d}k{k}", start + timedelta(minutes=30 * k), f"b:S{d}x{k}", f"b:C{d % mules}",
                         float(np.round(rng.uniform(900, 999), 2))))
            truth.append((f"in{d}", "fan-in", f"i{d}k{k}"))
    table = pa.table({"txn_id": [r[0] for r in rows], "ts": [r[1] for r in rows],
                      "from_account": [r[2] for r in rows], "to_account": [r[3] for r in rows],
                      "amount": [r[4] for r in rows], "currency": ["USD"] * len(rows),
                      "source_id": ["synthetic"] * len(rows)})
    return table, pa.table({"attempt_id": [t[0] for t in truth], "typology": [t[1] for t in truth],
                            "txn_id": [t[2] for t in truth]})


def typed_case(seed: int, mules: int = 25) -> tuple[Case, pa.Table]:
    case = Case.in_memory()
    table, truth = typed_table(seed, mules=mules)
    insert_table(case, table)
    return case, truth


def learned_typed(case: Case, truth: pa.Table) -> LearnedCase:
    with case.engine.run():
        load_truth_tables(case, txn=truth)
        return learn_transactions(case, rules=False, rounds=60)


def test_the_typology_model_tells_a_fan_in_from_a_fan_out() -> None:
    case, truth = typed_case(1)
    result = learned_typed(case, truth)
    typ = result.model.typology
    assert typ is not None and typ.classes == ["fan-in", "fan-out"]
    info = result.metrics["typology"]
    assert info["status"] == "trained" and info["training_rows"]["fan-in"] > 100
    assert info["validation_accuracy"] > 0.9
    ids = np.asarray(result.features.column("txn_id").to_pylist())
    expected = np.where(np.char.startswith(ids, "i"), "fan-in", np.where(np.char.startswith(ids, "o"), "fan-out", ""))
    rows = np.flatnonzero((result.part == 2) & (expected != ""))  # the test part's laundering, as if flagged
    with case.engine.run():
        predicted, prob = typ.predict(typ.inputs(case, result.features, result.x, rows))
    assert np.mean(np.asarray(predicted) == expected[rows]) > 0.9
    assert ((prob >= 0.5) & (prob <= 1.0)).all()  # the top of two classes


def test_findings_carry_the_predicted_typology_in_their_field_details_and_words() -> None:
    case, truth = typed_case(2)
    result = learned_typed(case, truth)
    scores = np.zeros(len(result.part))
    scores[result.part == 2] = result.test_scores
    findings = score_findings(case, result.model, result.features, result.x, scores, mask=result.part == 2,
                              limit=40)
    assert len(findings) == 40
    for f in findings:
        subject = next(r.ref_id for r in f.refs if r.kind == "transaction")
        assert f.typology == {"i": "fan-in", "o": "fan-out"}[subject[0]]
        p = f.details["typology_probability"]
        assert 0.5 <= p <= 1.0 and f.explanation.startswith(f"Shaped like a {f.typology} (p {p:.2f}")
        assert f.title.endswith(f"({f.typology}-shaped)")


def test_saved_models_carry_the_typology_model_and_score_the_same(tmp_path: Path) -> None:
    case, truth = typed_case(3)
    result = learned_typed(case, truth)
    result.model.save(tmp_path / "model.txt")
    assert (tmp_path / "model.txt.typology").is_file()
    loaded = TransactionModel.load(tmp_path / "model.txt")
    assert loaded.typology is not None and result.model.typology is not None
    assert loaded.typology.classes == result.model.typology.classes
    assert loaded.typology.shape_window_s == result.model.typology.shape_window_s is not None
    with case.engine.run():
        rows = np.flatnonzero(result.labels == 1)
        xt = result.model.typology.inputs(case, result.features, result.x, rows)
    rules = len(result.model.typology.rule_typologies)
    history = len(history_names(result.model.typology.classes))  # 4 roles x 2 typologies
    assert history == 8 and xt.shape == (len(rows), result.x.shape[1] + len(SHAPE_FEATURES) + rules + history)
    assert np.allclose(loaded.typology.probabilities(xt), result.model.typology.probabilities(xt))
    other, _ = typed_case(4)  # a case the model never saw
    table, scores, x = score_case(other, loaded)
    # Its later half: in the first days an attempt's first payments have no shape yet (features read the past).
    later = np.arange(len(scores)) >= len(scores) // 2
    findings = score_findings(other, loaded, table, x, scores, mask=later, limit=40)
    assert len(findings) == 40 and all(f.typology in ("fan-in", "fan-out") for f in findings)
    right = [f.typology == {"i": "fan-in", "o": "fan-out"}.get(next(r.ref_id for r in f.refs
                                                                  if r.kind == "transaction")[0]) for f in findings]
    assert np.mean(right) >= 0.85


def test_a_saved_model_whose_typology_file_is_missing_is_refused(tmp_path: Path) -> None:
    import pytest

    from moneytrail.detect.learn_transactions import LearnError

    case, truth = typed_case(5)
    learned_typed(case, truth).model.save(tmp_path / "m.txt")
    (tmp_path / "m.txt.typology").unlink()
    with pytest.raises(LearnError, match=r"m\.txt\.typology"):
        TransactionModel.load(tmp_path / "m.txt")


def test_without_typed_labels_findings_say_the_typology_is_unknown(tmp_path: Path) -> None:
    case = labelled_case(6)  # labels on transactions, no attempts: no typology
    with case.engine.run():
        load_truth_tables(case)
        result = learn_transactions(case, rules=False, rounds=40)
    assert result.model.typology is None
    assert result.metrics["typology"]["status"] == "no typology labels in the training part"
    scores = np.zeros(len(result.part))
    scores[result.part == 2] = result.test_scores
    findings = score_findings(case, result.model, result.features, result.x, scores, mask=result.part == 2, limit=5)
    assert findings and all(f.typology == UNTYPED and "typology_probability" not in f.details for f in findings)
    assert findings[0].explanation.startswith("Typology unknown")
    result.model.save(tmp_path / "m.txt")
    assert TransactionModel.load(tmp_path / "m.txt").typology is None


def test_a_single_typology_gives_no_model_and_says_why() -> None:
    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    y = np.ones(20, dtype=np.int8)
    part = np.array([0] * 12 + [1] * 4 + [2] * 4, dtype=np.int8)
    model, info = fit_typology(x, y, np.array(["cycle"] * 20, dtype=object), part, ["a", "b"])
    assert model is None and "too few typologies" in info["status"] and info["training_rows"] == {"cycle": 12}


def test_shape_in_words() -> None:
    assert shape_words("fan-in", 0.871, [("cycle", 0.08)]) == "Shaped like a fan-in (p 0.87; next: cycle 0.08)"
    assert (shape_words("fan-out", 0.46, [("cycle", 0.08)], [("scatter-gather", 0.31)])
            == "Shaped like a fan-out (p 0.46) or a scatter-gather (p 0.31; next: cycle 0.08)")


def test_the_test_parts_typologies_read_no_label_of_the_test_part() -> None:
    """Leakage: learning with the test part's labels removed gives the same typology inputs (shape and history)
    and the same findings with the same typologies and probabilities (the shape inputs read the model's flags
    there, the history inputs labels only before it), though the history inputs are handed every label left in
    the truth, the test part's too when it is kept."""
    def test_findings(drop_test_labels: bool) -> tuple[np.ndarray, list[tuple[str, str, float]]]:
        case, truth = typed_case(8, mules=3)  # mules and collectors back every 3 days: a history to read
        if drop_test_labels:
            with case.engine.run():
                load_truth_tables(case, txn=truth)
                ids = learn_transactions(case, rules=False, rounds=5).features.column("txn_id")
            test_ids = set(ids.to_pylist()[round(len(ids) * 0.8):])
            before = truth.num_rows
            truth = truth.filter(pa.array([t not in test_ids for t in truth.column("txn_id").to_pylist()]))
            assert truth.num_rows < before - 50  # the test part's labelled payments are gone
        result = learned_typed(case, truth)
        scores = np.zeros(len(result.part))
        scores[result.part == 2] = result.test_scores
        test, labels = result.part == 2, truth.select(["txn_id", "typology"])
        with case.engine.run():
            findings = score_findings(case, result.model, result.features, result.x, scores, mask=test,
                                      limit=1000, labels=labels)
            flagged = np.flatnonzero(test & (scores >= result.model.threshold))
            xt = typology_inputs(case, result.model, result.features, result.x, flagged, test, labels)
        typ = result.model.typology
        assert typ is not None and typ.history_window_s is not None
        # The history inputs of the test part's flagged payments are read, not all zero.
        assert (xt[:, -len(history_names(typ.classes)):].sum(axis=1) > 0).mean() > 0.3
        return xt, sorted((next(r.ref_id for r in f.refs if r.kind == "transaction"), f.typology,
                           f.details["typology_probability"]) for f in findings)

    (x_with, with_labels), (x_without, without) = test_findings(False), test_findings(True)
    assert len(with_labels) > 50 and {t for _, t, _ in with_labels} == {"fan-in", "fan-out"}
    assert np.array_equal(x_with, x_without, equal_nan=True)
    assert with_labels == without


def test_a_finding_names_every_typology_reaching_its_name_share_of_the_top_one() -> None:
    case, truth = typed_case(9)
    result = learned_typed(case, truth)
    typ = result.model.typology
    assert typ is not None and set(typ.name_shares) == set(typ.classes)  # chosen on validation per typology
    assert set(typ.name_shares.values()) <= set(NAME_SHARES)
    scores = np.zeros(len(result.part))
    scores[result.part == 2] = result.test_scores

    def findings_at(share: float) -> list[Finding]:
        typ.name_shares = {c: share for c in typ.classes}
        with case.engine.run():
            return score_findings(case, result.model, result.features, result.x, scores, mask=result.part == 2,
                                  limit=30)

    one, every = findings_at(1.0), findings_at(0.0)
    assert len(one) == 30 and all(len(f.details["typology_named"]) == 1 for f in one)
    # Share 0: both typologies named, two findings per payment, each under its own typology, same words.
    assert len(every) == 60
    by_payment: dict[str, list[Finding]] = {}
    for f in every:
        by_payment.setdefault(next(r.ref_id for r in f.refs if r.kind == "transaction"), []).append(f)
    for pair in by_payment.values():
        assert sorted(f.typology for f in pair) == ["fan-in", "fan-out"]
        assert pair[0].explanation == pair[1].explanation and " or a" in pair[0].explanation
        named = pair[0].details["typology_named"]
        assert named[0][1] >= named[1][1] and pair[0].explanation.startswith(f"Shaped like a {named[0][0]} (p ")
        assert {f.typology: f.details["typology_probability"] for f in pair} == {t: p for t, p in named}
    assert len({f.finding_id for f in every}) == 60
