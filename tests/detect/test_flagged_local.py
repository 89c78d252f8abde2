"""The flagged payments right around each flagged payment, on a hand-made graph with hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from moneytrail.detect.flagged_local import LOCAL_FEATURES
from moneytrail.detect.flagged_shape import SHAPE_FEATURES, flagged_shape, shape_matrix
from tests.detect.graphs import Row, case_with

ROWS: list[Row] = [
    # A scatter-gather: SS scatters to R1 and R2, each passes its amount on (about) to ST.
    ("sg1", 0, "SS", "R1", 100), ("sg2", 1, "SS", "R2", 200), ("sg3", 2, "R1", "ST", 90), ("sg4", 3, "R2", "ST", 210),
    # A fan-out whose third payment comes two days later (outside "near").
    ("fo1", 0, "OS", "O1", 100), ("fo2", 1, "OS", "O2", 100), ("fo3", 50, "OS", "O3", 100),
    # A pair paying each other back.
    ("pb1", 0, "A", "B", 50), ("pb2", 30, "B", "A", 50),
]
UNFLAGGED: list[Row] = [("n1", 1, "R1", "SS", 100), ("n2", 2, "O1", "OS", 100)]  # count for nothing


def local_of(ids: list[str]) -> dict[str, dict[str, float]]:
    case = case_with(ROWS + UNFLAGGED)
    table = flagged_shape(case, pa.table({"txn_id": ids, "grp": ["g"] * len(ids), "target": [True] * len(ids)}))
    return {r["txn_id"]: {k: r[k] for k in LOCAL_FEATURES} for r in table.to_pylist()}


def test_scatter_gather_relays_share_a_source_and_a_sink_and_carry_amounts_on() -> None:
    got = local_of([r[0] for r in ROWS])
    sg1 = got["sg1"]  # SS -> R1: SS also pays R2 (near), R2 pays R1's sink ST; R1 pays 90 on
    assert (sg1["local_sender_out_near"], sg1["local_receiver_in_near"], sg1["local_sender_out_before"],
            sg1["local_sender_out_after"], sg1["local_sender_in_before"], sg1["local_receiver_out_before"],
            sg1["local_receiver_out_after"]) == (2, 1, 0, 1, 0, 0, 1)
    assert (sg1["local_scatter_mates"], sg1["local_gather_mates"], sg1["local_paid_back"]) == (1, 0, 0)
    assert math.isclose(sg1["local_forward_ratio"], abs(math.log(90 / 100)))
    assert sg1["local_back_ratio"] is None  # SS received nothing flagged
    sg3 = got["sg3"]  # R1 -> ST: ST's other sender R2 was paid by R1's source SS
    assert (sg3["local_gather_mates"], sg3["local_scatter_mates"], sg3["local_sender_in_before"],
            sg3["local_receiver_in_near"], sg3["local_receiver_in_before"], sg3["local_receiver_in_after"]) == \
        (1, 0, 1, 2, 0, 1)
    assert math.isclose(sg3["local_back_ratio"], abs(math.log(100 / 90)))
    assert sg3["local_forward_ratio"] is None


def test_local_fan_degree_counts_only_payments_within_a_day_and_paid_back_pairs() -> None:
    got = local_of([r[0] for r in ROWS])
    assert [got[t]["local_sender_out_near"] for t in ("fo1", "fo2", "fo3")] == [2, 2, 1]
    assert [(got[t]["local_sender_out_before"], got[t]["local_sender_out_after"]) for t in ("fo1", "fo2", "fo3")] \
        == [(0, 2), (1, 1), (2, 0)]
    assert got["fo1"]["local_scatter_mates"] == 0  # fans between accounts that pay nobody on
    pb1, pb2 = got["pb1"], got["pb2"]
    assert (pb1["local_paid_back"], pb1["local_receiver_out_after"], pb1["local_forward_ratio"]) == (1, 1, 0.0)
    assert (pb2["local_paid_back"], pb2["local_receiver_out_before"], pb2["local_receiver_out_after"],
            pb2["local_back_ratio"]) == (1, 1, 0, 0.0)


def test_only_the_flagged_set_counts_and_the_matrix_carries_the_local_columns() -> None:
    """With only part of the fan flagged, the rest is unseen; unflagged payments n1, n2 never count."""
    got = local_of(["fo1", "fo3"])
    assert got["fo1"]["local_sender_out_near"] == 1 and got["fo1"]["local_sender_out_after"] == 1
    case = case_with(ROWS + UNFLAGGED)
    m = shape_matrix(case, pa.array(["sg1", "sg2", "sg3", "sg4"]), np.array([1, 1, 1, 1]))
    assert m.shape == (4, len(SHAPE_FEATURES)) and set(LOCAL_FEATURES) <= set(SHAPE_FEATURES)
    back = SHAPE_FEATURES.index("local_back_ratio")
    assert np.isnan(m[0, back]) and math.isclose(float(m[2, back]), abs(math.log(100 / 90)), rel_tol=1e-6)
    assert list(m[:, SHAPE_FEATURES.index("local_scatter_mates")]) == [1, 1, 0, 0]
