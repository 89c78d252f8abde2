"""Transaction features on a hand-made graph with hand-computed values, and the no-leakage property."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from moneytrail.detect.features import FeatureSpec, describe, transaction_feature_matrix, transaction_features
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.model.stage import Stamp
from moneytrail.store import Case
from moneytrail.store.findings import write_findings

T0 = datetime(2023, 3, 1)


def at(day: int, hour: int) -> datetime:
    return T0 + timedelta(days=day, hours=hour)


# (txn_id, time, from, to, amount)
HAND = [
    ("t1", at(0, 10), "b:A", "b:B", 100.0),
    ("t2", at(0, 12), "b:A", "b:C", 200.0),
    ("t3", at(0, 12), "b:B", "b:C", 50.0),
    ("t4", at(1, 9), "b:C", "b:A", 70.0),   # closes A->B->C->A, legs in time order; C had been paid by A
    ("t5", at(3, 9), "b:A", "b:B", 30.0),   # A pays B again, 2 days 23 hours after t1
    ("t6", at(3, 10), "b:A", "b:D", 10.0),
    ("t7", at(4, 10), "b:E", "b:A", 1.0),
    ("t8", at(5, 10), "b:D", "b:E", 8.0),   # closes D->E->A->D, but E->A came after A->D: not in time order
]


def insert(case: Case, rows: list[tuple[str, datetime, str, str, float]]) -> None:
    table = pa.table({"txn_id": [r[0] for r in rows], "ts": [r[1] for r in rows],
                      "from_account": [r[2] for r in rows], "to_account": [r[3] for r in rows],
                      "amount": [r[4] for r in rows], "currency": ["USD"] * len(rows),
                      "source_id": ["hand"] * len(rows)})
    case.engine.register_arrow("_hand_rows", table)
    case.engine.execute(f"INSERT INTO transactions ({', '.join(table.column_names)}) SELECT * FROM _hand_rows")
    case.engine.unregister("_hand_rows")


def by_txn(table: pa.Table) -> dict[str, dict[str, Any]]:
    return {str(r["txn_id"]): r for r in table.to_pylist()}


def matrix_rows(case: Case, spec: FeatureSpec) -> dict[str, dict[str, Any]]:
    """The learner's matrix (``transaction_feature_matrix``: each end's statistics from ``features_windows``)
    as rows by id, NaN read as None, as ``transaction_features`` gives NULL."""
    ids, x = transaction_feature_matrix(case, spec)
    out = {}
    for i, txn in enumerate(ids.column("txn_id").to_pylist()):
        out[str(txn)] = {n: (None if v != v else float(v)) for n, v in zip(spec.names, x[i].tolist(), strict=True)}
    return out


def features_by_path(path: str, case: Case, spec: FeatureSpec) -> dict[str, dict[str, Any]]:
    return by_txn(transaction_features(case, spec)) if path == "sql" else matrix_rows(case, spec)


@pytest.fixture(params=["sql", "matrix"])
def hand(request: pytest.FixtureRequest) -> dict[str, dict[str, Any]]:
    """The hand graph's features by both paths: the SQL definition and the learner's matrix."""
    case = Case.in_memory()
    insert(case, HAND)
    # A 7-day window (not a default one) keeps the hand-computed values small enough to check by eye.
    return features_by_path(request.param, case, FeatureSpec(windows={"1d": 86_400, "7d": 7 * 86_400}))


def test_sender_windows_count_payments_counterparties_and_sums(hand: dict[str, dict[str, Any]]) -> None:
    r = hand["t5"]
    assert (r["s_out_cnt_1d"], r["s_out_cnt_7d"], r["s_in_cnt_7d"]) == (1, 3, 1)
    assert (r["s_out_fan_1d"], r["s_out_fan_7d"], r["s_in_fan_7d"]) == (1, 2, 1)  # B, C; B counted once
    assert (r["s_out_new_1d"], r["s_out_new_7d"]) == (0, 2)  # B and C were new on day 0, not today
    assert r["s_out_sum_7d"] == pytest.approx(330.0)
    assert (r["s_out_cnt_all"], r["s_in_cnt_all"], r["s_out_fan_all"], r["s_in_fan_all"]) == (3, 1, 2, 1)
    assert r["s_age_days"] == pytest.approx(2 + 23 / 24)
    assert r["s_out_mean_all"] == pytest.approx(110.0)
    assert r["amt_vs_sender_mean"] == pytest.approx(30 / 110)


def test_receiver_side_and_pair_history(hand: dict[str, dict[str, Any]]) -> None:
    r = hand["t5"]
    assert (r["r_in_cnt_all"], r["r_out_cnt_all"], r["r_in_fan_all"]) == (2, 1, 1)
    assert r["r_in_mean_all"] == pytest.approx(65.0)
    assert (r["pair_prev"], r["new_counterparty"], r["reciprocal"]) == (1, 0, 0)
    assert r["pair_gap_days"] == pytest.approx(2 + 23 / 24)
    assert hand["t1"]["pair_gap_days"] is None and hand["t1"]["new_counterparty"] == 1


def test_gather_scatter_and_scatter_gather(hand: dict[str, dict[str, Any]]) -> None:
    # A was paid by C and paid B and C within 7 days: 1 x 2 in-out pairs; B: paid by A, paid C.
    assert hand["t5"]["s_gs_paths_7d"] == 2 and hand["t5"]["r_gs_paths_7d"] == 1
    # A -> B -> C existed when A paid C directly (B -> C at the same minute counts: same timestamp).
    assert hand["t2"]["sg_paths"] == 1 and hand["t1"]["sg_paths"] == 0


def test_cycles_with_and_without_time_order(hand: dict[str, dict[str, Any]]) -> None:
    assert (hand["t4"]["cycle3_any"], hand["t4"]["cycle3_ordered"], hand["t4"]["reciprocal"]) == (1, 1, 1)
    assert (hand["t8"]["cycle3_any"], hand["t8"]["cycle3_ordered"], hand["t8"]["reciprocal"]) == (1, 0, 0)
    assert hand["t5"]["cycle3_any"] == 1  # A pays B again: B -> C -> A had closed the loop before
    assert hand["t6"]["cycle3_any"] == 0 and hand["t1"]["cycle3_any"] == 0


def test_two_hop_paths_count_only_an_intermediarys_first_payers_and_payees() -> None:
    # X is paid by P1, P2, P3 in that order and pays Q1, Q2, Q3 in that order; then each Pi pays each Qj.
    # With a cap of 2, X carries paths only from P1, P2 to Q1, Q2: a hub's paths are not enumerated.
    rows = [(f"in{i}", at(0, i), f"b:P{i}", "b:X", 10.0) for i in (1, 2, 3)]
    rows += [(f"out{j}", at(1, j), "b:X", f"b:Q{j}", 10.0) for j in (1, 2, 3)]
    rows += [(f"p{i}q{j}", at(2, 3 * i + j), f"b:P{i}", f"b:Q{j}", 5.0) for i in (1, 2, 3) for j in (1, 2, 3)]
    case = Case.in_memory()
    insert(case, rows)
    capped = by_txn(transaction_features(case, FeatureSpec(path_cap=2)))
    assert [capped[f"p{i}q{j}"]["sg_paths"] for i in (1, 2, 3) for j in (1, 2, 3)] == [1, 1, 0, 1, 1, 0, 0, 0, 0]
    wide = by_txn(transaction_features(case, FeatureSpec(path_cap=3)))
    assert all(wide[f"p{i}q{j}"]["sg_paths"] == 1 for i in (1, 2, 3) for j in (1, 2, 3))
    # a cycle P -> X -> Q -> P would need a Q to pay a P: none here
    assert all(wide[f"p{i}q{j}"]["cycle3_any"] == 0 for i in (1, 2, 3) for j in (1, 2, 3))


def test_time_since_money_moved_the_other_way_and_flow_ratio(hand: dict[str, dict[str, Any]]) -> None:
    # t5 (day 3, 09:00): A was last paid by C at t4 (day 1, 09:00); B last paid out at t3 (day 0, 12:00).
    assert hand["t5"]["s_cross_gap_days"] == pytest.approx(2.0)
    assert hand["t5"]["r_cross_gap_days"] == pytest.approx(2 + 21 / 24)
    assert hand["t3"]["s_cross_gap_days"] == pytest.approx(2 / 24)  # B paid on at 12:00 what came at 10:00
    assert hand["t1"]["s_cross_gap_days"] is None  # A had never been paid
    # In 7 days to t5, A paid out 100 + 200 + 30 and was paid 70; B paid out 50 and was paid 100 + 30.
    assert hand["t5"]["s_flow_ratio_7d"] == pytest.approx(330 / 70)
    assert hand["t5"]["r_flow_ratio_7d"] == pytest.approx(50 / 130)
    assert hand["t1"]["s_flow_ratio_7d"] is None  # nothing received: no ratio


def test_days_since_the_accounts_previous_and_third_previous_transaction_the_same_way(
        hand: dict[str, dict[str, Any]]) -> None:
    # A pays at t1 (day 0, 10:00), t2 (day 0, 12:00), t5 (day 3, 09:00), t6 (day 3, 10:00).
    assert hand["t1"]["s_same_gap_days"] is None  # A's first payment
    assert hand["t2"]["s_same_gap_days"] == pytest.approx(2 / 24)
    assert hand["t5"]["s_same_gap_days"] == pytest.approx(2 + 21 / 24)
    assert hand["t6"]["s_same_gap_days"] == pytest.approx(1 / 24)
    assert hand["t6"]["s_same_gap3_days"] == pytest.approx(3.0)  # back to t1
    assert hand["t5"]["s_same_gap3_days"] is None  # only two payments before it
    # Receivers count receipts: B was paid at t1 then t5; C at t2 and t3 in the same minute (t2 first by id).
    assert hand["t5"]["r_same_gap_days"] == pytest.approx(2 + 23 / 24)
    assert hand["t2"]["r_same_gap_days"] is None
    assert hand["t3"]["r_same_gap_days"] == 0
    # D paid E at t8 after being paid at t6: its payments are counted apart from its receipts.
    assert hand["t8"]["s_same_gap_days"] is None


def test_amount_features(hand: dict[str, dict[str, Any]]) -> None:
    assert hand["t1"]["whole_amount"] == 1
    assert hand["t1"]["log_amt"] == pytest.approx(np.log1p(100.0))


def test_rule_hits_count_only_findings_complete_by_the_rows_time() -> None:
    case = Case.in_memory()
    insert(case, HAND)
    refs = [FindingRef("transaction", t, "member") for t in ("t1", "t2", "t3", "t4")]
    write_findings(case, [Finding(kind="typology", typology="cycle", title="c", explanation="x", score=1.0,
                                  refs=refs)], Stamp("detect", 1, {}, scope="cycle"))
    rows = by_txn(transaction_features(case, FeatureSpec(rule_typologies=["cycle"])))
    assert rows["t4"]["hits_cycle"] == 1  # the finding's last row
    assert rows["t1"]["hits_cycle"] == 0  # at t1 the cycle was not yet complete


def random_rows(rng: np.random.Generator, n: int, day0: int, days: int, tag: str) -> list[tuple[str, datetime,
                                                                                                 str, str, float]]:
    out = []
    for i in range(n):
        a, b = rng.integers(0, 30, 2)
        out.append((f"{tag}{i}", at(day0 + int(rng.integers(0, days)), int(rng.integers(0, 24))), f"b:X{a}",
                    f"b:X{b}", float(np.round(rng.uniform(1, 1000), 2))))
    return out


def test_no_feature_reads_later_rows() -> None:
    """Features of every row are the same before and after later rows (and a later finding) are added."""
    rng = np.random.default_rng(11)
    case = Case.in_memory()
    early = random_rows(rng, 600, 0, 40, "e")
    insert(case, early)
    write_findings(case, [Finding(kind="typology", typology="fan-in", title="f", explanation="x", score=1.0,
                                  refs=[FindingRef("transaction", "e1", "m"), FindingRef("transaction", "e2", "m")])],
                   Stamp("detect", 1, {"run": "early"}, scope="fan-in"))
    spec = FeatureSpec(rule_typologies=["fan-in"])
    before = transaction_features(case, spec)
    _, x_before = transaction_feature_matrix(case, spec)  # the learner's path (``features_windows``) too
    insert(case, random_rows(rng, 400, 41, 30, "l"))  # strictly later: days 41..70, same accounts
    write_findings(case, [Finding(kind="typology", typology="fan-in", title="g", explanation="x", score=1.0,
                                  refs=[FindingRef("transaction", "e3", "m"), FindingRef("transaction", "l1", "m")])],
                   Stamp("detect", 1, {"run": "later"}, scope="fan-in"))
    after = transaction_features(case, spec)
    assert after.num_rows == 1000
    head = after.slice(0, before.num_rows)
    assert head.column("txn_id").to_pylist() == before.column("txn_id").to_pylist()
    for name in before.column_names[3:]:  # float sums may differ in the last bit with summation order
        old = before.column(name).to_numpy(zero_copy_only=False).astype(float)
        new = head.column(name).to_numpy(zero_copy_only=False).astype(float)
        assert np.allclose(old, new, rtol=1e-12, atol=1e-9, equal_nan=True), name
    assert sum(r["cycle3_any"] for r in after.to_pylist()) > 0  # the graph is dense enough to make cycles
    ids, x_after = transaction_feature_matrix(case, spec)
    assert ids.column("txn_id").to_pylist()[:len(x_before)] == head.column("txn_id").to_pylist()
    # float32: a sum that moved in its last double bit may round to the neighbouring float
    assert np.allclose(x_after[:len(x_before)], x_before, rtol=1e-6, atol=1e-9, equal_nan=True)


def test_describe_words_a_feature_with_its_usual_range() -> None:
    assert describe("s_out_new_1d", 7.0, (0.0, 1.0)) == "sender paid 7 new counterparties today (usual: 0–1)"
    assert describe("r_in_fan_7d", 3.0).startswith("receiver was paid by 3 distinct counterparties in the last 7")
    assert describe("pair_gap_days", float("nan")) == "no earlier payment between the two accounts"


def test_payment_format_is_a_fixed_code_whatever_the_case_and_worded(case: Case) -> None:
    rows = [("p1", at(0, 1), "b:A", "b:B", 10.0, "ACH"), ("p2", at(0, 2), "b:A", "b:C", 10.0, " wire "),
            ("p3", at(0, 3), "b:B", "b:C", 10.0, "Credit Card"), ("p4", at(0, 4), "b:C", "b:A", 10.0, "hawala"),
            ("p5", at(0, 5), "b:C", "b:B", 10.0, None)]
    table = pa.table({"txn_id": [r[0] for r in rows], "ts": [r[1] for r in rows], "from_account": [r[2] for r in rows],
                      "to_account": [r[3] for r in rows], "amount": [r[4] for r in rows],
                      "currency": ["USD"] * len(rows), "source_id": ["hand"] * len(rows),
                      "channel": pa.array([r[5] for r in rows], pa.string())})
    case.engine.register_arrow("_fmt_rows", table)
    case.engine.execute(f"INSERT INTO transactions ({', '.join(table.column_names)}) SELECT * FROM _fmt_rows")
    case.engine.unregister("_fmt_rows")
    f = by_txn(transaction_features(case))
    # CHANNELS: ach 1, wire 2, cheque 3, credit card 4; an unlisted or missing format is 0.
    assert [f[t]["payment_format"] for t in ("p1", "p2", "p3", "p4", "p5")] == [1, 2, 4, 0, 0]
    assert describe("payment_format", 1.0) == "paid by ach"
    assert describe("payment_format", 0.0, (0.0, 4.0)) == "paid by an unlisted format"


@pytest.mark.parametrize("path", ["sql", "matrix"])
def test_equal_amounts_have_no_spread_and_unequal_ones_keep_theirs(path: str) -> None:
    """Equal amounts read a standard deviation of exactly 0, whatever order the sums were added in (rounding
    noise of the sum of squares is cut), and a real spread, even of a cent, is kept."""
    case = Case.in_memory()
    # 0.1 has no exact binary form: its squares' sum minus the squared sum leaves noise unless it is cut.
    equal = [(f"e{i}", at(0, 1 + i), "b:P", f"b:Q{i}", 0.1) for i in range(7)]
    spread = [("c1", at(0, 10), "b:S", "b:T", 1000.00), ("c2", at(0, 11), "b:S", "b:U", 1000.01)]
    insert(case, equal + spread)
    rows = features_by_path(path, case, FeatureSpec(windows={"1d": 86_400}))
    assert all(rows[f"e{i}"]["s_out_std_1d"] == 0.0 for i in range(7))
    assert rows["e6"]["s_out_avg_1d"] == pytest.approx(0.1)
    assert rows["c2"]["s_out_std_1d"] == pytest.approx(0.005, rel=1e-3)


def test_matrix_places_both_ends_as_the_joined_table_has_them() -> None:
    """The matrix (ends placed by eid) holds what the joined feature table holds, column for column."""
    case = Case.in_memory()
    insert(case, HAND + random_rows(np.random.default_rng(5), 200, 6, 20, "m"))
    spec = FeatureSpec()
    table = transaction_features(case, spec)
    ids, x = transaction_feature_matrix(case, spec)
    assert ids.column("txn_id").to_pylist() == table.column("txn_id").to_pylist()
    for j, name in enumerate(spec.names):
        expected = table.column(name).to_numpy(zero_copy_only=False).astype(np.float32)
        assert np.allclose(x[:, j], expected, rtol=1e-6, equal_nan=True), name


def test_describe_words_large_structure_values_without_reading_them_as_log_amounts() -> None:
    # A pair silent for 2,000 days: expm1(2000) overflows, and only log_amt is a logarithm.
    assert describe("pair_gap_days", 2000.0) == "2,000 days since the pair's last payment"
    assert describe("log_amt", math.log1p(999.0)).startswith("the amount is 999")
