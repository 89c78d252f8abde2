"""Identifiers a chain of matches would put in one cluster: contradictions no pair was scored for.

The identifier analogue of ``resolve.dated``. Two parties that share a name and bear different
identifiers of one scheme are kept apart by their pair's identifier level, but only where that pair
was compared: a record without the identifier (a writing in another script, a source that does not
carry it) matched to both chains them into one component, and their pair is never scored. Members of
one component that hold values of one identifier class, not all equal, and that no stored pair
compares are compared here by the pair comparison itself (``evidence_levels.compare_evidence``:
scheme, checksum, corroboration of a near value); where their identifier level is the one that
contradicts (``scoring.CONTRADICTIONS``: both checksums hold or none exists, more than two
characters apart) they are a contradiction of ``dated.UNSCORED_WEIGHT`` bits for the rebuild. A value
that fails its checksum, or one or two characters off (a typo), is no contradiction, as in a pair.
"""

from __future__ import annotations

import pyarrow as pa

from moneytrail.engine import Engine
from moneytrail.resolve.dated import UNSCORED_WEIGHT, unstored_sql
from moneytrail.resolve.evidence_levels import compare_evidence
from moneytrail.resolve.features import IDENTIFIER_CLASSES
from moneytrail.resolve.scoring import CONTRADICTIONS


def identifier_candidates_sql(components: str, props: str = "resolve_props", pairs: str = "resolve_pairs") -> str:
    """(left_id, right_id) of the members of one component in ``components`` (entity_id, component)
    that both hold a value of an identifier class whose values differ within the component, and
    that no stored pair compares."""
    classes = ", ".join(f"'{c}'" for c in sorted(set(IDENTIFIER_CLASSES.values())))
    return f"""
        WITH held AS (
            SELECT m.component, m.entity_id, p.prop_class, p.value FROM {components} m
            JOIN {props} p ON p.entity_id = m.entity_id AND p.prop_class IN ({classes})
        ), differing AS (
            SELECT DISTINCT h.component, h.entity_id, h.prop_class FROM held h JOIN (
                SELECT component, prop_class FROM held GROUP BY 1, 2 HAVING count(DISTINCT value) > 1
            ) d ON d.component = h.component AND d.prop_class = h.prop_class
        )
        SELECT DISTINCT a.entity_id AS left_id, b.entity_id AS right_id FROM differing a JOIN differing b
        ON a.component = b.component AND a.prop_class = b.prop_class AND a.entity_id < b.entity_id
        WHERE {unstored_sql(pairs, "a.entity_id", "b.entity_id")}"""


def identifier_conflicts(engine: Engine, components: str, props: str = "resolve_props",
                         pairs: str = "resolve_pairs") -> pa.Table:
    """(left_id, right_id, weight) of ``identifier_candidates_sql``'s pairs whose identifiers
    contradict as a compared pair's would; weight ``UNSCORED_WEIGHT``."""
    candidates, levels = engine.scratch_name("rs_id_cand"), engine.scratch_name("rs_id_levels")
    engine.create_scratch(candidates, identifier_candidates_sql(components, props, pairs))
    try:
        compare_evidence(engine, candidates, props, props, levels, engine.scratch_name)
        return engine.query(f"SELECT left_id, right_id, CAST({float(UNSCORED_WEIGHT)} AS DOUBLE) AS weight "
                            f"FROM {levels} WHERE identifier = {CONTRADICTIONS['identifier']}")
    finally:
        for name in (candidates, levels):
            engine.drop_scratch(name)
