from __future__ import annotations

import numpy as np
import pyarrow as pa

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



def test_a_namesake_met_only_at_a_worse_name_level_is_no_rival() -> None:
    import numpy as np
    import pyarrow as pa

    from moneytrail.resolve.cluster import cluster_consistent
    from moneytrail.resolve.components import consistent_components

    # c is named exactly as a2 (level 0, 3.5 bits) and like b only by a variant spelling (level 2,
    # 1.7 bits); a2 and b cannot link. Within the margin by weight, but a2's cluster holds c's name as spelt.
    edges, cannot, weights = [("a1", "a2"), ("c", "a2"), ("c", "b")], [("a2", "b")], [14.0, 3.5, 1.7]
    without = sorted(sorted(g) for g in cluster_consistent(edges, cannot, weights).groups().values())
    assert [g for g in without if len(g) > 1] == [["a1", "a2"]]
    levels = [0, 0, 2]
    groups = sorted(sorted(g) for g in cluster_consistent(edges, cannot, weights, levels=levels).groups().values())
    assert groups == [["a1", "a2", "c"], ["b"]]
    # the same name level both ways, an unknown one, or a top cluster that does not hold the name as
    # spelt (an Arabic-script writing, which as well fits the variant spelling) leaves a rival
    for tied in ([0, 0, 0], [0, -1, 2], [0, 0, -1], [0, 1, 2]):
        groups = sorted(sorted(g) for g in cluster_consistent(edges, cannot, weights, levels=tied).groups().values())
        assert [g for g in groups if len(g) > 1] == [["a1", "a2"]], tied
    table = consistent_components(pa.array(["a1", "c", "c"]), pa.array(["a2", "a2", "b"]), np.array(weights),
                                  pa.array(["a2"]), pa.array(["b"]), levels=np.array(levels))
    found = {row["entity_id"]: row["component"] for row in table.to_pylist()}
    assert found["c"] == found["a1"] == found["a2"] != found["b"]


def test_a_contradiction_that_a_third_record_vouches_for_gives_way() -> None:
    from moneytrail.resolve.cluster import cluster_consistent

    # c's birth date and id were replaced: it contradicts d (-8 bits), but it matches a on its address
    # (12 bits beyond names), and so does d (30 bits): a vouches for both, and c joins the party.
    edges, weights = [("a", "b"), ("a", "d"), ("b", "d"), ("a", "c")], [30.0, 28.0, 27.0, 9.5]
    supports = [30.0, 28.0, 27.0, 12.0]
    groups = sorted(sorted(g) for g in cluster_consistent(edges, [("c", "d")], weights, cannot_weights=[-8.0],
                                                          supports=supports).groups().values())
    assert groups == [["a", "b", "c", "d"]]
    # As a hard rule, or when c matches a on its name alone (no support), the contradiction holds.
    hard = sorted(sorted(g) for g in cluster_consistent(edges, [("c", "d")], weights).groups().values())
    names_only = sorted(sorted(g) for g in cluster_consistent(
        edges, [("c", "d")], weights, cannot_weights=[-8.0], supports=[30.0, 28.0, 27.0, 0.0]).groups().values())
    assert hard == names_only == [["a", "b", "d"], ["c"]]
    # Support weaker than the contradiction does not vouch either.
    weak = sorted(sorted(g) for g in cluster_consistent(
        edges, [("c", "d")], weights, cannot_weights=[-8.0], supports=[30.0, 28.0, 27.0, 7.0]).groups().values())
    assert weak == [["a", "b", "d"], ["c"]]


def test_namesakes_and_judgements_are_never_vouched_for() -> None:
    from moneytrail.resolve.cluster import HARD_CANNOT_LINK, cluster_consistent

    # x has no birth date and the name of the namesakes a2 and b (whose dates contradict): its
    # matches rest on the name alone, so it vouches for nothing, and it is ambiguous: it joins neither.
    edges, weights = [("a1", "a2"), ("x", "a2"), ("x", "b")], [14.0, 3.5, 3.4]
    groups = sorted(sorted(g) for g in cluster_consistent(edges, [("a2", "b")], weights, cannot_weights=[-4.0],
                                                          supports=[14.0, 0.0, 0.0]).groups().values())
    assert [g for g in groups if len(g) > 1] == [["a1", "a2"]]
    # An analyst's negative judgement holds however well a third record vouches for both.
    edges, weights = [("a", "b"), ("a", "c")], [30.0, 30.0]
    groups = sorted(sorted(g) for g in cluster_consistent(edges, [("b", "c")], weights,
                                                          cannot_weights=[HARD_CANNOT_LINK],
                                                          supports=weights).groups().values())
    assert not any({"b", "c"} <= set(g) for g in groups)


def test_two_weak_ties_do_not_strand_a_record_whose_best_edge_is_far_stronger() -> None:
    from moneytrail.resolve.cluster import cluster_consistent

    # c (no birth date) matches its own party's record a2 at 5.4 bits, and two namesakes b and d,
    # whose birth dates differ from each other and from a2's, at 1.4 bits each. The tie is between
    # its two weak edges, not its best: c joins its party.
    edges = [("a1", "a2"), ("b1", "b2"), ("d1", "d2"), ("a2", "c"), ("b1", "c"), ("c", "d1")]
    cannot = [("a2", "b1"), ("a2", "d1"), ("b1", "d1")]
    groups = sorted(sorted(g) for g in cluster_consistent(edges, cannot, [20.0, 20.0, 20.0, 5.4, 1.4, 1.4])
                    .groups().values())
    assert groups == [["a1", "a2", "c"], ["b1", "b2"], ["d1", "d2"]]


def _both_ways(edges: list[tuple[str, str]], cannot: list[tuple[str, str]], weights: list[float],
               levels: list[int], place_margin: float) -> list[list[str]]:
    """The clusters (two or more records) of ``cluster_consistent`` and of the vectorised rebuild, which agree."""
    import numpy as np
    import pyarrow as pa

    from moneytrail.resolve.cluster import cluster_consistent
    from moneytrail.resolve.components import consistent_components
    from tests.resolve.conftest import component_groups

    expected = sorted(sorted(g) for g in cluster_consistent(edges, cannot, weights, levels=levels,
                                                            place_margin=place_margin).groups().values())
    table = consistent_components(pa.array([a for a, _ in edges]), pa.array([b for _, b in edges]), np.array(weights),
                                  pa.array([a for a, _ in cannot]), pa.array([b for _, b in cannot]),
                                  levels=np.array(levels), place_margin=place_margin)
    found = [g for g in component_groups(table) if len(g) > 1]
    assert found == [g for g in expected if len(g) > 1]
    return found


def test_a_record_between_two_clusters_joins_the_one_it_matched_in_full() -> None:
    from moneytrail.resolve.cluster import NEVER_PLACED

    # c (no birth date, an Arabic-script writing) agrees in Arabic script with a1, a2, a3 and with b1, whose
    # dates contradict (a1, b1): within the margin of each other, so c is ambiguous. It matched every member of
    # the a's, and one of the two b's (b2 is a spelling c's pair scored below the match threshold): it joins the a's.
    edges = [("a1", "a2"), ("a1", "a3"), ("b1", "b2"), ("c", "a1"), ("c", "b1"), ("c", "a2"), ("c", "a3")]
    weights, levels = [20.0, 20.0, 20.0, 2.5, 2.5, 2.4, 2.4], [0, 0, 0, 1, 1, 1, 1]
    cannot = [("a1", "b1")]
    assert _both_ways(edges, cannot, weights, levels, 0.34) == [["a1", "a2", "a3", "c"], ["b1", "b2"]]
    # never placed (the default), or a margin the shares (0 against 1/2) do not reach: it joins neither
    for margin in (NEVER_PLACED, 0.6):
        assert _both_ways(edges, cannot, weights, levels, margin) == [["a1", "a2", "a3"], ["b1", "b2"]]
    # c contradicts a3 (its own birth date, another year): the a's are no choice, and c joins the b's
    assert _both_ways(edges, [*cannot, ("c", "a3")], weights, levels, 0.34) == [["a1", "a2", "a3"], ["b1", "b2", "c"]]


def test_namesakes_named_alike_keep_a_record_without_a_birth_date_apart() -> None:
    # The demo's and the cross-script part's namesakes: c is named as spelt like a1..a3 and like b1 (level 0),
    # whose birth dates differ. Whatever share of each it matched, only a birth date tells them apart: neither.
    edges = [("a1", "a2"), ("a1", "a3"), ("b1", "b2"), ("c", "a1"), ("c", "b1"), ("c", "a2"), ("c", "a3")]
    weights, cannot = [20.0, 20.0, 20.0, 3.5, 3.5, 3.4, 3.4], [("a1", "b1")]
    assert _both_ways(edges, cannot, weights, [0, 0, 0, 0, 0, 0, 0], 0.34) == [["a1", "a2", "a3"], ["b1", "b2"]]
    # an unknown level says no more
    assert _both_ways(edges, cannot, weights, [0, 0, 0, 1, -1, 1, 1], 0.34) == [["a1", "a2", "a3"], ["b1", "b2"]]


def test_a_cluster_met_only_through_the_arabic_script_gives_way_to_a_spelling() -> None:
    # c ("Gallen Peborka") agrees with the a's by a learned variant spelling (level 2), and with b1 only in Arabic
    # script (level 1: "Gollan Peborka" loses the same vowels). Both matched in full, but a spelling carries the
    # vowels an Arabic writing lacks: c joins the a's.
    edges = [("a1", "a2"), ("b1", "b2"), ("c", "a1"), ("c", "b1"), ("c", "a2"), ("c", "b2")]
    weights, cannot = [20.0, 20.0, 2.5, 2.5, 2.4, 2.4], [("a1", "b1")]
    assert _both_ways(edges, cannot, weights, [0, 0, 2, 1, 2, 1], 0.34) == [["a1", "a2", "c"], ["b1", "b2"]]
    # met through the Arabic script both ways, matched in full both ways: neither
    assert _both_ways(edges, cannot, weights, [0, 0, 1, 1, 1, 1], 0.34) == [["a1", "a2"], ["b1", "b2"]]


def test_the_rebuild_takes_first_the_edges_whose_records_share_their_matches() -> None:
    from moneytrail.resolve.cluster import cluster_consistent
    from moneytrail.resolve.components import consistent_components
    from tests.resolve.conftest import component_groups

    # x matched a1 and a2, who matched each other, and b1 (a1 and b1 contradict). Its edge to b1 weighs a little
    # more, but x and b1 share no other match while x and a1, a2 share each other: the rebuild takes the
    # triangle first and x stays with a1 and a2. Margin 0: no record is left alone as ambiguous here.
    edges = [("b1", "x"), ("b1", "b2"), ("a1", "a2"), ("a1", "x"), ("a2", "x")]
    weights, cannot = [5.0, 4.5, 4.5, 4.5, 4.5], [("a1", "b1")]

    def grouped(bonus: float) -> list[list[str]]:
        return sorted(sorted(g) for g in cluster_consistent(edges, cannot, weights, margin=0.0,
                                                            shared_bonus=bonus).groups().values())

    assert grouped(0.0) == [["a1", "a2"], ["b1", "b2", "x"]]
    assert grouped(4.0) == [["a1", "a2", "x"], ["b1", "b2"]]
    table = consistent_components(pa.array([a for a, _ in edges]), pa.array([b for _, b in edges]), np.array(weights),
                                  pa.array(["a1"]), pa.array(["b1"]), margin=0.0, shared_bonus=4.0)
    assert component_groups(table) == grouped(4.0)
