from __future__ import annotations

import numpy as np
import pyarrow as pa

from moneytrail.resolve.components import NumberedEdges, canonical_sql, consistent_components
from moneytrail.store import Case
from tests.resolve.conftest import component_groups


def test_a_chain_across_a_cannot_link_loses_its_weakest_link() -> None:
    left, right = pa.array(["a", "x", "b", "c"]), pa.array(["b", "y", "c", "d"])
    table = consistent_components(left, right, np.array([9.0, 8.0, 7.0, 3.0]), pa.array(["a"]), pa.array(["d"]))
    assert component_groups(table) == [["a", "b", "c"], ["d"], ["x", "y"]]
    plain = consistent_components(left, right, np.array([9.0, 8.0, 7.0, 3.0]), pa.array([], pa.string()),
                                  pa.array([], pa.string()))
    assert component_groups(plain) == [["a", "b", "c", "d"], ["x", "y"]]


def test_canonical_ids_keep_a_previous_id_that_names_a_member(case: Case) -> None:
    components = pa.table({"entity_id": ["a", "b", "x", "p", "q"], "component": [1, 1, 1, 2, 2]})
    previous = pa.table({"entity_id": ["b", "x", "q"], "canonical_id": ["x", "x", "gone"]})
    case.engine.register_arrow("_t_components", components)
    case.engine.register_arrow("_t_previous", previous)
    rows = dict(case.engine.rows(canonical_sql("_t_components", "_t_previous")))
    assert rows == {"a": "x", "b": "x", "x": "x", "p": "p", "q": "p"}


def _canonical(case: Case, groups: list[list[str]], previous: dict[str, str]) -> dict[str, str]:
    components = pa.table({"entity_id": [m for g in groups for m in g],
                           "component": [i for i, g in enumerate(groups) for _ in g]})
    case.engine.register_arrow("_t_components", components)
    case.engine.register_arrow("_t_previous", pa.table({"entity_id": list(previous),
                                                        "canonical_id": list(previous.values())},
                                                       schema=pa.schema([("entity_id", pa.string()),
                                                                         ("canonical_id", pa.string())])))
    return dict(case.engine.rows(canonical_sql("_t_components", "_t_previous")))


def test_canonical_ids_keep_previous_ids_and_skip_single_records(case: Case) -> None:
    assert _canonical(case, [["x", "b", "a"], ["c"]], {"x": "x", "b": "x"}) == {"a": "x", "b": "x", "x": "x"}
    assert _canonical(case, [["q", "p"]], {}) == {"p": "p", "q": "p"}


def test_a_split_cluster_does_not_keep_the_other_parts_id(case: Case) -> None:
    # r0, r1, r2 were one cluster under r0; a judgement split r0 off: r1 and r2 need another id.
    assert _canonical(case, [["r1", "r2"]], {"r0": "r0", "r1": "r0", "r2": "r0"}) == {"r1": "r1", "r2": "r1"}


def test_numbered_subsets_number_records_as_a_hash_pass_over_their_ids_would() -> None:
    # recluster numbers the ids once and renumbers subsets from the integers: the numbers, components and
    # the numbers of further ids must be those of numbering the kept edges' strings afresh
    rng = np.random.default_rng(3)
    left = pa.array([f"r{i}" for i in rng.integers(0, 400, 1000)])
    right = pa.array([f"r{i}" for i in rng.integers(0, 400, 1000)])
    other = pa.array([f"r{i}" for i in rng.integers(0, 450, 200)])
    numbered = NumberedEdges.of(left, right, other)
    keep = rng.random(1000) < 0.3
    kept = numbered.subset(keep)
    fresh = NumberedEdges.of(left.filter(pa.array(keep)), right.filter(pa.array(keep)), other)
    assert kept.ids.equals(fresh.ids)
    assert np.array_equal(kept.left, fresh.left) and np.array_equal(kept.right, fresh.right)
    assert np.array_equal(kept.others[0], fresh.others[0])
    assert np.array_equal(kept.components()[1], fresh.components()[1])
    assert np.array_equal(kept.numbers(other), fresh.others[0])
    assert (fresh.others[0] == -1).any()  # some ids are in no kept edge
