"""The typology model's history inputs (labelled payments at a payment's ends before its cutoff) and how many
typologies a learner finding names (``name_shares``, one per typology, chosen on validation), on hand-made cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from moneytrail.detect.flagged_history import ROLES, history_matrix, history_names, training_cutoffs
from moneytrail.detect.learn_typology import (
    NAME_PRECISION_FLOOR,
    NAME_RECALL_GOAL,
    TypologyModel,
    choose_name_shares,
    name_shares_of,
    naming_scores,
    share_for,
)
from moneytrail.store import Case
from tests.detect.test_learn_transactions import insert_table

T0 = datetime(2022, 1, 1)
DAY = 86_400.0


def history_case() -> Case:
    """A pays B on day 0 and C on day 1 (labelled fan-out), D pays A on day 2 (labelled cycle), E pays B on day
    20 (labelled fan-in, long before nothing), and two scored payments: A -> F and B -> A, both on day 3."""
    rows = [("l1", 0, "A", "B"), ("l2", 1, "A", "C"), ("l3", 2, "D", "A"), ("l4", -20, "E", "B"),
            ("q1", 3, "A", "F"), ("q2", 3, "B", "A")]
    case = Case.in_memory()
    insert_table(case, pa.table({"txn_id": [r[0] for r in rows],
                                 "ts": [T0 + timedelta(days=r[1]) for r in rows],
                                 "from_account": [r[2] for r in rows], "to_account": [r[3] for r in rows],
                                 "amount": [100.0] * len(rows), "currency": ["USD"] * len(rows),
                                 "source_id": ["s"] * len(rows)}))
    return case


LABELS = pa.table({"txn_id": ["l1", "l2", "l3", "l4"], "typology": ["fan-out", "fan-out", "cycle", "fan-in"]})
CLASSES = ["cycle", "fan-in", "fan-out"]


def column(name: str) -> int:
    return history_names(CLASSES).index(name)


def test_history_counts_labelled_payments_at_both_ends_by_role_and_typology() -> None:
    case = history_case()
    t0 = T0.timestamp()
    cutoff = np.array([t0 + 3 * DAY, t0 + 3 * DAY])  # every label before the scored payments is known
    out = history_matrix(case, pa.array(["q1", "q2"]), cutoff, LABELS, CLASSES, 7 * DAY)
    assert out.shape == (2, len(ROLES) * len(CLASSES))
    # q1 (A -> F): A sent l1, l2 (fan-out) and received l3 (cycle); F did nothing. l4 is 23 days back: too old.
    expected_q1 = {"hist_sender_out_fan-out": 2, "hist_sender_in_cycle": 1}
    # q2 (B -> A): B received l1 (fan-out); A is the receiver here: it sent l1, l2 and received l3.
    expected_q2 = {"hist_sender_in_fan-out": 1, "hist_receiver_out_fan-out": 2, "hist_receiver_in_cycle": 1}
    for row, expected in ((0, expected_q1), (1, expected_q2)):
        want = np.zeros(len(ROLES) * len(CLASSES), dtype=np.float32)
        for name, n in expected.items():
            want[column(name)] = n
        assert out[row].tolist() == want.tolist()


def test_history_reads_no_label_at_or_after_the_cutoff() -> None:
    case = history_case()
    t0 = T0.timestamp()
    # Labels known only before day 1.5: l1 only (l2 on day 1 counts, l3 on day 2 does not).
    out = history_matrix(case, pa.array(["q1"]), np.array([t0 + 1.5 * DAY]), LABELS, CLASSES, 7 * DAY)
    assert out[0, column("hist_sender_out_fan-out")] == 2 and out[0].sum() == 2
    out = history_matrix(case, pa.array(["q1"]), np.array([t0 + 0.5 * DAY]), LABELS, CLASSES, 7 * DAY)
    assert out[0, column("hist_sender_out_fan-out")] == 1 and out[0].sum() == 1
    # A window of one day before the payment (day 3) leaves only l3 (day 2).
    out = history_matrix(case, pa.array(["q1"]), np.array([t0 + 3 * DAY]), LABELS, CLASSES, 1 * DAY)
    assert out[0, column("hist_sender_in_cycle")] == 1 and out[0].sum() == 1


def test_training_cutoffs_fall_within_one_window_before_each_payment() -> None:
    t = np.array([10.0, 50.0, 90.0, 1000.0])
    cut = training_cutoffs(t, 30.0)
    assert ((cut <= t) & (cut >= t - 30.0)).all() and (training_cutoffs(t, 30.0) == cut).all()


def test_naming_scores_count_attempts_half_named_and_typed_precision() -> None:
    classes = ["fan-in", "fan-out"]
    # Attempt a (fan-in): rows 0, 1; attempt b (fan-out): rows 2, 3, 4.
    typology = np.array(["fan-in", "fan-in", "fan-out", "fan-out", "fan-out"], dtype=object)
    attempt = np.array(["a", "a", "b", "b", "b"], dtype=object)
    named = np.array([[True, False], [False, True], [False, True], [True, False], [True, False]])
    scores = naming_scores(named, classes, typology, attempt)
    # fan-in: a has 1 of 2 rows named fan-in (half: found); 3 rows name fan-in, 1 is a fan-in.
    assert scores["fan-in"] == (1.0, 1 / 3)
    # fan-out: b has 1 of 3 named fan-out (missed); 2 rows name fan-out, 1 is a fan-out.
    assert scores["fan-out"] == (0.0, 0.5)


def test_each_typology_keeps_the_largest_share_reaching_the_goal_recall_on_validation() -> None:
    classes = ["fan-in", "fan-out"]
    typology = np.array(["fan-in", "fan-out", "fan-out", "fan-in"], dtype=object)
    attempt = np.array(["a", "b", "c", "d"], dtype=object)
    # Rows 0 and 3 are plain fan-ins; row 1 a fan-out; row 2 a fan-out the model puts second (0.3 of 0.7).
    prob = np.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.95, 0.05]])
    shares, table = choose_name_shares(prob, classes, typology, attempt)
    by_share = {r["share"]: r for r in table}
    # fan-out: row 2 named from 0.3/0.7 = 0.43 down, so recall 1/2 above and 1 from 0.4 (precision 2/2 there);
    # row 0 joins from 0.1/0.9 = 0.11 down (0.1: precision 2/3), row 3 from 0.05/0.95 = 0.053 down (0.05: 2/4).
    assert by_share[0.5]["scores"]["fan-out"] == [0.5, 1.0] and by_share[0.4]["scores"]["fan-out"] == [1.0, 1.0]
    assert by_share[0.1]["scores"]["fan-out"] == [1.0, round(2 / 3, 4)]
    assert by_share[0.05]["scores"]["fan-out"] == [1.0, 0.5]
    # fan-in: both of its attempts top-named at 1 (rows 0, 2, 3 name it: precision 2/3); row 1 joins at 0.25.
    assert by_share[1.0]["scores"]["fan-in"] == [1.0, round(2 / 3, 4)]
    assert by_share[0.25]["scores"]["fan-in"] == [1.0, 0.5]
    assert shares == {"fan-in": 1.0, "fan-out": 0.4}  # each the largest share reaching 95% recall
    # The mean F2 of one share for all is still reported: at 1, fan-in F2 = 5(2/3)/(8/3+1) = 10/11, fan-out 5/9.
    assert abs(by_share[1.0]["mean_f2"] - round((10 / 11 + 5 / 9) / 2, 4)) < 1e-4


def test_a_share_keeps_the_typed_precision_floor_before_the_recall_goal() -> None:
    def table(*rows: tuple[float, float, float | None]) -> list[dict[str, Any]]:
        return [{"share": s, "scores": {"x": [r, p]}} for s, r, p in rows]

    # The goal is reached at 0.5 and 0.2 (the latter below the floor): the largest share keeping it wins.
    assert share_for("x", table((1.0, 0.6, 0.9), (0.5, 0.96, 0.5), (0.2, 1.0, 0.4))) == 0.5
    # Recall 1 only at a precision of 0.2 (< 1/2): the best recall above the floor, 0.8 at 0.5.
    assert share_for("x", table((1.0, 0.5, 0.9), (0.5, 0.8, 0.5), (0.2, 1.0, 0.2))) == 0.5
    # Ties on recall keep the larger share; a share naming nothing (precision undefined) does not breach the floor.
    assert share_for("x", table((1.0, 0.0, None), (0.5, 0.8, 0.5), (0.2, 0.8, 0.6))) == 0.5
    # No share keeps the floor: the best F2. At 1: 5(.3)(.5)/(1.2+.5) = .44, at .5: 5(.2)(.9)/(.8+.9) = .53.
    assert share_for("x", table((1.0, 0.5, 0.3), (0.5, 0.9, 0.2))) == 0.5
    # At 1: 5(.4)(.9)/(1.6+.9) = .72, at .5: 5(.1)(1)/(.4+1) = .36.
    assert share_for("x", table((1.0, 0.9, 0.4), (0.5, 1.0, 0.1))) == 1.0
    assert (NAME_RECALL_GOAL, NAME_PRECISION_FLOOR) == (0.95, 0.5)


def test_each_typology_is_named_at_its_own_share_and_old_sidecars_give_one_to_all() -> None:
    model = TypologyModel(None, ["cycle", "fan-in", "fan-out"], name_shares={"fan-in": 0.5, "fan-out": 0.1})
    prob = np.array([[0.6, 0.25, 0.15], [0.1, 0.35, 0.6]])
    # Row 0: fan-in 0.25 < 0.5 x 0.6; fan-out 0.15 >= 0.1 x 0.6. Row 1: cycle (share 1 when absent) 0.1 < 0.6;
    # fan-in 0.35 >= 0.5 x 0.6.
    assert model.named(prob).tolist() == [[True, False, True], [False, True, True]]
    assert name_shares_of({"name_share": 0.2}, ["cycle", "fan-in"]) == {"cycle": 0.2, "fan-in": 0.2}
    assert name_shares_of({"name_shares": {"cycle": 0.3}}, ["cycle"]) == {"cycle": 0.3}
