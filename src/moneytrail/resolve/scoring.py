"""Comparison and scoring of candidate pairs, with an explanation of every weight.

The model is Fellegi-Sunter in spirit: each signal adds a log-odds weight (positive for agreement,
negative for disagreement) to a prior, and the sum becomes a match probability. The weights are
fixed and documented so an analyst can read why two records were merged: names (transliteration,
order, initials, legal forms), name rarity, identifiers (strong for; against when they contradict,
weakly for when they differ by a typo), birth dates, countries and addresses. Disagreement is graded
(one shared name token, a date or identifier one or two characters off) because real sources, and
the FEBRL benchmark, corrupt given names, dates and identifiers of the same person. The weights are
hand-set against FEBRL and the project's own cases, not estimated per dataset (no EM pass yet).

Everything is set-based SQL except one step: pairs of names that neither the order-free token key
nor the consonant-skeleton key settles are compared by ``model.names.compare_names`` in Python,
once per distinct pair of normalised names. The explanation (JSON) is assembled in SQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyarrow as pa

from moneytrail.engine import Engine
from moneytrail.engine.scratch import Run
from moneytrail.model.names import compare_names
from moneytrail.resolve.features import IDENTIFIER_CLASSES, PERSON_GROUP

PRIOR = -4.0
# (minimum name score, weight, rule), first that applies wins.
NAME_BANDS = ((0.99, 6.0, "name identical after transliteration"), (0.9, 5.0, "name near-identical"),
              (0.85, 3.5, "name similar"), (0.75, 1.5, "name partly similar"), (0.6, -1.0, "name weakly similar"),
              (0.45, -2.5, "names share a token, others differ"), (0.0, -5.0, "names differ"))
# Organisations are often listed under a translated name ("Golden Oasis Exchange" for "Al Waha Al
# Dhahabiya"), so a name mismatch counts less against them than against people.
ORG_NAMES_DIFFER = -3.0
SKELETON_SCORE = 0.93  # names whose consonant skeletons agree token for token (model.names.TRANSLIT)
# Identifiers are mistyped and reissued (FEBRL corrupts a share of them on purpose): a contradiction
# outweighs an identical name's edge over the prior but not that plus an equal birth date and a
# rare name. Two random identifiers seldom differ by one or two characters (a typo, a
# transposition), so that is weak evidence for a match, not a contradiction.
IDENTIFIER_SAME, IDENTIFIER_TYPO, IDENTIFIER_NEAR, IDENTIFIER_CONFLICT = 9.0, 2.0, 0.5, -3.5
BIRTH_SAME, BIRTH_TYPO, BIRTH_NEAR, BIRTH_SAME_YEAR, BIRTH_CONFLICT = 3.0, 1.0, -1.0, -1.0, -4.0
COUNTRY_SAME, COUNTRY_CONFLICT = 0.5, -1.0
ADDRESS_SAME, ADDRESS_CLOSE, ADDRESS_CONFLICT = 2.0, 1.0, -0.5
# Term frequency: agreeing on a name few records share is stronger evidence (log(RARE_AT / freq),
# at most RARITY_CAP). Frequencies mean little in a handful of records, so only from MIN_POPULATION.
RARE_AT, RARITY_CAP, RARITY_MIN_NAME, MIN_POPULATION = 20.0, 2.5, 0.85, 1000


@dataclass(frozen=True)
class Thresholds:
    match: float = 0.9
    review: float = 0.5


def probability(weight: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(weight, 50.0), -50.0)))


def rarity_weight(key_freq: int, name_score: float, population: int) -> float:
    if population < MIN_POPULATION or name_score < RARITY_MIN_NAME or key_freq <= 0:
        return 0.0
    return min(RARITY_CAP, max(0.0, math.log(RARE_AT / key_freq)))


def _json_str_sql(expr: str) -> str:
    """A JSON string literal of a text expression, escaped in SQL."""
    escaped = f"replace(replace(replace(coalesce({expr}, ''), '\\', '\\\\'), '\"', '\\\"'), chr(10), ' ')"
    return f"'\"' || {escaped} || '\"'"


def _signal_sql(signal: str, rule: str, weight: str, left: str, right: str, detail: str | None = None) -> str:
    """A JSON object of one signal, as a SQL string expression."""
    parts = [f"'{{\"signal\": ' || {_json_str_sql(signal)}", f"'\"rule\": ' || {_json_str_sql(rule)}",
             f"'\"weight\": ' || CAST(round({weight}, 2) AS VARCHAR)", f"'\"left\": ' || {_json_str_sql(left)}",
             f"'\"right\": ' || {_json_str_sql(right)}"]
    if detail:
        parts.append(f"'\"detail\": ' || {_json_str_sql(detail)}")
    return " || ', ' || ".join(parts) + " || '}'"


def name_pairs_sql(pairs: str, left_names: str, right_names: str) -> str:
    """Every pair of names of every candidate pair, with the score when a key settles it."""
    return f"""
        SELECT c.left_id, c.right_id, c.grp, c.key_freq, a.name AS left_name, b.name AS right_name,
               a.norm AS left_norm, b.norm AS right_norm,
               CASE WHEN a.nkey = b.nkey THEN 1.0 WHEN a.skey = b.skey THEN {SKELETON_SCORE} END AS quick_score
        FROM {pairs} c JOIN {left_names} a ON a.entity_id = c.left_id
        JOIN {right_names} b ON b.entity_id = c.right_id"""


def best_name_sql(name_pairs: str, name_scores: str) -> str:
    """The best-scoring name pair of each candidate pair, with its weight and rule."""
    score = "coalesce(n.quick_score, s.score, 0.0)"
    bands = " ".join(f"WHEN name_score >= {floor} THEN {w}" for floor, w, _ in NAME_BANDS[:-1])
    rules = " ".join(f"WHEN name_score >= {floor} THEN '{r}'" for floor, _, r in NAME_BANDS[:-1])
    return f"""
        SELECT t.*,
               CASE {bands} WHEN grp = '{PERSON_GROUP}' THEN {NAME_BANDS[-1][1]} ELSE {ORG_NAMES_DIFFER} END
                   AS name_weight,
               CASE {rules} ELSE '{NAME_BANDS[-1][2]}' END AS name_rule
        FROM (
            SELECT n.left_id, n.right_id, n.grp, n.key_freq, n.left_name, n.right_name, {score} AS name_score,
                   CASE WHEN n.quick_score = 1.0 THEN 'same tokens after transliteration'
                        WHEN n.quick_score IS NOT NULL THEN 'same consonant skeleton per token (transliteration)'
                        ELSE coalesce(s.detail, '') END AS name_detail,
                   row_number() OVER (PARTITION BY n.left_id, n.right_id
                                      ORDER BY {score} DESC, n.left_name, n.right_name) AS rn
            FROM {name_pairs} n LEFT JOIN {name_scores} s
              ON s.grp = n.grp AND s.left_norm = n.left_norm AND s.right_norm = n.right_norm
        ) t WHERE t.rn = 1"""


def left_evidence_sql(pairs: str, left_props: str) -> str:
    """Step one of the evidence join: each pair with its left record's values. Materialised on its
    own so the planner cannot pair all left and right values of a class first (a cross product)."""
    return f"""
        SELECT c.left_id, c.right_id, a.prop_class, a.value
        FROM {pairs} c JOIN {left_props} a ON a.entity_id = c.left_id"""


def evidence_sql(left_evidence: str, right_props: str) -> str:
    """Per pair and evidence class: the rule that applies, its weight, and the values it rests on."""
    ids = ", ".join(f"'{c}'" for c in sorted(set(IDENTIFIER_CLASSES.values())))
    # Long addresses collect more typos and abbreviations: "near" scales with the length.
    near_address = "greatest(3, greatest(length(lv), length(rv)) / 3)"
    weight = f"""CASE
        WHEN cls IN ({ids}) THEN CASE WHEN same = 1 THEN {IDENTIFIER_SAME}
            WHEN min_edit <= 1 AND length(lv) >= 5 THEN {IDENTIFIER_TYPO}
            WHEN min_edit <= 2 AND length(lv) >= 5 THEN {IDENTIFIER_NEAR} ELSE {IDENTIFIER_CONFLICT} END
        WHEN cls = 'birth_date' THEN CASE WHEN same = 1 THEN {BIRTH_SAME} WHEN min_edit <= 1 THEN {BIRTH_TYPO}
            WHEN min_edit <= 2 THEN {BIRTH_NEAR}
            WHEN same_prefix = 1 THEN {BIRTH_SAME_YEAR} ELSE {BIRTH_CONFLICT} END
        WHEN cls = 'country' THEN CASE WHEN same = 1 THEN {COUNTRY_SAME} ELSE {COUNTRY_CONFLICT} END
        ELSE CASE WHEN same = 1 THEN {ADDRESS_SAME} WHEN min_edit <= {near_address} THEN {ADDRESS_CLOSE}
            ELSE {ADDRESS_CONFLICT} END END"""
    rule = f"""CASE
        WHEN cls IN ({ids}) THEN CASE WHEN same = 1 THEN 'identifier equal'
            WHEN min_edit <= 1 AND length(lv) >= 5 THEN 'identifier differs by one character (typo?)'
            WHEN min_edit <= 2 AND length(lv) >= 5 THEN 'identifier differs by two characters (transposition?)'
            ELSE 'identifiers contradict' END
        WHEN cls = 'birth_date' THEN CASE WHEN same = 1 THEN 'birth date equal'
            WHEN min_edit <= 1 THEN 'birth date differs by one digit'
            WHEN min_edit <= 2 THEN 'birth date differs by two digits (transposition?)'
            WHEN same_prefix = 1 THEN 'same birth year, different day' ELSE 'birth dates contradict' END
        WHEN cls = 'country' THEN CASE WHEN same = 1 THEN 'country shared' ELSE 'countries differ' END
        ELSE CASE WHEN same = 1 THEN 'address equal' WHEN min_edit <= {near_address} THEN 'address nearly equal'
            ELSE 'addresses differ' END END"""
    return f"""
        SELECT left_id, right_id, {weight} AS weight,
               {_signal_sql("cls", rule, weight, "coalesce(shared, lv)", "coalesce(shared, rv)")} AS signal
        FROM (
            SELECT a.left_id, a.right_id, a.prop_class AS cls,
                   max(CASE WHEN a.value = b.value THEN 1 ELSE 0 END) AS same,
                   max(CASE WHEN substr(a.value, 1, 4) = substr(b.value, 1, 4) THEN 1 ELSE 0 END) AS same_prefix,
                   min(levenshtein(a.value, b.value)) AS min_edit,
                   max(CASE WHEN a.value = b.value THEN a.value END) AS shared,
                   min(a.value) AS lv, min(b.value) AS rv
            FROM {left_evidence} a JOIN {right_props} b ON b.entity_id = a.right_id AND b.prop_class = a.prop_class
            GROUP BY a.left_id, a.right_id, a.prop_class
        ) e"""


def scored_sql(best_names: str, evidence: str, population: int, keep_below: float, thresholds: Thresholds) -> str:
    """Sum the weights, turn them into a probability and a decision, and write the explanation."""
    rarity = (f"CASE WHEN {int(population)} >= {MIN_POPULATION} AND n.name_score >= {RARITY_MIN_NAME} "
              f"THEN least({RARITY_CAP}, greatest(0.0, ln({RARE_AT} / n.key_freq))) ELSE 0.0 END")
    name_signal = _signal_sql("'name'", "b.name_rule", "b.name_weight", "b.left_name", "b.right_name",
                              "'score ' || CAST(round(b.name_score, 2) AS VARCHAR) || ': ' || b.name_detail")
    rarity_signal = ("CASE WHEN b.rarity > 0 THEN ', ' || "
                     + _signal_sql("'name_frequency'", "'rare name'", "b.rarity", "b.left_name", "b.right_name",
                                   "CAST(b.key_freq AS VARCHAR) || ' records share this name key'")
                     + " ELSE '' END")
    weight = f"{PRIOR} + b.name_weight + b.rarity + coalesce(e.weight, 0.0)"
    # Weights first, explanations only for the pairs kept: building text is the costly part.
    return f"""
        SELECT left_id, right_id, grp, name_score, weight, probability,
               CASE WHEN probability >= {thresholds.match} THEN 'match'
                    WHEN probability >= {thresholds.review} THEN 'review' ELSE 'distinct' END AS decision,
               left_name, right_name,
               '{{"prior": {PRIOR}, "signals": [' || {name_signal} || {rarity_signal}
               || coalesce(', ' || signals, '') || ']}}' AS explanation
        FROM (
            SELECT b.*, {weight} AS weight, 1.0 / (1.0 + exp(-({weight}))) AS probability, e.signals
            FROM (SELECT n.*, {rarity} AS rarity FROM {best_names} n) b LEFT JOIN (
                SELECT left_id, right_id, sum(weight) AS weight, string_agg(signal, ', ') AS signals
                FROM {evidence} GROUP BY left_id, right_id
            ) e ON e.left_id = b.left_id AND e.right_id = b.right_id
        ) b WHERE probability >= {keep_below}"""


_NAME_SCORE_SCHEMA = pa.schema([("grp", pa.string()), ("left_norm", pa.string()), ("right_norm", pa.string()),
                                ("score", pa.float64()), ("detail", pa.string())])


def _score_residual_names(engine: Engine, name_pairs: str) -> pa.Table:
    """Python name comparison for the distinct name pairs no key settled."""
    out: dict[str, list[object]] = {n: [] for n in _NAME_SCORE_SCHEMA.names}
    sql = (f"SELECT DISTINCT grp, left_norm, right_norm FROM {name_pairs} WHERE quick_score IS NULL")
    for batch in engine.batches(sql):
        cols = batch.to_pydict()
        for grp, left, right in zip(cols["grp"], cols["left_norm"], cols["right_norm"], strict=True):
            comparison = compare_names(left, right, "Person" if grp == PERSON_GROUP else "Company", normalized=True)
            for key, value in (("grp", grp), ("left_norm", left), ("right_norm", right),
                               ("score", comparison.score), ("detail", comparison.describe())):
                out[key].append(value)
    return pa.table(out, schema=_NAME_SCORE_SCHEMA)


def score_pairs(engine: Engine, run: Run, pairs: str, left: tuple[str, str], right: tuple[str, str],
                thresholds: Thresholds, *, keep_below: float = 0.5, population: int = 0) -> str:
    """Score candidate pairs in relation ``pairs`` (left_id, right_id, grp, key_freq); ``left`` and
    ``right`` are (names, props) relations; ``population`` is the number of records compared (for
    the term-frequency weight). Writes pairs with probability >= ``keep_below`` to a scratch table of
    ``run`` (left_id, right_id, grp, name_score, weight, probability, decision, left_name,
    right_name, explanation) and returns its name; the steps' own tables are gone on return.
    """
    with engine.run() as steps:
        name_pairs = steps.materialise(name_pairs_sql(pairs, left[0], right[0]), hint="rs_name_pairs").name
        name_scores = steps.arrow(_score_residual_names(engine, name_pairs), hint="rs_name_scores").name
        best = steps.materialise(best_name_sql(name_pairs, name_scores), hint="rs_best_names").name
        left_evidence = steps.materialise(left_evidence_sql(pairs, left[1]), hint="rs_left_evidence").name
        evidence = steps.materialise(evidence_sql(left_evidence, right[1]), hint="rs_evidence").name
        return run.materialise(scored_sql(best, evidence, population, keep_below, thresholds),
                               hint="rs_scored").name
