"""Attaching a record left alone to the one cluster its evidence points to: a cluster-level decision.

A record whose name is the only evidence it carries (an initial and a surname, a spelling without
short vowels, no birth date) rarely reaches the pairwise match threshold in a large population: the
pair's odds weigh every other party that could bear such a name. Against a cluster, the question
is narrower. When the record's best pair goes into one cluster built from matches, no rival
comes within ``margin`` bits of it, and nothing contradicts it there (a
distinct pair, a pair whose identifiers or birth dates contradict whatever its weight, a negative
judgement), the parties that could bear its name have left no other trace
among the candidates: it joins that cluster. A cluster whose birth dates all contradict the
record's is contradicted too, though the member bearing one was never compared with it (a cluster
knows more than each of its pairs): such a cluster is neither the record's target nor a rival.
Agreement counts the same way: a cluster holding the record's own birth date, on a member never
compared with it, is the record's target ahead of clusters without it, below the Bayes decision too
(the pair's weight only knew the name); only another such cluster rivals it. At 1M (main 52e24b9's
stored pairs) that placed 34 more records, 97 true pairs and no false one.
Only records that are alone after clustering attach,
in one pass over the clusters as they stood, and an attached record is never a target: a record
cannot carry two clusters together, so the clustering stays non-chaining.

A rival is another cluster or record that explains the record's name as well: its names agree at
the best one's level or a better one. One whose names agree at a worse level (the best cluster
holds the name spelt as the record spells it, a rival only a name one letter or an initial off) is
no rival, whatever its weight: at a million records, where every name has near neighbours, such
rivals kept a fifth of the records left alone from the cluster their name agreed with best. Nor
is a record left alone whose own best target is the same cluster: it is another of its records.

A cluster is not a target either when more of its members were compared with the record and fell
below review than the record has stored pairs with: blocking put the two together (a shared key,
``resolve.blocking``'s block sizes) and the pair's weight stayed under review, so it was not stored.
A cluster knows more than the pairs that matched: an Arabic-script record of a namesake party matched
at 2 bits says little when the record's own Latin spelling was compared with that party's Latin
records and scored below review. At 1M (main ab875ee's stored pairs) that left 2,014 false and 51
true pairs out of the clusters (every member scored below review counting: 3,333 false, 884 true).

The records left alone are known before the clusters are (the records in no edge clustering joins), so
their stored pairs and the records blocking compared them with below review (``lone_edges_sql``,
``compared_below_sql``) can be read while the clusters are worked out (``pipeline.recluster``).

What it cannot see: a party with this one record and a name like another party's (``wrong_lone``
in the benchmark's diagnosis). That is the precision ``min_weight`` and ``margin`` trade.
"""

from __future__ import annotations

from moneytrail.resolve.blocking import DEFAULT_MAX_BLOCK, kept_blocks_sql
from moneytrail.resolve.cluster import AMBIGUOUS_MARGIN
from moneytrail.resolve.dated import dates_agree_sql, unstored_sql
from moneytrail.resolve.scoring import pair_contradicts_sql

# The least weight (bits) of the record's best pair into the cluster: the Bayes decision's, 0.
ATTACH_MIN_WEIGHT = 0.0
# How far (bits) every other cluster or record must stay below the best one: the margin clustering uses.
ATTACH_MARGIN = AMBIGUOUS_MARGIN


def alone_sql(clustered: str, records: str = "resolve_records") -> str:
    """(entity_id) of the records in ``records`` that are not in ``clustered`` (entity_id): the records in
    no edge of the clustering, left alone by it."""
    return (f"SELECT DISTINCT r.entity_id FROM {records} r "
            f"WHERE NOT EXISTS (SELECT 1 FROM {clustered} m WHERE m.entity_id = r.entity_id)")


def lone_edges_sql(alone: str, pairs: str = "resolve_pairs") -> str:
    """(rec, other, weight, decision, level, contradicts): every stored pair of a record in ``alone``
    (entity_id), from its side."""
    # A namesake born in another year can still weigh above 0 on a rare shared name (the demo's planted
    # namesakes: 0.57 bits); joining a cluster on such a pair would merge two people the records tell apart.
    contradicts = pair_contradicts_sql()
    level = "coalesce(person_name, org_name)"
    return f"""
        SELECT left_id AS rec, right_id AS other, weight, decision, {level} AS level, {contradicts} AS contradicts
        FROM {pairs} WHERE left_id IN (SELECT entity_id FROM {alone})
        UNION ALL SELECT right_id, left_id, weight, decision, {level}, {contradicts} FROM {pairs}
        WHERE right_id IN (SELECT entity_id FROM {alone})"""


def facing_sql(edges: str, alone: str) -> str:
    """(entity_id) of the records in ``edges`` (``lone_edges_sql``) with a stored pair into a record not in
    ``alone``, so into a cluster: only they can be kept from one by the records compared below review."""
    return (f"SELECT DISTINCT e.rec AS entity_id FROM {edges} e "
            f"WHERE NOT EXISTS (SELECT 1 FROM {alone} a WHERE a.entity_id = e.other)")


def compared_below_sql(records: str, *, pairs: str = "resolve_pairs", keys: str = "resolve_keys",
                       max_block: int = DEFAULT_MAX_BLOCK, within: tuple[str, str] | None = None) -> str:
    """(rec, member): each record in ``records`` (entity_id) and the records blocking compared it with whose
    pair fell below review (not stored): they share a key of ``keys`` held by few enough records
    (``blocking.kept_blocks_sql``'s block sizes, ``max_block``). ``within``: (edges, groups): only members of
    a group (entity_id, component) of ``groups`` holding a record that a pair of the record in ``edges``
    (``lone_edges_sql``) reaches; clusters that only split those groups have no other member to read."""
    own = (f"(SELECT k.entity_id AS rec, k.grp, k.block_key FROM {keys} k "
           f"WHERE k.entity_id IN (SELECT entity_id FROM {records}))")
    kept = kept_blocks_sql(keys, max_block=max_block, among=f"{own} o")
    reach = ""
    if within is not None:
        edges, groups = within
        reach = (f"JOIN {groups} g ON g.entity_id = b.entity_id JOIN (SELECT DISTINCT e.rec, t.component "
                 f"FROM {edges} e JOIN {groups} t ON t.entity_id = e.other) r "
                 f"ON r.rec = a.rec AND r.component = g.component")
    return f"""
        SELECT DISTINCT a.rec, b.entity_id AS member FROM {own} a
        JOIN {keys} b ON b.block_key = a.block_key AND b.grp = a.grp AND b.entity_id <> a.rec {reach}
        WHERE a.block_key IN (SELECT block_key FROM ({kept}) kept)
          AND {unstored_sql(pairs, "a.rec", "b.entity_id")}"""


def attached_sql(components: str, *, pairs: str = "resolve_pairs", records: str = "resolve_records",
                 judgements: str = "resolve_judgements", props: str = "resolve_props", keys: str = "resolve_keys",
                 min_weight: float = ATTACH_MIN_WEIGHT, margin: float = ATTACH_MARGIN,
                 skip_levels: tuple[int, ...] = (), max_block: int = DEFAULT_MAX_BLOCK,
                 prepared: tuple[str, str] | None = None) -> str:
    """(entity_id, component) of the records in ``records`` that are in no component of
    ``components`` (entity_id, component) and attach to one; see the module's rule. ``skip_levels``: name
    levels at which a record attaches only to a cluster holding its own birth date. ``keys`` and
    ``max_block``: the blocking keys and block size that made the candidate pairs. ``prepared``: the
    relations ``lone_edges_sql`` and ``compared_below_sql`` made for those records (``alone_sql`` of the
    records in ``components``), when read already."""
    if prepared is None:
        edges, compared = "edges", "compared"
        prepare = f"""
            alone AS ({alone_sql(components, records)}),
            edges AS ({lone_edges_sql("alone", pairs)}),
            facing AS ({facing_sql("edges", "alone")}),
            compared AS ({compared_below_sql("facing", pairs=pairs, keys=keys, max_block=max_block)}),"""
    else:
        edges, compared = prepared
        prepare = ""
    return f"""
        WITH {prepare} refused AS (
            SELECT left_id AS rec, right_id AS other FROM {judgements} WHERE judgement = 'negative'
            UNION ALL SELECT right_id, left_id FROM {judgements} WHERE judgement = 'negative'
        ), paired AS (
            SELECT e.rec, coalesce(CAST(m.component AS VARCHAR), 'record:' || e.other) AS target,
                   max(m.component) AS component, max(CASE WHEN m.component IS NULL THEN e.other END) AS lone,
                   max(CASE WHEN e.decision <> 'distinct' THEN e.weight END) AS weight,
                   min(CASE WHEN e.decision <> 'distinct' THEN e.level END) AS level,
                   bool_or(e.decision = 'distinct' OR e.contradicts) AS against, count(*) AS stored
            FROM {edges} e LEFT JOIN {components} m ON m.entity_id = e.other
            GROUP BY 1, 2
        ), below AS (
            -- per target, its members the record was compared with whose pair fell below review
            SELECT p.rec, p.target, count(*) AS members FROM {compared} x
            JOIN {components} m ON m.entity_id = x.member JOIN paired p ON p.rec = x.rec AND p.component = m.component
            GROUP BY 1, 2
        ), born AS (
            SELECT entity_id, value FROM {props} WHERE prop_class = 'birth_date'
        ), dates AS (
            -- the record's birth dates against the cluster's, whether or not the member that bears one was
            -- compared: whether any agrees (else all contradict, as a pair's level 4 would: not equal, more
            -- than two digits off, another year), and whether the cluster holds the record's own date
            SELECT p.rec, p.target, bool_or({dates_agree_sql("r.value", "c.value")}) AS agrees,
                   bool_or(r.value = c.value) AS dated
            FROM paired p JOIN born r ON r.entity_id = p.rec
            JOIN {components} m ON m.component = p.component JOIN born c ON c.entity_id = m.entity_id
            GROUP BY 1, 2
        ), targets AS (
            -- a contradicted target, or one with more members compared below review than pairs stored, is
            -- neither the record's best one nor a rival of it
            SELECT p.*, coalesce(d.dated, FALSE) AS dated FROM paired p
            LEFT JOIN dates d ON d.rec = p.rec AND d.target = p.target
            WHERE NOT p.against AND coalesce(d.agrees, TRUE)
              AND NOT EXISTS (SELECT 1 FROM below w WHERE w.rec = p.rec AND w.target = p.target
                              AND w.members > p.stored)
        ), ranked AS (
            SELECT *, row_number() OVER (PARTITION BY rec ORDER BY dated DESC, weight DESC NULLS LAST, target) AS rank
            FROM targets
        ), best AS (
            SELECT * FROM ranked WHERE rank = 1
        ), rivals AS (
            -- the other targets that explain the record's name as well as the best one does: not one
            -- whose names agree at a worse level, and not a record left alone that points to the same cluster
            SELECT b.rec, max(o.weight) AS runner_up
            FROM best b JOIN ranked o ON o.rec = b.rec AND o.rank > 1
            LEFT JOIN best ob ON ob.rec = o.lone
            WHERE (o.level IS NULL OR b.level IS NULL OR o.level <= b.level)
              AND NOT coalesce(ob.component = b.component, FALSE) AND (o.dated OR NOT b.dated)
            GROUP BY b.rec
        )
        SELECT b.rec AS entity_id, b.component FROM best b LEFT JOIN rivals r ON r.rec = b.rec
        WHERE b.component IS NOT NULL AND (b.weight >= {float(min_weight)} OR b.dated)
          AND (b.dated OR coalesce(b.level, -1) NOT IN ({", ".join(str(int(v)) for v in (*skip_levels, -2))}))
          AND (r.runner_up IS NULL OR r.runner_up <= b.weight - {float(margin)})
          -- an analyst's "not the same" with any member of the cluster, compared or not
          AND NOT EXISTS (SELECT 1 FROM refused x JOIN {components} m ON m.entity_id = x.other
                          WHERE x.rec = b.rec AND m.component = b.component)"""
