"""``cluster.vouched`` and the judged-same test as arrays: numpy over integer record ids, no Python loop.

``components.consistent_components`` asks, for every cannot-link pair inside a connected component,
whether a third record vouches for it (``cluster.vouched`` says the rule). Here the rule runs over
all edges at once: the edges become a sorted adjacency list (both directions, the strongest
support per pair of records, at least 0), each contradiction's first record's neighbours are
expanded with ``np.repeat``, and the second record's edge to each of them is found by binary search.
Only the components whose contradictions no third record outweighs then go through the
union-find, which at a million records is a few hundred records instead of a hundred thousand.
"""

from __future__ import annotations

import numpy as np

from moneytrail.resolve.cluster import HARD_CANNOT_LINK


def _expand(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, position) of every item of the ranges [starts[k], starts[k] + counts[k])."""
    owner = np.repeat(np.arange(len(counts)), counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, np.repeat(starts, counts) + offsets


def vouched_conflicts(left: np.ndarray, right: np.ndarray, supports: np.ndarray, cannot_left: np.ndarray,
                      cannot_right: np.ndarray, cannot_weights: np.ndarray, size: int) -> np.ndarray:
    """Which cannot-link pairs a third record outweighs (``cluster.vouched``'s rule), per pair.

    ``left``/``right``: the matched edges as record numbers in ``range(size)``, ``supports`` each
    edge's evidence beyond names (bits); ``cannot_*``: the contradictions and their match weights
    (``HARD_CANNOT_LINK`` for a judgement: never vouched for)."""
    out = np.zeros(len(cannot_left), bool)
    if not len(cannot_left) or not len(left):
        return out
    a = np.concatenate([left, right]).astype(np.int64)
    b = np.concatenate([right, left]).astype(np.int64)
    key = a * size + b
    order = np.argsort(key, kind="stable")
    key = key[order]
    first = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    # the strongest support between two records, never below 0 (``cluster.vouched``'s ``near``)
    near = np.maximum(np.maximum.reduceat(np.concatenate([supports, supports]).astype(float)[order], first), 0.0)
    keys = key[first]
    neighbour = keys % size
    bounds = np.concatenate([[0], np.cumsum(np.bincount(keys // size, minlength=size))])  # each record's edges
    c, d = cannot_left.astype(np.int64), cannot_right.astype(np.int64)
    owner, at = _expand(bounds[c], bounds[c + 1] - bounds[c])
    x = neighbour[at]
    wanted = d[owner] * size + x
    found_at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    found = keys[found_at] == wanted
    limit = -np.asarray(cannot_weights, float)[owner]
    ok = found & (near[at] > limit) & (near[found_at] > limit) & (-limit > HARD_CANNOT_LINK)
    out[owner[ok]] = True
    return out


def in_one_group(groups: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Per pair, whether both records are in one group; ``groups`` holds each record's group, -1 where
    it is in none."""
    both = (left >= 0) & (right >= 0)
    same = np.zeros(len(left), bool)
    same[both] = (groups[left[both]] >= 0) & (groups[left[both]] == groups[right[both]])
    return same
