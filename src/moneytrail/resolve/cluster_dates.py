"""Two clusters linked by a pair whose members share a birth date are one: a cluster-level comparison.

A pair is compared on what its two records hold. "T. Peborim" without a birth date against "Tinmi
Peborim" without one stays in review; but when another record of each cluster bears the same birth
date ("تنم پبرم, 1970-01-01" and "Тинми Пеборим, 1970-01-01"), the clusters agree on the evidence
the trained model weighs most after identifiers (an equal birth date: about 13 bits at a million
records, against the review band's 3.6 between its bounds). Clusters (or records left alone) that
a pair in review, or a match clustering did not follow, links and that share a birth date are
merged, unless the pair itself contradicts (birth dates or identifiers) or an analyst said "not
the same" of any two of their records.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]

from moneytrail.engine import Engine
from moneytrail.resolve.scoring import CONTRADICTIONS


def dated_links_sql(members: str, *, pairs: str = "resolve_pairs", props: str = "resolve_props",
                    judgements: str = "resolve_judgements") -> str:
    """(a, b): groups (a component of ``members`` (entity_id, component), or 'record:<id>' for a record
    in none) that a pair in review or a match links and whose members share a birth date; see the module's rule."""
    contradicts = " OR ".join(f"coalesce(p.{level}, -1) = {value}" for level, value in CONTRADICTIONS.items())
    group = "coalesce(CAST({m}.component AS VARCHAR), 'record:' || {id})"
    return f"""
        WITH linked AS (
            SELECT DISTINCT {group.format(m="ma", id="p.left_id")} AS a, {group.format(m="mb", id="p.right_id")} AS b
            FROM {pairs} p LEFT JOIN {members} ma ON ma.entity_id = p.left_id
            LEFT JOIN {members} mb ON mb.entity_id = p.right_id
            WHERE p.decision IN ('review', 'match') AND NOT ({contradicts})
              AND ma.component IS DISTINCT FROM mb.component
        ), born AS (
            SELECT {group.format(m="m", id="d.entity_id")} AS g, d.entity_id, d.value
            FROM {props} d LEFT JOIN {members} m ON m.entity_id = d.entity_id
            WHERE d.prop_class = 'birth_date'
        ), dated AS (
            SELECT DISTINCT k.a, k.b FROM linked k JOIN born x ON x.g = k.a JOIN born y ON y.g = k.b
            WHERE x.value = y.value
        )
        SELECT a, b FROM dated"""


def refused_groups_sql(members: str, *, judgements: str = "resolve_judgements") -> str:
    """(a, b): the groups (as ``dated_links_sql`` names them) of two records an analyst said are not the same."""
    group = "coalesce(CAST(m.component AS VARCHAR), 'record:' || j.{side})"
    return f"""
        SELECT {group.format(side="left_id")} AS a, {group.replace("m.", "n.").format(side="right_id")} AS b
        FROM {judgements} j LEFT JOIN {members} m ON m.entity_id = j.left_id
        LEFT JOIN {members} n ON n.entity_id = j.right_id WHERE j.judgement = 'negative'"""


def _labels(a: pa.Array, b: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """(the groups, each group's merged label, each link's label) of the links a-b."""
    numbered = pa.chunked_array([a, b]).combine_chunks().dictionary_encode()
    codes = numbered.indices.to_numpy().astype(np.int64)
    n, half = len(numbered.dictionary), len(a)
    _, labels = connected_components(coo_matrix((np.ones(half, np.int8), (codes[:half], codes[half:])),
                                                shape=(n, n)), directed=False)
    return numbered.dictionary, labels.astype(np.int64), labels[codes[:half]].astype(np.int64)


def dated_merged(engine: Engine, members: pa.Table) -> pa.Table:
    """``members`` (entity_id, component) with the groups ``dated_links_sql`` links merged: the merged
    groups' records under one component (a new number), records alone there added."""
    with engine.run() as run:
        table = run.arrow(members, hint="rs_dated_members").name
        links = engine.query(dated_links_sql(table))
        refused = engine.query(refused_groups_sql(table))
    if not links.num_rows:
        return members
    a, b = links.column("a").combine_chunks(), links.column("b").combine_chunks()
    groups, labels, link_label = _labels(a, b)
    if refused.num_rows:
        # a merged group holding two records an analyst told apart: its links are not followed
        ra = pc.index_in(refused.column("a"), value_set=groups).to_numpy(zero_copy_only=False)
        rb = pc.index_in(refused.column("b"), value_set=groups).to_numpy(zero_copy_only=False)
        inside = ~np.isnan(ra.astype(float)) & ~np.isnan(rb.astype(float))
        ra, rb = ra[inside].astype(np.int64), rb[inside].astype(np.int64)
        bad = labels[ra][labels[ra] == labels[rb]]
        keep = pa.array(~np.isin(link_label, bad))
        a, b = a.filter(keep), b.filter(keep)
        if not len(a):
            return members
        groups, labels, _ = _labels(a, b)
    start = int(pc.max(members.column("component")).as_py() or 0) + 1 if members.num_rows else 0
    merged_label = pa.table({"g": groups, "merged": pa.array(labels + start)})
    groups = pc.cast(members.column("component"), pa.string())
    at = pc.index_in(groups, value_set=merged_label.column("g"))
    component = pc.if_else(pc.is_null(at), members.column("component"),
                           pc.take(merged_label.column("merged"), pc.fill_null(at, 0)))
    kept = pa.table({"entity_id": members.column("entity_id"), "component": component})
    lone = merged_label.filter(pc.starts_with(merged_label.column("g"), "record:"))
    added = pa.table({"entity_id": pc.utf8_slice_codeunits(lone.column("g"), len("record:")),
                      "component": lone.column("merged")})
    return pa.concat_tables([kept, added.cast(kept.schema)])
