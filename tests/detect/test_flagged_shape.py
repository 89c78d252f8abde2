"""The shape of flagged payments, on hand-made graphs with hand-computed degrees, pieces and shapes."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from moneytrail.detect.flagged_shape import SHAPE_FEATURES, SHAPES, flagged_shape, shape_matrix
from moneytrail.store import Case
from tests.detect.graphs import Row, case_with

# One group of flagged payments holding one piece of each shape (accounts never shared between pieces).
PIECES: dict[str, list[Row]] = {
    "single": [("s1", 0, "A", "B", 100)],
    "fan-in": [("fi1", 0, "F1", "FC", 100), ("fi2", 1, "F2", "FC", 100), ("fi3", 2, "F3", "FC", 100)],
    "fan-out": [("fo1", 0, "OS", "O1", 100), ("fo2", 1, "OS", "O2", 100), ("fo3", 2, "OS", "O3", 100)],
    # Two senders, two receivers, each sender pays both: no account both sends and receives.
    "bipartite": [("bp1", 0, "P1", "Q1", 100), ("bp2", 1, "P1", "Q2", 100), ("bp3", 2, "P2", "Q1", 100),
                  ("bp4", 3, "P2", "Q2", 100)],
    "cycle": [("c1", 0, "C1", "C2", 100), ("c2", 1, "C2", "C3", 100), ("c3", 2, "C3", "C4", 100),
              ("c4", 3, "C4", "C1", 100)],
    "gather-scatter": [("gs1", 0, "G1", "GH", 100), ("gs2", 1, "G2", "GH", 100), ("gs3", 2, "GH", "G3", 100),
                       ("gs4", 3, "GH", "G4", 100)],
    "scatter-gather": [("sg1", 0, "SS", "R1", 100), ("sg2", 1, "SS", "R2", 100), ("sg3", 2, "R1", "ST", 100),
                       ("sg4", 3, "R2", "ST", 100)],
    "chain": [("ch1", 0, "K1", "K2", 100), ("ch2", 1, "K2", "K3", 100), ("ch3", 2, "K3", "K4", 100)],
    # A fan-in whose collector also pays a chain onwards: no rule fits.
    "other": [("x1", 0, "X1", "XC", 100), ("x2", 1, "X2", "XC", 100), ("x3", 2, "XC", "XD", 100),
              ("x4", 3, "XD", "XE", 100)],
}
UNFLAGGED: list[Row] = [("n1", 0, "FC", "OS", 100), ("n2", 0, "C1", "GH", 100)]  # would join pieces if flagged


def shapes_of(case: Case, ids: list[str], groups: list[str]) -> dict[str, dict[str, float]]:
    table = flagged_shape(case, pa.table({"txn_id": ids, "grp": groups, "target": [True] * len(ids)}))
    return {r["txn_id"]: r for r in table.to_pylist()}


def test_each_piece_gets_its_shape_and_unflagged_payments_join_nothing() -> None:
    rows = [r for piece in PIECES.values() for r in piece] + UNFLAGGED
    case = case_with(rows)
    ids = [r[0] for piece in PIECES.values() for r in piece]
    got = shapes_of(case, ids, ["test"] * len(ids))
    assert set(got) == set(ids)
    for shape, piece in PIECES.items():
        for r in piece:
            assert SHAPES[int(got[r[0]]["shape_code"])] == shape, (r[0], got[r[0]])
            assert got[r[0]]["shape_piece_payments"] == len(piece)
    # Hand-computed: the fan-in's collector has 3 flagged senders; each sender pays only it.
    fi = got["fi2"]
    assert (fi["shape_sender_out"], fi["shape_sender_in"], fi["shape_receiver_in"], fi["shape_receiver_out"]) == \
        (1, 0, 3, 0)
    assert (fi["shape_piece_accounts"], fi["shape_piece_sources"], fi["shape_piece_sinks"],
            fi["shape_piece_relays"], fi["shape_piece_hubs"], fi["shape_piece_max_in"]) == (4, 3, 1, 0, 0, 3)
    assert abs(fi["shape_piece_span_days"] - 2 / 24) < 1e-9
    gs = got["gs3"]  # the hub gathers from 2 and pays 2
    assert (gs["shape_sender_in"], gs["shape_sender_out"], gs["shape_piece_hubs"], gs["shape_piece_relays"]) == \
        (2, 2, 1, 0)
    cyc = got["c4"]
    assert (cyc["shape_piece_accounts"], cyc["shape_piece_relays"], cyc["shape_piece_sources"]) == (4, 4, 0)
    other = got["x3"]  # XC gathers 2, pays 1 (a hub); XD relays
    assert (other["shape_piece_hubs"], other["shape_piece_relays"], other["shape_piece_sinks"]) == (1, 1, 1)


def test_flagging_the_joining_payment_merges_pieces_and_changes_their_shape() -> None:
    case = case_with(PIECES["fan-in"] + PIECES["fan-out"] + UNFLAGGED)
    ids = [r[0] for r in PIECES["fan-in"] + PIECES["fan-out"]] + ["n1"]  # FC -> OS flagged: one piece
    got = shapes_of(case, ids, ["g"] * len(ids))
    assert {got[i]["shape_piece_payments"] for i in ids} == {7}
    assert {SHAPES[int(got[i]["shape_code"])] for i in ids} == {"other"}  # FC and OS each relay-and-fan
    assert got["n1"]["shape_pair_payments"] == 1


def test_groups_are_looked_at_apart() -> None:
    """The same fan-in split over two groups (e.g. validation and test) is two smaller pieces."""
    case = case_with(PIECES["fan-in"])
    got = shapes_of(case, ["fi1", "fi2", "fi3"], ["1", "2", "2"])
    assert SHAPES[int(got["fi1"]["shape_code"])] == "single"
    assert [got[i]["shape_receiver_in"] for i in ("fi2", "fi3")] == [2, 2]
    assert SHAPES[int(got["fi2"]["shape_code"])] == "fan-in"


def test_a_long_chain_settles_into_one_piece() -> None:
    rows: list[Row] = [(f"l{i}", i, f"L{i}", f"L{i + 1}", 100) for i in range(40)]
    case = case_with(rows)
    got = shapes_of(case, [r[0] for r in rows], ["g"] * len(rows))
    assert {got[r[0]]["shape_piece_payments"] for r in rows} == {40}
    assert {SHAPES[int(got[r[0]]["shape_code"])] for r in rows} == {"chain"}


def test_the_matrix_follows_the_given_order_and_is_empty_safe() -> None:
    case = case_with(PIECES["cycle"] + PIECES["single"])
    m = shape_matrix(case, pa.array(["c3", "s1", "c1", "c4", "c2"]), np.array(["g"] * 5))
    assert m.shape == (5, len(SHAPE_FEATURES))
    code = SHAPE_FEATURES.index("shape_code")
    assert [SHAPES[int(v)] for v in m[:, code]] == ["cycle", "single", "cycle", "cycle", "cycle"]
    assert shape_matrix(case, pa.array([], pa.string()), np.array([], dtype=object)).shape == (0, len(SHAPE_FEATURES))


def test_context_payments_shape_the_pieces_but_get_no_rows() -> None:
    """A gather-scatter cut by the start of the scored part: its scatter half alone is a fan-out; with the
    gather half flagged just before as context it is a gather-scatter again. Each payment is a target once."""
    case = case_with(PIECES["gather-scatter"])
    alone = shape_matrix(case, pa.array(["gs3", "gs4"]), np.array([1, 1]))
    with_context = shape_matrix(case, pa.array(["gs3", "gs4"]), np.array([1, 1]),
                                (pa.array(["gs1", "gs2"]), np.array([1, 1])))
    code, hub_in = SHAPE_FEATURES.index("shape_code"), SHAPE_FEATURES.index("shape_sender_in")
    assert [SHAPES[int(v)] for v in alone[:, code]] == ["fan-out", "fan-out"]
    assert [SHAPES[int(v)] for v in with_context[:, code]] == ["gather-scatter", "gather-scatter"]
    assert list(with_context[:, hub_in]) == [2, 2] and list(alone[:, hub_in]) == [0, 0]
    rows = flagged_shape(case, pa.table({"txn_id": ["gs1", "gs2", "gs3", "gs1"], "grp": ["a", "a", "a", "b"],
                                         "target": [False, False, True, True]}))
    got = sorted(zip(rows.column("txn_id").to_pylist(), rows.column("grp").to_pylist(), strict=True))
    assert got == [("gs1", "b"), ("gs3", "a")]


def test_a_piece_in_words() -> None:
    from moneytrail.detect.learn_findings import piece_words

    case = case_with(PIECES["fan-in"])
    row = shape_matrix(case, pa.array(["fi1", "fi2", "fi3"]), np.array([1, 1, 1]))[0]
    assert piece_words(row) == ("Flagged payments around it: a fan-in-shaped piece of 3 payments among 4 accounts "
                                "(sender: 0 flagged in, 1 out; receiver: 3 in, 0 out). Within a day of it the sender "
                                "paid 0 other flagged receivers and the receiver was paid by 2 other flagged senders.")
    alone = shape_matrix(case, pa.array(["fi1"]), np.array([1]))[0]
    assert piece_words(alone).startswith("Flagged payments around it: a single flagged payment (sender")
