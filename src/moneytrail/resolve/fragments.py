"""Small clusters joining the one cluster a learned spelling variant points to: a cluster-level decision.

After clustering and ``resolve.attach``, a party's records can stay in two or more parts: a record or a
few records matched among themselves whose name the others spell another way ("Kovlo Darseryu" beside
"Kovol Darseryu"). When the case itself shows every edit between the two spellings to be a variant of
one name (``resolve.variant_edits``: the pair's name level is ``VARIANT_LEVEL``), the pair still weighs
little without a birth date, since variants are common. Against a cluster the question is narrower. A
fragment (a cluster of at most ``max_size`` records, or a record left alone) joins the one cluster it
meets at one of ``levels`` when it meets no other there and none holding its name as spelt, whatever their
weights; nothing may contradict the join (a distinct pair, a pair whose identifiers or birth dates
contradict, two members' birth dates that contradict though never compared, a negative judgement). The
pair's weight may be in the review band: the spelling the case learned tells more about this one pair
than its weight, which weighs every party of the surname. A cluster met only at a worse level is no
rival, and neither is one whose name is identical only when both are written in Arabic script, though
that level ranks above the variant one: without short vowels such a name fits every party whose
names differ only in them, a learned variant fits one spelling.

At 1M (seed 8, the validation population, main 57e7cf4's stored pairs; offline recluster, pairs in one
cluster) the rule added 4,035 true and 267 false pairs (P .9727 -> .9726, R .9394 -> .9421). Measured
before fragments that contradict each other were kept apart (below), where the best pair by weight had
to be the variant-level one: +3,394 / +461 at fragments of up to 6 records; up to 3: +2,936 / +311, lone
records only: +1,210 / +122, any size: +3,416 / +510; with the Arabic-script level joining too +12,336 /
+64,400. It costs ~1 CPU s: only clusters met by a pair at a join level between two clusters are read.

The join is one pass over the clusters as they stood: a fragment whose target is itself a fragment that
moves elsewhere stays where it is; two fragments that point to each other become one cluster; two
fragments joining one cluster that contradict each other join neither (in the cross-script case two
namesakes, apart by their own distinct pair, each joined the cluster a variant spelling pointed to).
"""

from __future__ import annotations

from collections.abc import Callable

from moneytrail.resolve.dated import dates_agree_sql
from moneytrail.resolve.model import IDENTICAL_LEVEL, VARIANT_LEVEL
from moneytrail.resolve.scoring import pair_contradicts_sql

# The name levels at which a fragment joins on its best pair below the match threshold.
FRAGMENT_LEVELS: tuple[int, ...] = (VARIANT_LEVEL,)
# The most records a fragment holds (a party's typo records matched to each other), chosen on seed 8.
FRAGMENT_SIZE = 6


def join_fragments(materialise: Callable[[str, str], str], components: str, *, pairs: str = "resolve_pairs",
                   judgements: str = "resolve_judgements", props: str = "resolve_props",
                   levels: tuple[int, ...] = FRAGMENT_LEVELS, max_size: int = FRAGMENT_SIZE) -> str:
    """The clusters after fragments joined their targets (module rule): (entity_id, component) of every record
    in ``components`` (entity_id, component) or joining one, in the relation ``materialise(sql, hint)`` names.
    A record left alone that joins takes its target's component; two lone records that join each other take a
    new one. In four statements, each stored: as one statement, its plan (every step inlined where it is read,
    as Spark does with a WITH clause) outgrew the Spark driver's memory."""
    if not levels or max_size < 1:
        return materialise(f"SELECT entity_id, component FROM {components}", "rs_fragments")
    small = materialise(fragment_units_sql(components, pairs=pairs, levels=levels, max_size=max_size),
                        "rs_fragment_units")
    edges = materialise(fragment_edges_sql(small, components, pairs=pairs), "rs_fragment_edges")
    units = materialise(fragment_members_sql(small, edges, components), "rs_fragment_members")
    moved = materialise(fragments_moved_sql(edges, units, components, judgements=judgements, props=props,
                                            levels=levels), "rs_fragment_moves")
    return materialise(fragments_joined_sql(components, moved, units), "rs_fragments")


def _unit(side: str, record: str) -> str:
    """A record's unit: 'c' and its component, or 'r' and its id when it is alone."""
    return f"coalesce('c' || CAST({side}.component AS VARCHAR), 'r' || {record})"


_LEVEL = "coalesce(person_name, org_name)"


def fragment_units_sql(components: str, *, pairs: str, levels: tuple[int, ...], max_size: int) -> str:
    """(entity_id, unit) of the fragments that may move: the members of clusters of at most ``max_size``
    records and the lone records met by a pair at one of ``levels`` between two units."""
    join_levels = ", ".join(str(int(v)) for v in levels)
    return f"""
        WITH variant AS (
            -- the pairs at a join level between two clusters: only their records' clusters can move
            SELECT {_unit("a", "p.left_id")} AS left_unit, {_unit("b", "p.right_id")} AS right_unit
            FROM {pairs} p LEFT JOIN {components} a ON a.entity_id = p.left_id
            LEFT JOIN {components} b ON b.entity_id = p.right_id
            WHERE {_LEVEL} IN ({join_levels}) AND p.decision <> 'distinct'
              AND (a.component IS NULL OR b.component IS NULL OR a.component <> b.component)
        ), candidates AS (
            SELECT DISTINCT left_unit AS unit FROM variant UNION SELECT right_unit FROM variant
        )
        SELECT m.entity_id, 'c' || CAST(m.component AS VARCHAR) AS unit FROM {components} m
        WHERE m.component IN (SELECT CAST(substr(unit, 2) AS BIGINT) FROM candidates WHERE starts_with(unit, 'c'))
        QUALIFY count(*) OVER (PARTITION BY m.component) <= {int(max_size)}
        UNION ALL SELECT substr(unit, 2), unit FROM candidates WHERE starts_with(unit, 'r')"""


def fragment_edges_sql(small: str, components: str, *, pairs: str) -> str:
    """(unit, target, weight, decision, level, contradicts): every stored pair from a fragment's member
    (``small``: ``fragment_units_sql``) to a record of another unit."""
    contradicts = pair_contradicts_sql()
    return f"""
        SELECT f.unit, {_unit("t", "e.other")} AS target, e.weight, e.decision, e.level, e.contradicts
        FROM (
            SELECT left_id AS rec, right_id AS other, weight, decision, {_LEVEL} AS level,
                   {contradicts} AS contradicts FROM {pairs} WHERE left_id IN (SELECT entity_id FROM {small})
            UNION ALL SELECT right_id, left_id, weight, decision, {_LEVEL}, {contradicts} FROM {pairs}
            WHERE right_id IN (SELECT entity_id FROM {small})
        ) e JOIN {small} f ON f.entity_id = e.rec LEFT JOIN {components} t ON t.entity_id = e.other
        WHERE f.unit <> {_unit("t", "e.other")}"""


def fragment_members_sql(small: str, edges: str, components: str) -> str:
    """(entity_id, unit): the records of the fragments and of their targets."""
    return f"""
        SELECT entity_id, unit FROM {small}
        UNION SELECT m.entity_id, 'c' || CAST(m.component AS VARCHAR) FROM {components} m
        WHERE m.component IN (SELECT DISTINCT CAST(substr(target, 2) AS BIGINT) FROM {edges}
                              WHERE starts_with(target, 'c'))
        UNION SELECT substr(target, 2), target FROM {edges} WHERE starts_with(target, 'r')"""


def fragments_moved_sql(edges: str, units: str, components: str, *, judgements: str, props: str,
                        levels: tuple[int, ...]) -> str:
    """(unit, joins, component): each fragment that joins (module rule), the unit it joins and the
    component it takes; ``edges`` and ``units`` as ``fragment_edges_sql`` and ``fragment_members_sql``."""
    join_levels = ", ".join(str(int(v)) for v in levels)
    return f"""
        WITH paired AS (
            SELECT unit, target, max(CASE WHEN decision <> 'distinct' THEN weight END) AS weight,
                   min(CASE WHEN decision <> 'distinct' THEN level END) AS level,
                   bool_or(decision = 'distinct' OR contradicts) AS against
            FROM {edges} GROUP BY 1, 2
        ), born AS (
            SELECT u.unit, p.value FROM {props} p JOIN {units} u ON u.entity_id = p.entity_id
            WHERE p.prop_class = 'birth_date'
        ), dated AS (
            -- a fragment's and a target's members whose birth dates contradict, compared or not: the join
            -- would hold a contradiction (``resolve.dated``)
            SELECT DISTINCT p.unit, p.target FROM paired p JOIN born a ON a.unit = p.unit
            JOIN born b ON b.unit = p.target WHERE NOT {dates_agree_sql("a.value", "b.value")}
        ), refused AS (
            SELECT DISTINCT a.unit, b.unit AS target FROM {judgements} j
            JOIN {units} a ON a.entity_id IN (j.left_id, j.right_id)
            JOIN {units} b ON b.entity_id IN (j.left_id, j.right_id) AND b.unit <> a.unit
            WHERE j.judgement = 'negative'
        ), targets AS (
            SELECT p.* FROM paired p WHERE NOT p.against AND p.weight IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM dated d WHERE d.unit = p.unit AND d.target = p.target)
              AND NOT EXISTS (SELECT 1 FROM refused x WHERE x.unit = p.unit AND x.target = p.target)
        ), moves AS (
            -- the one target met at a join level, and none met by the name as spelt: a name identical only
            -- in Arabic script (or agreeing worse) rivals nothing, whatever its weight
            SELECT unit, max(target) FILTER (WHERE level IN ({join_levels})) AS target FROM targets GROUP BY unit
            HAVING count(*) FILTER (WHERE level IN ({join_levels})) = 1
               AND count(*) FILTER (WHERE level = {IDENTICAL_LEVEL} AND level NOT IN ({join_levels})) = 0
        ), settled AS (
            -- one pass: a target that moves elsewhere is no target; two units moving to each other join
            SELECT m.unit, CASE WHEN t.target = m.unit THEN least(m.unit, m.target) ELSE m.target END AS into
            FROM moves m LEFT JOIN moves t ON t.unit = m.target
            WHERE t.unit IS NULL OR t.target = m.unit
        ), clashing AS (
            -- two fragments joining one cluster that contradict each other (a distinct pair, contradicting
            -- birth dates, a negative judgement): neither joins
            SELECT a.unit FROM settled a JOIN settled b ON b.into = a.into AND b.unit <> a.unit
            WHERE EXISTS (SELECT 1 FROM paired p WHERE p.unit = a.unit AND p.target = b.unit AND p.against)
               OR EXISTS (SELECT 1 FROM born x JOIN born y ON y.unit = b.unit
                          WHERE x.unit = a.unit AND NOT {dates_agree_sql("x.value", "y.value")})
               OR EXISTS (SELECT 1 FROM refused x WHERE x.unit = a.unit AND x.target = b.unit)
        ), joining AS (
            SELECT * FROM settled WHERE unit NOT IN (SELECT unit FROM clashing)
        ), numbered AS (
            -- a unit's component: its own, or for a pair of lone records a new one past the largest
            SELECT s.unit, s.into, CASE WHEN starts_with(s.into, 'c') THEN CAST(substr(s.into, 2) AS BIGINT)
                   ELSE (SELECT coalesce(max(component), -1) FROM {components}) + dense_rank() OVER (ORDER BY s.into)
                   END AS component
            FROM joining s
        )
        SELECT n.unit, n.into AS joins, n.component FROM numbered n"""


def fragments_joined_sql(components: str, moved: str, units: str) -> str:
    """(entity_id, component) of every record in ``components`` or joining one, the fragments in ``moved``
    (``fragments_moved_sql``) having joined their targets."""
    return f"""
        SELECT c.entity_id, c.component FROM {components} c
        WHERE c.component NOT IN (SELECT CAST(substr(unit, 2) AS BIGINT) FROM {moved} WHERE starts_with(unit, 'c'))
        UNION ALL SELECT u.entity_id, n.component FROM {moved} n JOIN {units} u ON u.unit = n.unit
        UNION ALL
        -- a lone record others join takes the new component as well
        SELECT DISTINCT u.entity_id, n.component FROM {moved} n JOIN {units} u ON u.unit = n.joins
        WHERE starts_with(n.joins, 'r') AND NOT EXISTS (SELECT 1 FROM {moved} s WHERE s.unit = n.joins)"""
