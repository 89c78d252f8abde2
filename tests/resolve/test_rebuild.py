from __future__ import annotations

import numpy as np
import pyarrow as pa

from moneytrail.resolve.cluster import cluster_consistent
from moneytrail.resolve.components import consistent_components
from tests.resolve.conftest import component_groups


def test_vectorised_rebuild_gives_the_union_find_clusters_on_random_graphs() -> None:
    rng = np.random.default_rng(11)
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
        names = np.array([f"r{i:02d}" for i in range(size)])
        table = consistent_components(pa.array(names[left]), pa.array(names[right]), weights,
                                      pa.array(names[cl], pa.string()), pa.array(names[cr], pa.string()))
        expected = cluster_consistent(list(zip(names[left].tolist(), names[right].tolist(), strict=True)),
                                      list(zip(names[cl].tolist(), names[cr].tolist(), strict=True)),
                                      weights.tolist())
        in_edges = set(names[left].tolist()) | set(names[right].tolist())
        groups = [sorted(m for m in g if m in in_edges) for g in expected.groups().values()]
        grouped = {m for g in groups for m in g}
        alone = [[m] for m in in_edges - grouped]  # ambiguous records: in an edge, in no cluster
        assert component_groups(table) == sorted([g for g in groups if g] + alone)
