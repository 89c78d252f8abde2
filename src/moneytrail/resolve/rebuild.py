"""``cluster.cluster_consistent``'s rebuild of the components a contradiction splits, as arrays.

The rebuild is greedy and ordered: within a component, edges join clusters strongest first unless a
cannot-link pair would end up inside one cluster. Components are independent, so the k-th edge of
every component is taken in one vectorised step (round k): a component's clusters are labels of its
records, a join relabels one cluster's records, and a join is refused when some cannot-link pair
has one record in each of the two clusters. The rounds are as many as the largest component has
edges (a few hundred at a million records), each over the records of the broken components, not
the edges of all. Then the ambiguous records (``cluster._ambiguous``: a record whose best edges into
two clusters that must stay apart weigh within the margin) leave, and the components are rebuilt
again without their edges, but for those of a record ``cluster._placed`` puts in one of its clusters
(its edges into that one stay). The clusters are ``cluster_consistent``'s, record for record.
"""

from __future__ import annotations

import numpy as np

from moneytrail.resolve.cluster import AMBIGUOUS_MARGIN, NEVER_PLACED, SPELLED_LEVELS
from moneytrail.resolve.model import ABJAD_LEVEL, IDENTICAL_LEVEL
from moneytrail.resolve.sorting import sorted_distinct


def _greedy(size: int, left: np.ndarray, right: np.ndarray, component: np.ndarray, cannot_left: np.ndarray,
            cannot_right: np.ndarray) -> np.ndarray:
    """Cluster label of every record 0..size-1 after joining the edges in order within each component,
    refusing joins that would put a cannot-link pair in one cluster (``cluster.cluster_pairs``)."""
    label = np.arange(size)
    if not len(left):
        return label
    # the rank of each edge within its component, in the order given
    order = np.argsort(component, kind="stable")
    sorted_component = component[order]
    starts = np.flatnonzero(np.concatenate([[True], sorted_component[1:] != sorted_component[:-1]]))
    counts = np.diff(np.concatenate([starts, [len(left)]]))  # edges per component
    rank = np.empty(len(left), np.int64)
    rank[order] = np.arange(len(left)) - np.repeat(starts, counts)
    by_rank = np.argsort(rank, kind="stable")
    bounds = np.searchsorted(rank[by_rank], np.arange(int(rank.max()) + 2))
    # A cannot-link can refuse a join of round k only while its component has a k-th edge (a component's
    # labels are its own records): with those of the components with most edges first, round k reads a prefix.
    edges_in = np.zeros(size, np.int64)
    edges_in[left[order]] = edges_in[right[order]] = np.repeat(counts, counts)
    lasting = np.argsort(-edges_in[cannot_left], kind="stable")
    cannot_left, cannot_right = cannot_left[lasting], cannot_right[lasting]
    active = np.searchsorted(-edges_in[cannot_left], -np.arange(len(bounds) - 1), side="left")
    for k in range(len(bounds) - 1):
        edges = by_rank[bounds[k]:bounds[k + 1]]
        a, b = label[left[edges]], label[right[edges]]
        joining = a != b
        edges, a, b = edges[joining], a[joining], b[joining]
        if not len(edges):
            continue
        # refused: a cannot-link pair with one record in each of the two clusters
        refused = np.zeros(len(edges), bool)
        if active[k]:
            codes = np.concatenate([a * size + b, b * size + a])
            sorter = np.argsort(codes)
            pair = label[cannot_left[:active[k]]] * size + label[cannot_right[:active[k]]]
            at = np.minimum(np.searchsorted(codes, pair, sorter=sorter), len(codes) - 1)
            hit = codes[sorter[at]] == pair
            refused[sorter[at[hit]] % len(edges)] = True
        a, b = a[~refused], b[~refused]
        # each component joins at most one pair of clusters per round: relabel b's records as a
        into = np.arange(size)
        into[b] = a
        label = into[label]
    return label


def _ambiguous(size: int, label: np.ndarray, left: np.ndarray, right: np.ndarray, weights: np.ndarray,
               cannot_left: np.ndarray, cannot_right: np.ndarray, margin: float,
               levels: np.ndarray | None = None, place_margin: float = NEVER_PLACED) -> tuple[np.ndarray, np.ndarray]:
    """``cluster._ambiguous`` over records: (mask of the ambiguous records, the cluster label each of them
    is placed in, -1: none). Ambiguous: a record's best cluster (its strongest edge into it; ties: the
    cluster it met first, edge order) and another cluster that must stay apart from it within ``margin``.
    Placed: ``cluster._placed``'s rule over the best cluster and its rivals, with ``place_margin``."""
    if not len(left):
        return np.zeros(size, bool), np.full(size, -1, np.int64)
    # edge k's two directions are 2k (left's edge to right) and 2k + 1, in the order given
    record, other = np.empty(2 * len(left), np.int64), np.empty(2 * len(left), np.int64)
    record[0::2], record[1::2], other[0::2], other[1::2] = left, right, right, left
    seen = np.arange(len(record))
    w = np.repeat(np.asarray(weights, float), 2)
    key = record * size + label[other]
    order = np.lexsort((seen, -w, key))  # per (record, cluster): strongest first
    key, w, seen = key[order], w[order], seen[order]
    heads = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    best, first_seen = w[heads], np.minimum.reduceat(seen, heads)
    matched = np.diff(np.append(heads, len(key)))  # edges of each (record, cluster)
    if levels is not None:
        # each (record, cluster)'s best name level: as the top one (unknown: worst) and as a rival (unknown: best)
        lv = np.repeat(np.asarray(levels, np.int64), 2)[order]
        as_top = np.minimum.reduceat(np.where(lv < 0, np.iinfo(np.int64).max, lv), heads)
        as_rival = np.minimum.reduceat(np.where(lv < 0, -1, lv), heads)
    key = key[heads]
    rec, clu = key // size, key % size
    # the top cluster of each record: the strongest, ties by first seen
    top_order = np.lexsort((first_seen, -best, rec))
    top_head = np.concatenate([[True], rec[top_order][1:] != rec[top_order][:-1]])
    top = np.full(size, -1, np.int64)
    top_weight = np.zeros(size)
    top[rec[top_order][top_head]] = clu[top_order][top_head]
    top_weight[rec[top_order][top_head]] = best[top_order][top_head]
    top_level = np.zeros(size, np.int64)
    if levels is not None:
        top_level[rec[top_order][top_head]] = as_top[top_order][top_head]
    apart = sorted_distinct(np.concatenate([label[cannot_left] * size + label[cannot_right],
                                      label[cannot_right] * size + label[cannot_left]]))
    with np.errstate(invalid="ignore"):  # two judged (infinite) edges: inf - inf is no rival, as in Python
        rival = (clu != top[rec]) & (top_weight[rec] - best < margin)
    if levels is not None:
        # a top cluster holding the record's name as spelt has no rival that agrees with it only worse
        rival &= (top_level[rec] != IDENTICAL_LEVEL) | (as_rival <= IDENTICAL_LEVEL)
    pair = top[rec] * size + clu
    at = np.minimum(np.searchsorted(apart, pair), max(len(apart) - 1, 0))
    forbidden = apart[at] == pair if len(apart) else np.zeros(len(pair), bool)
    out = np.zeros(size, bool)
    out[rec[rival & forbidden]] = True
    if not np.isfinite(place_margin) or not out.any():
        return out, np.full(size, -1, np.int64)
    # the choices of each ambiguous record: its best cluster and its rivals
    choice = out[rec] & ((clu == top[rec]) | rival)
    return out, _placed(size, label, rec[choice], clu[choice], matched[choice],
                        None if levels is None else as_rival[choice], cannot_left, cannot_right, place_margin)


def _placed(size: int, label: np.ndarray, rec: np.ndarray, clu: np.ndarray, matched: np.ndarray,
            level: np.ndarray | None, cannot_left: np.ndarray, cannot_right: np.ndarray,
            place_margin: float) -> np.ndarray:
    """``cluster._placed`` over the choices (``rec``, ``clu``) of the ambiguous records, each with the
    record's edges into the cluster (``matched``) and its best name level (unknown: -1): the cluster label
    each record is placed in, -1: none."""
    placed = np.full(size, -1, np.int64)
    key = rec * size + clu
    # no cluster holding a record it contradicts
    contradicted = sorted_distinct(np.concatenate([cannot_left * size + label[cannot_right],
                                                   cannot_right * size + label[cannot_left]]))
    at = np.minimum(np.searchsorted(contradicted, key), max(len(contradicted) - 1, 0))
    keep = ~(contradicted[at] == key) if len(contradicted) else np.ones(len(key), bool)
    if level is not None:
        # none for a record named as spelt (or at an unknown level) by one of them; a cluster met only
        # through the Arabic script gives way to one met at a spelling level
        as_spelt, spelled = np.zeros(size, bool), np.zeros(size, bool)
        as_spelt[rec[keep & (level <= IDENTICAL_LEVEL)]] = True
        spelled[rec[keep & np.isin(level, SPELLED_LEVELS)]] = True
        keep &= ~as_spelt[rec] & ~(spelled[rec] & (level == ABJAD_LEVEL))
    # the share of the cluster's members the record did not match (itself not counted in its own cluster)
    members = np.bincount(label, minlength=size)[clu] - (clu == label[rec])
    unmatched = (members - matched) / members
    rec, clu, unmatched = rec[keep], clu[keep], unmatched[keep]
    if not len(rec):
        return placed
    order = np.lexsort((unmatched, rec))
    rec, clu, unmatched = rec[order], clu[order], unmatched[order]
    first = np.flatnonzero(np.concatenate([[True], rec[1:] != rec[:-1]]))
    runner_up = np.full(len(first), np.inf)
    has_second = np.append(first[1:], len(rec)) - first > 1
    runner_up[has_second] = unmatched[first[has_second] + 1]
    fits = runner_up - unmatched[first] >= place_margin
    placed[rec[first[fits]]] = clu[first[fits]]
    return placed


def rebuilt_labels(size: int, left: np.ndarray, right: np.ndarray, weights: np.ndarray, component: np.ndarray,
                   cannot_left: np.ndarray, cannot_right: np.ndarray, margin: float = AMBIGUOUS_MARGIN,
                   levels: np.ndarray | None = None, place_margin: float = NEVER_PLACED) -> np.ndarray:
    """Cluster label of every record 0..size-1 of components a contradiction splits (edges
    ``left``-``right`` strongest first, ``component`` each edge's): ``cluster_consistent``'s clusters
    with ``weights``, ambiguous records alone unless placed (``place_margin``, ``cluster._placed``)."""
    first = _greedy(size, left, right, component, cannot_left, cannot_right)
    ambiguous, placed = _ambiguous(size, first, left, right, weights, cannot_left, cannot_right, margin, levels,
                                   place_margin)
    # a placed record keeps its edges into the cluster it is placed in; an ambiguous one left alone, none
    side = np.where(ambiguous, placed, first)
    keep = (side[left] >= 0) & (side[left] == side[right]) | ~(ambiguous[left] | ambiguous[right])
    return _greedy(size, left[keep], right[keep], component[keep], cannot_left, cannot_right)
