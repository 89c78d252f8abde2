"""The shape of flagged payments on each engine: the hand-made pieces get their shapes, with context."""

from __future__ import annotations

import pyarrow as pa

from moneytrail.detect.flagged_shape import SHAPES, flagged_shape
from tests.detect.graphs import insert_rows
from tests.detect.test_flagged_shape import PIECES, UNFLAGGED
from tests.parity.conftest import NewCase


def test_pieces_and_their_shapes(new_case: NewCase) -> None:
    case = new_case()
    insert_rows(case, [r for piece in PIECES.values() for r in piece] + UNFLAGGED)
    ids = [r[0] for piece in PIECES.values() for r in piece]
    # Group "b" holds only the gather-scatter's scatter half, with its gather half as context.
    table = pa.table({"txn_id": [*ids, "gs3", "gs4", "gs1", "gs2"], "grp": ["a"] * len(ids) + ["b"] * 4,
                      "target": [*([True] * len(ids)), True, True, False, False]})
    got = {(r["txn_id"], r["grp"]): r for r in flagged_shape(case, table).to_pylist()}
    assert len(got) == len(ids) + 2
    for shape, piece in PIECES.items():
        for r in piece:
            row = got[(r[0], "a")]
            assert SHAPES[int(row["shape_code"])] == shape and row["shape_piece_payments"] == len(piece)
    assert [SHAPES[int(got[(t, "b")]["shape_code"])] for t in ("gs3", "gs4")] == ["gather-scatter"] * 2
    fi = got[("fi2", "a")]
    assert (fi["shape_receiver_in"], fi["shape_piece_sources"], fi["shape_piece_sinks"]) == (3, 3, 1)
    assert abs(float(fi["shape_piece_span_days"]) - 2 / 24) < 1e-9
    # The local, time-ordered inputs (``flagged_local``): the scatter-gather's relays share a source and a sink.
    sg1, sg3 = got[("sg1", "a")], got[("sg3", "a")]
    assert (sg1["local_scatter_mates"], sg1["local_forward_ratio"], sg3["local_gather_mates"]) == (1, 0.0, 1)
    assert (fi["local_receiver_in_near"], fi["local_receiver_in_before"], fi["local_receiver_in_after"]) == (3, 1, 1)
