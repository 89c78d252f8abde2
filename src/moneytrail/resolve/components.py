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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]

from moneytrail.resolve.rebuild import rebuilt_labels
from moneytrail.resolve.sorting import sorted_distinct
from moneytrail.resolve.vouching import vouched_conflicts


def consistent_components(left: pa.Array, right: pa.Array, weights: np.ndarray, cannot_left: pa.Array,
                          cannot_right: pa.Array, cannot_weights: np.ndarray | None = None,
                          supports: np.ndarray | None = None, levels: np.ndarray | None = None) -> pa.Table:
    """(entity_id, component) of every record in an edge; edges strongest first (``weights`` in bits,
    the order ``cluster_consistent`` rebuilds a conflicting component in). ``cannot_weights``: each
    cannot-link's match weight (bits; ``cluster.HARD_CANNOT_LINK`` for a judgement), and ``supports``
    each edge's evidence beyond names (bits), for ``cluster.vouched``; without them every cannot-link
    is hard. ``levels``: each edge's person-name level (-1 unknown), for ``cluster._ambiguous``'s rule
    that a cluster holding the record's name as spelt has no rival that agrees with it only worse."""
    # one hash pass numbers every record: those of the edges first (0..n-1, in order of appearance),
    # then records that are only in a cannot-link (n and above: in no component)
    strings = pa.string()
    numbered = pa.chunked_array([pc.cast(x, strings) for x in (left, right, cannot_left, cannot_right)],
                                strings).combine_chunks().dictionary_encode()
    codes = numbered.indices.to_numpy().astype(np.int64)
    edges_n, cannot_n = len(left), len(cannot_left)
    li, ri = codes[:edges_n], codes[edges_n:2 * edges_n]
    n = int(max(li.max(), ri.max())) + 1 if edges_n else 0
    if n == 0:
        return pa.table({"entity_id": pa.array([], pa.string()), "component": pa.array([], pa.int64())})
    ids = numbered.dictionary.slice(0, n)
    graph = coo_matrix((np.ones(len(li), np.int8), (li, ri)), shape=(n, n))
    count, labels = connected_components(graph, directed=False)
    labels = labels.astype(np.int64)
    ci, cj = codes[2 * edges_n:2 * edges_n + cannot_n], codes[2 * edges_n + cannot_n:]
    ci, cj = np.where(ci < n, ci, -1), np.where(cj < n, cj, -1)
    bites = (ci >= 0) & (cj >= 0)
    bites[bites] = labels[ci[bites]] == labels[cj[bites]]
    conflict = np.flatnonzero(bites)
    if len(conflict) and cannot_weights is not None and supports is not None:
        # contradictions a third record vouches for give way (cluster.vouched), as arrays
        gone = vouched_conflicts(li, ri, np.asarray(supports, float), ci[conflict], cj[conflict],
                                 np.asarray(cannot_weights, float)[conflict], n)
        conflict = conflict[~gone]
    if len(conflict):
        # only the components a contradiction still splits are rebuilt (resolve.rebuild), on their own records
        broken = sorted_distinct(labels[ci[conflict]])
        inside = np.flatnonzero(np.isin(labels[li], broken))
        members = np.flatnonzero(np.isin(labels, broken))
        local = np.full(n, -1, np.int64)
        local[members] = np.arange(len(members))
        rebuilt = rebuilt_labels(len(members), local[li[inside]], local[ri[inside]],
                                 np.asarray(weights, float)[inside], labels[li[inside]],
                                 local[ci[conflict]], local[cj[conflict]],
                                 levels=None if levels is None else np.asarray(levels)[inside])
        # a record of a broken component that joined nobody (ambiguous) stands alone
        labels[members] = count + rebuilt
    return pa.table({"entity_id": ids, "component": pa.array(labels, pa.int64())})


def plain_components(left: pa.Array, right: pa.Array) -> pa.Table:
    """(entity_id, component) of every record in an edge: connected components, no contradiction applied."""
    none = pa.array([], pa.string())
    return consistent_components(left, right, np.zeros(len(left)), none, none)


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
