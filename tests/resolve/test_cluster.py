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


def test_a_contradiction_is_weighed_against_the_records_that_vouch_for_a_join() -> None:
    from moneytrail.resolve.cluster import cluster_consistent

    # c matches a and b (name, address) but its birth date was replaced: it contradicts d (-8 bits).
    # Its two matches outweigh the one contradiction, so c joins; as a hard rule it would be split off.
    edges, weights = [("a", "b"), ("a", "d"), ("b", "d"), ("a", "c"), ("b", "c")], [30.0, 28.0, 27.0, 9.5, 9.5]
    groups = sorted(sorted(g) for g in cluster_consistent(edges, [("c", "d")], weights, cannot_weights=[-8.0])
                    .groups().values())
    assert groups == [["a", "b", "c", "d"]]
    hard = sorted(sorted(g) for g in cluster_consistent(edges, [("c", "d")], weights).groups().values())
    assert hard == [["a", "b", "d"], ["c"]]
    # Two records that contradict c outweigh its one match.
    groups = sorted(sorted(g) for g in cluster_consistent(
        [("a", "b"), ("a", "c")], [("b", "c")] * 2, [30.0, 9.5], cannot_weights=[-8.0, -8.0]).groups().values())
    assert groups == [["a", "b"], ["c"]]


def test_weighed_clusters_keep_namesakes_apart_and_judgements_hard() -> None:
    from moneytrail.resolve.cluster import HARD_CANNOT_LINK, cluster_consistent

    # x has no birth date and the name of the namesakes a2 and b (whose dates contradict): the chain
    # a2-x-b weighs 3.5 + 3.4 - 9 < 0 once x has joined a2, and x is ambiguous, so it joins neither.
    edges, weights = [("a1", "a2"), ("x", "a2"), ("x", "b")], [14.0, 3.5, 3.4]
    groups = sorted(sorted(g) for g in cluster_consistent(edges, [("a2", "b")], weights, cannot_weights=[-9.0])
                    .groups().values())
    assert [g for g in groups if len(g) > 1] == [["a1", "a2"]]
    # An analyst's negative judgement is never outweighed, however many records vouch for the join.
    edges, weights = [("a", "b"), ("c", "a"), ("c", "b")], [20.0, 1e9, 1e9]
    groups = sorted(sorted(g) for g in cluster_consistent(edges, [("c", "b")], weights,
                                                          cannot_weights=[HARD_CANNOT_LINK]).groups().values())
    assert not any({"b", "c"} <= set(g) for g in groups)
