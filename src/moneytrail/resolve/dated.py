"""Birth dates a chain of matches would put in one cluster: contradictions no pair was scored for.

Clustering joins matched pairs transitively, so a record without a birth date ("Tinmi Peborim", an
Arabic-script writing, an initial) matched to two parties' dated records joins records whose birth dates
contradict, though no pair of them was ever compared: blocking and scoring saw the two only through the
undated record. A cluster knows more than each of its pairs. Two dated members of one component whose
dates contradict as a pair's birth-date level would (not equal, more than two digits off, another year:
``dates_agree_sql``, which ``resolve.attach`` reads too) are a contradiction like a ``distinct`` pair,
and the component is rebuilt around it (``resolve.components``): the weakest link of the chain is
dropped, and a record that sits between the two parties within the margin joins neither. Such a
contradiction weighs ``UNSCORED_WEIGHT`` bits, so a third record that agrees with both on evidence
beyond names still vouches for it (``cluster.vouched``: one mistyped date).
"""

from __future__ import annotations

# The weight of a contradiction no pair was scored for: only its birth dates (or identifiers,
# ``resolve.identified``) speak against the join.
UNSCORED_WEIGHT = 0.0


def dates_agree_sql(left: str, right: str) -> str:
    """Two birth dates a pair's birth-date level would not call contradicting: equal, at most two digits
    off (a typo), or of the same year. Attach and the rule here read dates by this one test."""
    return (f"({left} = {right} OR levenshtein({left}, {right}) <= 2 "
            f"OR substr({left}, 1, 4) = substr({right}, 1, 4))")


def unstored_sql(pairs: str, left: str, right: str) -> str:
    """No stored pair in ``pairs`` compares the records ``left`` and ``right``, in either order."""
    return (f"NOT EXISTS (SELECT 1 FROM {pairs} q WHERE q.left_id = {left} AND q.right_id = {right}) "
            f"AND NOT EXISTS (SELECT 1 FROM {pairs} q WHERE q.left_id = {right} AND q.right_id = {left})")


def dated_conflicts_sql(components: str, props: str = "resolve_props", pairs: str = "resolve_pairs") -> str:
    """(left_id, right_id, weight) of the members of one component in ``components`` (entity_id,
    component) whose birth dates contradict and that no stored pair compares; weight ``UNSCORED_WEIGHT``."""
    return f"""
        WITH born AS (
            SELECT m.component, m.entity_id, p.value FROM {components} m
            JOIN {props} p ON p.entity_id = m.entity_id AND p.prop_class = 'birth_date'
        ), dated AS (
            SELECT * FROM born WHERE component IN (
                SELECT component FROM born GROUP BY 1 HAVING count(DISTINCT value) > 1)
        ), apart AS (
            -- every date of one against every date of the other: none agrees as a pair's level would
            SELECT a.entity_id AS left_id, b.entity_id AS right_id FROM dated a JOIN dated b
            ON a.component = b.component AND a.entity_id < b.entity_id
            GROUP BY 1, 2
            HAVING NOT bool_or({dates_agree_sql("a.value", "b.value")})
        )
        SELECT x.left_id, x.right_id, CAST({float(UNSCORED_WEIGHT)} AS DOUBLE) AS weight FROM apart x
        WHERE {unstored_sql(pairs, "x.left_id", "x.right_id")}"""

