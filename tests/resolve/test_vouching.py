from __future__ import annotations

import numpy as np

from moneytrail.resolve.cluster import HARD_CANNOT_LINK, vouched
from moneytrail.resolve.vouching import in_one_group, vouched_conflicts


def test_vouching_as_arrays_agrees_with_the_rule_on_random_graphs() -> None:
    rng = np.random.default_rng(5)
    for _ in range(200):
        size = int(rng.integers(3, 12))
        left, right = rng.integers(0, size, 30), rng.integers(0, size, 30)
        keep = left != right
        left, right = left[keep], right[keep]
        supports = np.round(rng.uniform(0, 12, len(left)), 1)
        cl, cr = rng.integers(0, size, 6), rng.integers(0, size, 6)
        cw = np.round(rng.uniform(-10, -1, 6), 1)
        cw[0] = HARD_CANNOT_LINK
        names = [f"r{i}" for i in range(size)]
        expected = vouched([(names[a], names[b]) for a, b in zip(left, right, strict=True)], supports.tolist(),
                           [(names[a], names[b]) for a, b in zip(cl, cr, strict=True)], cw.tolist())
        got = vouched_conflicts(left, right, supports, cl, cr, cw, size)
        assert got.tolist() == expected
        assert not got[0]  # a judgement is never vouched for


def test_a_third_record_with_support_beyond_the_contradiction_vouches() -> None:
    # 0-2 and 1-2 match with 12 and 30 bits of support; 0 and 1 contradict at -8 bits, 3 and 1 at -20.
    left, right, supports = np.array([0, 1]), np.array([2, 2]), np.array([12.0, 30.0])
    got = vouched_conflicts(left, right, supports, np.array([0, 3]), np.array([1, 1]), np.array([-8.0, -20.0]), 4)
    assert got.tolist() == [True, False]


def test_pairs_in_one_group() -> None:
    groups = np.array([0, 0, 1, -1, -1])
    assert in_one_group(groups, np.array([0, 0, 3, -1]), np.array([1, 2, 4, 0])).tolist() == [True, False, False,
                                                                                               False]
