"""Records with an initial do not chain clusters: a cluster-level check on the matches of such records.

"T. Peborim" agrees with "Tinmi Peborim" and with "Teka Peborim" alike: an initial cannot contradict
either given name. Clustering joins matched pairs transitively, so a record with an initial whose
matches go into two clusters (or a group of such records, "T. Peborim" twice) would join two
parties whose full names contradict each other. Its matches at ``model.INITIAL_LEVEL`` are kept
only where they go into one cluster, or where the best cluster beats every other by the margin
clustering uses for ambiguous records; otherwise they are dropped, and the record is left to
``resolve.attach``, whose rivals rule decides the same way and never lets a record carry two clusters.

The clusters here are the components of the other matches (plain connected components, without the
contradictions ``resolve.components`` applies afterwards): what the records with an initial would join.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moneytrail.engine import Engine
from moneytrail.resolve.cluster import AMBIGUOUS_MARGIN
from moneytrail.resolve.comparisons import initial_token_sql
from moneytrail.resolve.components import NumberedEdges
from moneytrail.resolve.model import INITIAL_LEVEL


def bridging_sql(matched: str, components: str, names: str, *, margin: float = AMBIGUOUS_MARGIN) -> str:
    """(left_id, right_id) of the matched pairs in ``matched`` (left_id, right_id, weight, person_name) at
    INITIAL_LEVEL that would join a record with an initial (its group: its component in ``components``)
    to one of several clusters none of which stands out by ``margin`` bits; see the module's rule."""
    initial = initial_token_sql("n.norm")
    return f"""
        WITH edges AS (
            SELECT left_id, right_id, weight FROM {matched} WHERE person_name = {INITIAL_LEVEL}
        ), with_initial AS (
            SELECT DISTINCT n.entity_id FROM {names} n
            WHERE n.entity_id IN (SELECT left_id FROM edges UNION SELECT right_id FROM edges) AND {initial}
        ), sided AS (
            -- the record with the initial is the source; the one with the full name its target
            SELECT e.left_id, e.right_id, e.weight,
                   CASE WHEN l.entity_id IS NOT NULL THEN e.left_id ELSE e.right_id END AS source,
                   CASE WHEN l.entity_id IS NOT NULL THEN e.right_id ELSE e.left_id END AS target
            FROM edges e LEFT JOIN with_initial l ON l.entity_id = e.left_id
            LEFT JOIN with_initial r ON r.entity_id = e.right_id
            WHERE (l.entity_id IS NULL) <> (r.entity_id IS NULL)
        ), grouped AS (
            SELECT s.left_id, s.right_id, s.weight,
                   coalesce(CAST(a.component AS VARCHAR), 'record:' || s.source) AS source_group,
                   coalesce(CAST(b.component AS VARCHAR), 'record:' || s.target) AS target_group
            FROM sided s LEFT JOIN {components} a ON a.entity_id = s.source
            LEFT JOIN {components} b ON b.entity_id = s.target
        ), reach AS (
            SELECT source_group, target_group, max(weight) AS weight,
                   row_number() OVER (PARTITION BY source_group ORDER BY max(weight) DESC, target_group) AS rank
            FROM grouped WHERE source_group <> target_group GROUP BY 1, 2
        ), decided AS (
            SELECT b.source_group, b.target_group AS kept
            FROM reach b LEFT JOIN reach o ON o.source_group = b.source_group AND o.rank = 2
            WHERE b.rank = 1 AND (o.weight IS NULL OR o.weight <= b.weight - {float(margin)})
        )
        SELECT g.left_id, g.right_id FROM grouped g
        LEFT JOIN decided d ON d.source_group = g.source_group
        WHERE g.source_group <> g.target_group AND g.target_group IS DISTINCT FROM d.kept"""


def unbridged(engine: Engine, matched: pa.Table, names: str = "resolve_names") -> pa.Table:
    """The matched pairs (left_id, right_id, person_name, ...; in their order) without ``bridging_sql``'s."""
    numbered = NumberedEdges.of(matched.column("left_id"), matched.column("right_id"))
    return matched.filter(pa.array(unbridged_mask(engine, matched, numbered, names), pa.bool_()))


def unbridged_mask(engine: Engine, matched: pa.Table, numbered: NumberedEdges,
                   names: str = "resolve_names", *, margin: float = AMBIGUOUS_MARGIN) -> np.ndarray:
    """Which of the matched pairs ``unbridged`` keeps; ``numbered``: their left and right ids, numbered
    (the components of the pairs not at the initial level come from it without hashing the ids again)."""
    level = pc.fill_null(matched.column("person_name"), -1).to_numpy(zero_copy_only=False)
    at_initial = level == INITIAL_LEVEL
    if not at_initial.any():
        return np.ones(len(level), bool)
    components = numbered.subset(~at_initial).component_table()
    edges = matched.filter(pa.array(at_initial, pa.bool_())).select(["left_id", "right_id", "weight", "person_name"])
    with engine.run() as run:
        groups = run.arrow(components, hint="rs_initial_groups").name
        dropped = engine.query(bridging_sql(run.arrow(edges, hint="rs_initial_edges").name, groups, names,
                                             margin=margin))
    if not dropped.num_rows:
        return np.ones(len(level), bool)

    # a pair as one integer from its records' numbers: every dropped pair's records are numbered
    def keyed(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        key: np.ndarray = left * len(numbered.ids) + right
        return key

    initial = np.flatnonzero(at_initial)
    gone = np.isin(keyed(numbered.left[initial], numbered.right[initial]),
                   keyed(numbered.numbers(dropped.column("left_id")), numbered.numbers(dropped.column("right_id"))))
    kept = np.ones(len(level), bool)
    kept[initial[gone]] = False
    return kept
