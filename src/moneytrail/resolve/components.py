"""Clusters of matched pairs as arrays: connected components with scipy, constraints where they bite.

``cluster.cluster_consistent`` says what a cluster is (components of the matched pairs; a component
holding a cannot-link pair is rebuilt strongest edge first, refusing joins a cannot-link forbids,
and ambiguous records join neither side). Here the components of all pairs come from
``scipy.sparse.csgraph.connected_components`` (millions of pairs, no Python loop), contradictions
a third record vouches for give way as arrays (``resolve.vouching``), and only the few components a
contradiction still splits are rebuilt, as ``cluster_consistent`` would, in vectorised rounds
(``resolve.rebuild``).
"""

from __future__ import annotations

import itertools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]

from moneytrail.resolve.cluster import AMBIGUOUS_MARGIN, NEVER_PLACED
from moneytrail.resolve.rebuild import rebuilt_labels
from moneytrail.resolve.shared_neighbours import rebuild_order
from moneytrail.resolve.sorting import sorted_distinct
from moneytrail.resolve.vouching import vouched_conflicts


class NumberedEdges:
    """Edges between records numbered 0..n-1 in order of first appearance (left ids, then right ids), as
    one hash pass over the strings would number them. Numbered once per recluster: a subset of the edges
    (``subset``) is renumbered from the integers, and the plain components are worked out once. ``others``:
    the numbers of further ids hashed in the same pass (-1: in no edge)."""

    def __init__(self, ids: pa.Array, left: np.ndarray, right: np.ndarray, others: tuple[np.ndarray, ...] = ()) -> None:
        self.ids, self.left, self.right, self.others = ids, left, right, others
        self._components: tuple[int, np.ndarray] | None = None

    @classmethod
    def of(cls, left: pa.Array | pa.ChunkedArray, right: pa.Array | pa.ChunkedArray,
           *others: pa.Array | pa.ChunkedArray) -> NumberedEdges:
        strings = pa.string()
        columns = (left, right, *others)
        chunks = [c for x in columns for c in (x.chunks if isinstance(x, pa.ChunkedArray) else [x])]
        encoded = pa.chunked_array([pc.cast(c, strings) for c in chunks], strings).combine_chunks().dictionary_encode()
        codes = encoded.indices.to_numpy().astype(np.int64)
        bounds = np.cumsum([0, *(len(x) for x in columns)])
        parts = [codes[a:b] for a, b in itertools.pairwise(bounds)]
        n = int(max(parts[0].max(), parts[1].max())) + 1 if len(left) else 0
        return cls(encoded.dictionary.slice(0, n), parts[0], parts[1],
                   tuple(np.where(p < n, p, -1) for p in parts[2:]))

    def subset(self, keep: np.ndarray) -> NumberedEdges:
        """The edges where ``keep``, their records numbered again in order of first appearance."""
        li, ri = self.left[keep], self.right[keep]
        # arrow's hash unique keeps the order of first appearance
        order = pc.unique(pa.array(np.concatenate([li, ri]))).to_numpy()
        renumber = np.full(len(self.ids) + 1, -1, np.int64)  # the last slot maps -1 to -1
        renumber[order] = np.arange(len(order))
        return NumberedEdges(self.ids.take(pa.array(order)), renumber[li], renumber[ri],
                             tuple(renumber[o] for o in self.others))

    def numbers(self, values: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """The number of each of ``values`` (-1: in no edge); for a few values: the hash table is theirs."""
        distinct = pc.unique(values).cast(pa.string())
        at = pc.index_in(self.ids, value_set=distinct)
        number = np.full(len(distinct) + 1, -1, np.int64)
        found = pc.is_valid(at).to_numpy(zero_copy_only=False)
        number[at.filter(found).to_numpy()] = np.flatnonzero(found)
        found_at: np.ndarray = number[pc.fill_null(pc.index_in(values, value_set=distinct), -1).to_numpy(
            zero_copy_only=False)]
        return found_at

    def components(self) -> tuple[int, np.ndarray]:
        """(count, label of every record): connected components of the edges, no contradiction applied."""
        if self._components is None:
            n = len(self.ids)
            graph = coo_matrix((np.ones(len(self.left), np.int8), (self.left, self.right)), shape=(n, n))
            count, labels = connected_components(graph, directed=False)
            self._components = int(count), labels.astype(np.int64)
        return self._components

    def component_table(self) -> pa.Table:
        """(entity_id, component) of every record in an edge: connected components, no contradiction applied."""
        return pa.table({"entity_id": self.ids, "component": pa.array(self.components()[1], pa.int64())})


def consistent_components(left: pa.Array, right: pa.Array, weights: np.ndarray, cannot_left: pa.Array,
                          cannot_right: pa.Array, cannot_weights: np.ndarray | None = None,
                          supports: np.ndarray | None = None, levels: np.ndarray | None = None,
                          numbered: NumberedEdges | None = None,
                          cannot_numbers: tuple[np.ndarray, np.ndarray] | None = None,
                          margin: float = AMBIGUOUS_MARGIN, place_margin: float = NEVER_PLACED,
                          shared_bonus: float = 0.0) -> pa.Table:
    """(entity_id, component) of every record in an edge; edges strongest first (``weights`` in bits,
    the order ``cluster_consistent`` rebuilds a conflicting component in). ``cannot_weights``: each
    cannot-link's match weight (bits; ``cluster.HARD_CANNOT_LINK`` for a judgement), and ``supports``
    each edge's evidence beyond names (bits), for ``cluster.vouched``; without them every cannot-link
    is hard. ``levels``: each edge's person-name level (-1 unknown), for ``cluster._ambiguous``'s rule
    that a cluster holding the record's name as spelt has no rival that agrees with it only worse.
    ``numbered``: ``left``-``right`` already numbered (``NumberedEdges``), with ``cannot_numbers``
    the numbers of ``cannot_left`` and ``cannot_right`` (-1: in no edge, so in no component). ``margin``:
    the rebuild's ambiguity margin (bits, ``resolve.rebuild``); ``place_margin``: by how much more of its members every
    other choice of an ambiguous record must leave unmatched for the record to join one (``cluster._placed``);
    ``shared_bonus``: the bits per share of shared records by which the rebuild reorders its edges
    (``resolve.shared_neighbours``)."""
    if numbered is None or cannot_numbers is None:
        # one hash pass numbers every record: those of the edges, then records only in a cannot-link (-1)
        numbered = NumberedEdges.of(left, right, cannot_left, cannot_right)
        cannot_numbers = numbered.others[0], numbered.others[1]
    li, ri, ids, n = numbered.left, numbered.right, numbered.ids, len(numbered.ids)
    if n == 0:
        return pa.table({"entity_id": pa.array([], pa.string()), "component": pa.array([], pa.int64())})
    count, labels = numbered.components()
    labels = labels.copy()
    ci, cj = cannot_numbers
    bites = (ci >= 0) & (cj >= 0)
    bites[bites] = labels[ci[bites]] == labels[cj[bites]]
    conflict = np.flatnonzero(bites)

    def broken_edges(conflict: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The components the contradictions ``conflict`` split, and their edges."""
        broken = sorted_distinct(labels[ci[conflict]])
        return broken, np.flatnonzero(np.isin(labels[li], broken))

    broken, inside = broken_edges(conflict)
    if len(conflict) and cannot_weights is not None and supports is not None:
        # contradictions a third record vouches for give way (cluster.vouched), as arrays; a record that vouches
        # is matched with both, so in their component: only those components' edges are read (a tenth at 1M)
        gone = vouched_conflicts(li[inside], ri[inside], np.asarray(supports, float)[inside], ci[conflict],
                                 cj[conflict], np.asarray(cannot_weights, float)[conflict], n)
        if gone.any():
            conflict = conflict[~gone]
            broken, inside = broken_edges(conflict)
    if len(conflict):
        # only the components a contradiction still splits are rebuilt (resolve.rebuild), on their own records,
        # their edges in the order resolve.shared_neighbours gives
        if shared_bonus:
            inside = inside[rebuild_order(li[inside], ri[inside], np.asarray(weights, float)[inside], n, shared_bonus)]
        members = np.flatnonzero(np.isin(labels, broken))
        local = np.full(n, -1, np.int64)
        local[members] = np.arange(len(members))
        rebuilt = rebuilt_labels(len(members), local[li[inside]], local[ri[inside]],
                                 np.asarray(weights, float)[inside], labels[li[inside]],
                                 local[ci[conflict]], local[cj[conflict]],
                                 margin=margin, levels=None if levels is None else np.asarray(levels)[inside],
                                 place_margin=place_margin)
        # a record of a broken component that joined nobody (ambiguous) stands alone
        labels[members] = count + rebuilt
    return pa.table({"entity_id": ids, "component": pa.array(labels, pa.int64())})


def canonical_sql(components: str, previous: str = "entity_canonical") -> str:
    """(entity_id, canonical_id) of every record in a component of two or more: a component keeps the
    smallest previous canonical id that names one of its members (added records join an existing entity,
    not rename it; when a cluster splits, the part without that record takes a new id), else takes its
    smallest member id. Components are disjoint, so no two can claim the same id."""
    return f"""
        WITH big AS (SELECT component, min(entity_id) AS first FROM {components}
                     GROUP BY component HAVING count(*) > 1),
        kept AS (SELECT m.component, min(c.canonical_id) AS canonical
                 FROM {components} m JOIN {previous} c ON c.entity_id = m.entity_id
                 JOIN {components} o ON o.entity_id = c.canonical_id AND o.component = m.component
                 GROUP BY m.component)
        SELECT m.entity_id, coalesce(k.canonical, b.first) AS canonical_id
        FROM {components} m JOIN big b ON b.component = m.component
        LEFT JOIN kept k ON k.component = m.component"""
