from __future__ import annotations

from moneytrail.resolve.cluster import canonical_ids, cluster_pairs


def test_cannot_link_blocks_transitive_merge() -> None:
    clusters = cluster_pairs([("a", "b"), ("b", "c"), ("c", "d")], cannot_link=[("a", "d")])
    groups = sorted(sorted(g) for g in clusters.groups().values())
    assert ["a", "d"] not in groups
    assert not any({"a", "d"} <= set(g) for g in groups)
    assert ["a", "b", "c"] in groups  # strongest edges first: a-b, b-c merge; c-d is refused


def test_canonical_ids_keep_previous_ids() -> None:
    mapping = canonical_ids([["x", "b", "a"], ["c"]], previous={"x": "x", "b": "x"})
    assert mapping == {"a": "x", "b": "x", "x": "x"}
    assert canonical_ids([["q", "p"]], previous={}) == {"p": "p", "q": "p"}


def test_consistent_clusters_drop_the_weakest_link_of_a_chain() -> None:
    from moneytrail.resolve.cluster import cluster_consistent

    # a-b-c-d chain (strongest first), but a and d contradict: the weakest join (c-d) goes;
    # the unrelated x-y component is untouched.
    clusters = cluster_consistent([("a", "b"), ("x", "y"), ("b", "c"), ("c", "d")], [("a", "d"), ("x", "q")])
    groups = sorted(sorted(g) for g in clusters.groups().values())
    assert groups == [["a", "b", "c"], ["d"], ["x", "y"]]


def test_a_split_cluster_does_not_keep_the_other_parts_id() -> None:
    # r0, r1, r2 were one cluster under r0; a judgement split r0 off: r1 and r2 need another id.
    mapping = canonical_ids([["r1", "r2"]], previous={"r0": "r0", "r1": "r0", "r2": "r0"})
    assert mapping == {"r1": "r1", "r2": "r1"}
