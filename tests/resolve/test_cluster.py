from __future__ import annotations

from moneytrail.resolve.cluster import cluster_pairs


def test_cannot_link_blocks_transitive_merge() -> None:
    clusters = cluster_pairs([("a", "b"), ("b", "c"), ("c", "d")], cannot_link=[("a", "d")])
    groups = sorted(sorted(g) for g in clusters.groups().values())
    assert ["a", "d"] not in groups
    assert not any({"a", "d"} <= set(g) for g in groups)
    assert ["a", "b", "c"] in groups  # strongest edges first: a-b, b-c merge; c-d is refused


def test_consistent_clusters_drop_the_weakest_link_of_a_chain() -> None:
    from moneytrail.resolve.cluster import cluster_consistent

    # a-b-c-d chain (strongest first), but a and d contradict: the weakest join (c-d) goes;
    # the unrelated x-y component is untouched.
    clusters = cluster_consistent([("a", "b"), ("x", "y"), ("b", "c"), ("c", "d")], [("a", "d"), ("x", "q")])
    groups = sorted(sorted(g) for g in clusters.groups().values())
    assert groups == [["a", "b", "c"], ["d"], ["x", "y"]]


def test_a_record_named_like_two_namesakes_joins_neither() -> None:
    from moneytrail.resolve.cluster import cluster_consistent

    # c has no birth date and the name of a2 and b, whose birth dates differ (cannot link): its two
    # edges weigh alike, so where it went would be the order's choice. It joins neither.
    edges, cannot = [("a1", "a2"), ("c", "a2"), ("c", "b")], [("a2", "b")]
    groups = sorted(sorted(g) for g in cluster_consistent(edges, cannot, [14.0, 2.5, 2.4]).groups().values())
    assert [g for g in groups if len(g) > 1] == [["a1", "a2"]] and ["b"] in groups
    # When one edge is far stronger (an equal birth date) it goes there; without weights, the order decides.
    groups = sorted(sorted(g) for g in cluster_consistent(edges, cannot, [14.0, 12.0, 2.4]).groups().values())
    assert groups == [["a1", "a2", "c"], ["b"]]
    groups = sorted(sorted(g) for g in cluster_consistent(edges, cannot).groups().values())
    assert groups == [["a1", "a2", "c"], ["b"]]
