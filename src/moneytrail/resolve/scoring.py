"""Scoring compared pairs with a ``resolve.model.ResolveModel``, with a waterfall of match weights.

A pair's match weight is the model's prior plus, per comparison, the weight of the level it fell
into (log2 m/u), plus a term-frequency adjustment when the names agree; the explanation (JSON,
built in SQL) lists every contribution with its level, m and u, so an analyst reads why two records
were merged and a web view can draw the waterfall. Pairs the model finds unlikely but whose names
are similar and whose identifiers or birth dates contradict are kept as ``distinct``: clustering
uses them as strong negative evidence, so a chain of likely pairs cannot join them. ``support``
is a pair's evidence beyond names (its positive identifier, birth date, country and address
contributions, bits): only support outweighs such a contradiction (``resolve.cluster``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from moneytrail.engine import Engine
from moneytrail.resolve.comparisons import EVIDENCE, compare_pairs
from moneytrail.resolve.model import DEFAULT_MODEL, Comparison, ResolveModel
from moneytrail.resolve.model import probability as probability  # re-exported for callers

PAIR_COLUMNS = ("left_id", "right_id", "grp", "name_score", "weight", "probability", "decision", "left_name",
                "right_name", "explanation", "support")
# Contradictions that split a cluster: identifiers that contradict (both checksums hold) and birth dates.
CONTRADICTIONS = {"identifier": 6, "birth_date": 4}
SIMILAR_NAME_LEVEL = 3  # names at least "partly similar": the pairs a chain could join


@dataclass(frozen=True)
class Thresholds:
    match: float = 0.9
    review: float = 0.5


def _json_str_sql(expr: str) -> str:
    """A JSON string literal of a text expression, escaped in SQL."""
    escaped = f"replace(replace(replace(coalesce({expr}, ''), '\\', '\\\\'), '\"', '\\\"'), chr(10), ' ')"
    return f"'\"' || {escaped} || '\"'"


def _num_sql(expr: str, digits: int = 3) -> str:
    return f"CAST(round({expr}, {digits}) AS VARCHAR)"


def _case_sql(column: str, values: tuple[object, ...], default: str = "0.0") -> str:
    whens = " ".join(f"WHEN {i} THEN {v!r}" if isinstance(v, str) else f"WHEN {i} THEN {v}"
                     for i, v in enumerate(values))
    return f"CASE {column} {whens} ELSE {default} END"


def _label_sql(column: str, comparison: Comparison) -> str:
    labels = tuple("'" + label.replace("'", "''") + "'" for label in comparison.labels)
    whens = " ".join(f"WHEN {i} THEN {v}" for i, v in enumerate(labels))
    return f"CASE {column} {whens} END"


def tf_sql(model: ResolveModel, comparison: Comparison, population: int) -> str:
    """Term-frequency adjustment (bits) of agreeing names, nothing for small populations.

    Trained models: log2(how often two records agree on an ordinary name / the chance that another
    record bears this one), within +-tf_cap. The starting model: the hand-set rarity bonus,
    log2(tf_rare_at / records sharing the pair's rarest key), within [tf_floor, tf_cap]."""
    if population < model.tf_min_population:
        return "0.0"
    column = comparison.name
    floor = -model.tf_cap if model.tf_floor is None else model.tf_floor
    agreeing = ", ".join(str(i) for i in range(model.tf_levels))
    if model.tf_rare_at > 0:
        raw = f"log2({model.tf_rare_at} / greatest(key_freq, 1))"
    else:
        reference = model.tf_reference.get(comparison.name)
        u0, u1 = (math.log2(max(u, 1e-12)) for u in ((reference, reference) if reference else comparison.u[:2]))
        raw = (f"CASE {column} WHEN 0 THEN {u0} ELSE {u1} END "
               f"- log2(greatest(name_freq - 1, 1) / {float(population)})")
    return f"CASE WHEN {column} IN ({agreeing}) THEN least({model.tf_cap}, greatest({floor}, {raw})) ELSE 0.0 END"


def _signal_sql(signal: str, rule: str, weight: str, left: str, right: str, detail: str | None,
                m_u: tuple[str, str] | None) -> str:
    parts = [f"'{{\"signal\": ' || {_json_str_sql(signal)}", f"'\"rule\": ' || {_json_str_sql(rule)}",
             f"'\"weight\": ' || {_num_sql(weight)}", f"'\"left\": ' || {_json_str_sql(left)}",
             f"'\"right\": ' || {_json_str_sql(right)}"]
    if detail:
        parts.append(f"'\"detail\": ' || {_json_str_sql(detail)}")
    if m_u:
        parts += [f"'\"m\": ' || {_num_sql(m_u[0], 6)}", f"'\"u\": ' || {_num_sql(m_u[1], 8)}"]
    return " || ', ' || ".join(parts) + " || '}'"


def scored_sql(levels: str, model: ResolveModel, population: int, keep_below: float, thresholds: Thresholds) -> str:
    """Weights, probability, decision and explanation of every compared pair worth keeping."""
    names = [model.comparison("person_name"), model.comparison("org_name")]
    evidence = [model.comparison(c) for c in EVIDENCE]
    terms = [f"{_case_sql(c.name, c.weights())} AS w_{c.name}" for c in (*names, *evidence)]
    tf = " + ".join(tf_sql(model, c, population) for c in names)
    total = f"{model.prior} + " + " + ".join(f"w_{c.name}" for c in (*names, *evidence)) + " + w_tf"
    name_col = "coalesce(person_name, org_name)"
    name_signal = _signal_sql(
        "'name'", f"CASE WHEN person_name IS NOT NULL THEN {_label_sql('person_name', names[0])} "
                  f"WHEN org_name IS NOT NULL THEN {_label_sql('org_name', names[1])} "
                  "ELSE 'a record has no name: evidence alone' END",
        "w_person_name + w_org_name", "left_name", "right_name",
        "'score ' || CAST(round(name_score, 2) AS VARCHAR) || ': ' || name_detail",
        (f"CASE WHEN person_name IS NOT NULL THEN {_case_sql('person_name', names[0].m)} "
         f"ELSE {_case_sql('org_name', names[1].m)} END",
         f"CASE WHEN person_name IS NOT NULL THEN {_case_sql('person_name', names[0].u)} "
         f"ELSE {_case_sql('org_name', names[1].u)} END"))
    tf_signal = ("CASE WHEN w_tf <> 0 THEN ', ' || " + _signal_sql(
        "'name_frequency'", "CASE WHEN w_tf > 0 THEN 'rare name' ELSE 'common name' END", "w_tf",
        "left_name", "right_name", "CAST(key_freq AS VARCHAR) || ' records share this name key'", None)
        + " ELSE '' END")
    evidence_signals = " || ".join(
        f"CASE WHEN {c.name} IS NOT NULL THEN ', ' || " + _signal_sql(
            f"'{c.name}'", _label_sql(c.name, c), f"w_{c.name}", f"{c.name}_left", f"{c.name}_right",
            "identifier_class" if c.name == "identifier" else None,
            (_case_sql(c.name, c.m), _case_sql(c.name, c.u))) + " ELSE '' END"
        for c in evidence)
    contradiction = " OR ".join(f"{c} = {level}" for c, level in CONTRADICTIONS.items())
    return f"""
        SELECT left_id, right_id, grp, name_score, weight, probability,
               CASE WHEN probability >= {thresholds.match} THEN 'match'
                    WHEN probability >= {thresholds.review} THEN 'review' ELSE 'distinct' END AS decision,
               left_name, right_name,
               '{{"model": "{model.model_id}", "prior": ' || {_num_sql(str(model.prior))} || ', "weight": '
               || {_num_sql("weight")} || ', "signals": [' || {name_signal} || {tf_signal} || {evidence_signals}
               || ']}}' AS explanation,
               {" + ".join(f"greatest(w_{c.name}, 0.0)" for c in evidence)} AS support
        FROM (
            SELECT *, {total} AS weight, 1.0 / (1.0 + pow(2.0, -({total}))) AS probability
            FROM (SELECT l.*, {", ".join(terms)}, {tf} AS w_tf FROM {levels} l) w
        ) s
        WHERE probability >= {keep_below} OR ({name_col} <= {SIMILAR_NAME_LEVEL} AND ({contradiction}))"""


def score_levels(engine: Engine, levels: str, model: ResolveModel, thresholds: Thresholds, *, population: int,
                 keep_below: float, into: str) -> str:
    engine.create_scratch(into, scored_sql(levels, model, population, keep_below, thresholds))
    return into


def score_pairs(engine: Engine, pairs: str, left: tuple[str, str], right: tuple[str, str],
                thresholds: Thresholds, *, model: ResolveModel | None = None, keep_below: float = 0.5,
                population: int = 0, into: str = "_rs_scored", scratch: Callable[[str], str] | None = None) -> str:
    """Compare and score candidate pairs in one go (screening): writes ``into`` (PAIR_COLUMNS)."""
    name_of = scratch or (lambda stem: f"{into}_{stem}")
    levels = compare_pairs(engine, pairs, left, right, name_of("levels"), name_of)
    try:
        return score_levels(engine, levels, model or DEFAULT_MODEL, thresholds, population=population,
                            keep_below=keep_below, into=into)
    finally:
        engine.drop_scratch(levels)
