from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from moneytrail.resolve.cluster import NEVER_PLACED, cluster_consistent
from moneytrail.resolve.components import consistent_components
from tests.resolve.conftest import component_groups


@pytest.mark.parametrize(("with_levels", "place_margin", "shared_bonus"),
                         [(False, NEVER_PLACED, 0.0), (True, NEVER_PLACED, 0.0), (True, 0.3, 0.0), (False, 0.5, 0.0),
                          (False, NEVER_PLACED, 4.0), (True, 0.3, 2.0)])
def test_vectorised_rebuild_gives_the_union_find_clusters_on_random_graphs(with_levels: bool, place_margin: float,
                                                                           shared_bonus: float) -> None:
    rng = np.random.default_rng(11)
    changed = 0
    for _ in range(300):
        size = int(rng.integers(3, 16))
        count = int(rng.integers(1, 40))
        left, right = rng.integers(0, size, count), rng.integers(0, size, count)
        keep = left != right
        left, right = left[keep], right[keep]
        weights = np.sort(np.round(rng.uniform(0, 12, len(left)), 0))[::-1]  # strongest first, with ties
        cannot_n = int(rng.integers(0, 5))
        cl, cr = rng.integers(0, size, cannot_n), rng.integers(0, size, cannot_n)
        keep = cl != cr
        cl, cr = cl[keep], cr[keep]
        # name levels of the edges (-1: unknown), or none given
        levels = rng.integers(-1, 4, len(left)) if with_levels else None
        names = np.array([f"r{i:02d}" for i in range(size)])
        table = consistent_components(pa.array(names[left]), pa.array(names[right]), weights,
                                      pa.array(names[cl], pa.string()), pa.array(names[cr], pa.string()),
                                      levels=levels, place_margin=place_margin, shared_bonus=shared_bonus)
        expected = cluster_consistent(list(zip(names[left].tolist(), names[right].tolist(), strict=True)),
                                      list(zip(names[cl].tolist(), names[cr].tolist(), strict=True)),
                                      weights.tolist(), levels=None if levels is None else levels.tolist(),
                                      place_margin=place_margin, shared_bonus=shared_bonus)
        in_edges = set(names[left].tolist()) | set(names[right].tolist())
        groups = [sorted(m for m in g if m in in_edges) for g in expected.groups().values()]
        grouped = {m for g in groups for m in g}
        alone = [[m] for m in in_edges - grouped]  # ambiguous records: in an edge, in no cluster
        assert component_groups(table) == sorted([g for g in groups if g] + alone)
        if with_levels or place_margin != NEVER_PLACED or shared_bonus:
            # without the rule under test: the edges' order, the levels, or the placement of ambiguous records
            plain = consistent_components(pa.array(names[left]), pa.array(names[right]), weights,
                                          pa.array(names[cl], pa.string()), pa.array(names[cr], pa.string()),
                                          levels=levels if place_margin != NEVER_PLACED or shared_bonus else None,
                                          place_margin=place_margin if shared_bonus else NEVER_PLACED)
            changed += component_groups(plain) != component_groups(table)
    assert changed > 0 or not (with_levels or place_margin != NEVER_PLACED or shared_bonus)  # the rule is reached
