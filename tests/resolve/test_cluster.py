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
