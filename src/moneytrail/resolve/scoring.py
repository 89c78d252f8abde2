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

import json
import math
from collections.abc import Callable
from dataclasses import dataclass

from moneytrail.engine import Engine
from moneytrail.resolve.comparisons import EVIDENCE, compare_pairs
from moneytrail.resolve.model import DEFAULT_MODEL, PARTLY_SIMILAR_LEVEL, Comparison, ResolveModel
from moneytrail.resolve.model import probability as probability  # re-exported for callers

PAIR_COLUMNS = ("left_id", "right_id", "grp", "name_score", "weight", "probability", "decision", "left_name",
                "right_name", "explanation", "support")
# What an explanation is rebuilt from on demand, stored on every pair: the level of each comparison,
# the name frequencies the term-frequency rule reads, and that rule's weight (bits).
LEVEL_COLUMNS = ("person_name", "org_name", *EVIDENCE, "key_freq", "name_key_freq", "name_freq", "w_tf")
# Contradictions that split a cluster: identifiers that contradict (both checksums hold) and birth dates.
CONTRADICTIONS = {"identifier": 6, "birth_date": 4}
SIMILAR_NAME_LEVEL = PARTLY_SIMILAR_LEVEL  # names at least "partly similar": the pairs a chain could join
WEIGHT_DIGITS = 9  # match weights are rounded to this many decimals (``weighed_sql``)


def pair_contradicts_sql() -> str:
    """True when a stored pair's identifiers or birth dates contradict (``CONTRADICTIONS``), false when
    not or unknown: what attach and fragments hold against a cluster whatever the pair's weight."""
    return " OR ".join(f"coalesce({level}, -1) = {value}" for level, value in CONTRADICTIONS.items())


@dataclass(frozen=True)
class Thresholds:
    match: float = 0.9
    review: float = 0.5


def _json_str_args(expr: str) -> str:
    """A JSON string literal of a text expression, escaped in SQL, as arguments of concat() (one
    concat of many parts costs far less than a chain of ||, each of which builds a string)."""
    escaped = f"replace(replace(replace(coalesce({expr}, ''), '\\', '\\\\'), '\"', '\\\"'), chr(10), ' ')"
    return f"'\"', {escaped}, '\"'"


def _num_sql(expr: str, digits: int = 3) -> str:
    return f"CAST(round({expr}, {digits}) AS VARCHAR)"


def _case_sql(column: str, values: tuple[object, ...], default: str = "0.0") -> str:
    whens = " ".join(f"WHEN {i} THEN {v!r}" if isinstance(v, str) else f"WHEN {i} THEN {v}"
                     for i, v in enumerate(values))
    return f"CASE {column} {whens} ELSE {default} END"


def tf_sql(model: ResolveModel, comparison: Comparison, population: int) -> str:
    """Term-frequency adjustment (bits) of agreeing names, nothing for small populations.

    Trained models, names agreeing exactly: log2(how often two records agree on an ordinary name /
    the chance that another record bears this one). Names agreeing at a lower level (a shared
    skeleton, an initial): log2(the typical frequency of the name key such pairs share / the
    frequency of the one this pair shares), so a rare surname with an initial weighs more than a
    skeleton a crowd shares, while the level keeps its trained weight on average (the reference is
    the geometric mean over the level's candidates, ``tf_reference["<comparison>@<level>"]``).
    Both within +-tf_cap. The starting model: the hand-set rarity bonus, log2(tf_rare_at / records
    sharing the pair's rarest key), within [tf_floor, tf_cap]."""
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
        whens = [f"WHEN 0 THEN {u0} - log2(greatest(name_freq - 1, 1) / {float(population)})"]
        for level in range(1, model.tf_levels):
            by_key = model.tf_reference.get(f"{comparison.name}@{level}")
            by_name = f"{u1} - log2(greatest(name_freq - 1, 1) / {float(population)})"
            # no name key shared (met by an identifier, a date, or a name word with an address word):
            # the commoner name's own frequency, as for a level without a key reference
            whens.append(f"WHEN {level} THEN CASE WHEN name_key_freq IS NOT NULL THEN "
                         f"{math.log2(max(by_key, 1e-12))} - log2(greatest(name_key_freq - 1, 1) / "
                         f"{float(population)}) ELSE {by_name} END" if by_key else f"WHEN {level} THEN {by_name}")
        raw = f"coalesce(CASE {column} {' '.join(whens)} END, 0.0)"
    return f"CASE WHEN {column} IN ({agreeing}) THEN least({model.tf_cap}, greatest({floor}, {raw})) ELSE 0.0 END"


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _signal_parts(comparison: Comparison, signal: str, level: int) -> tuple[str, str]:
    """The JSON of a signal before and after its values, which depend on the level alone: its rule,
    weight, m and u are the model's, so they are written once here, not formatted per pair in SQL."""
    head = (f'{{"signal": {json.dumps(signal)}, "rule": {json.dumps(comparison.labels[level])}, '
            f'"weight": {round(comparison.weights()[level], 3)}')
    tail = f', "m": {round(comparison.m[level], 6)}, "u": {round(comparison.u[level], 8)}}}'
    return head, tail


def _by_level_sql(column: str, comparison: Comparison, signal: str, part: int) -> str:
    whens = " ".join(f"WHEN {level} THEN {_sql_text(_signal_parts(comparison, signal, level)[part])}"
                     for level in range(len(comparison.labels)))
    return f"CASE {column} {whens} END"


def _signal_sql(head: str, left: str, right: str, detail: str | None, tail: str, *, after: bool = False) -> str:
    """One signal of the explanation: ``head`` and ``tail`` are SQL text (``_by_level_sql``), the
    values between them are escaped per pair. ``after``: it follows another signal."""
    parts = ["', '"] * after + [head, f"', \"left\": ', {_json_str_args(left)}",
                                f"', \"right\": ', {_json_str_args(right)}"]
    if detail:
        parts.append(f"', \"detail\": ', {_json_str_args(detail)}")
    return f"concat({', '.join([*parts, tail])})"


def _tf_columns(model: ResolveModel, population: int) -> tuple[str, ...]:
    """The columns besides the levels that ``tf_sql`` reads."""
    if population < model.tf_min_population:
        return ()
    return ("key_freq",) if model.tf_rare_at > 0 else ("name_freq", "name_key_freq")


def pattern_weights_sql(levels: str, model: ResolveModel, population: int) -> str:
    """Per distinct combination of levels and the name frequencies the term-frequency rule reads (a few
    thousand at a million records): how many pairs have it (``pairs``), the weight of each comparison
    (w_<comparison>, w_tf), the match weight, probability and support (evidence beyond names, bits),
    for ``weighed_sql`` to join."""
    names = [model.comparison("person_name"), model.comparison("org_name")]
    evidence = [model.comparison(c) for c in EVIDENCE]
    compared = [*names, *evidence]
    terms = [f"{_case_sql(c.name, c.weights())} AS w_{c.name}" for c in compared]
    tf = " + ".join(tf_sql(model, c, population) for c in names)
    total = f"{model.prior} + " + " + ".join(f"w_{c.name}" for c in compared) + " + w_tf"
    support = " + ".join(f"greatest(w_{c.name}, 0.0)" for c in evidence)
    keys = [c.name for c in compared] + list(_tf_columns(model, population))
    # Rounded: engines add and take logarithms in their own order, so a weight that is 0 in exact arithmetic
    # comes out as -3e-16 on one and +0 on another; unrounded, that pair's decision would depend on the engine.
    return f"""
        SELECT *, 1.0 / (1.0 + pow(2.0, -weight)) AS probability, {support} AS support
        FROM (SELECT *, round({total}, {WEIGHT_DIGITS}) AS weight
              FROM (SELECT d.*, {", ".join(terms)}, round({tf}, {WEIGHT_DIGITS}) AS w_tf
                    FROM (SELECT {", ".join(keys)}, count(*) AS pairs FROM {levels} x
                          GROUP BY {", ".join(keys)}) d) w) r"""


def weighed_sql(levels: str, model: ResolveModel, population: int, weights: str | None = None) -> str:
    """Every compared pair with its weight per comparison (w_<comparison>, w_tf), its match weight,
    probability and support; ``weights``: a table of ``pattern_weights_sql`` over these levels (else
    computed here; at scale the caller materialises it, so the engine knows how small it is).

    A pair's weights depend on its levels and name frequencies alone, so they are worked out once per
    distinct combination and joined to the pairs: the levels' weights are exact decimals in SQL, and
    adding them up per pair cost more than anything else in scoring. Same expressions, same values:
    each pair weighs what it weighed row by row."""
    compared = ["person_name", "org_name", *EVIDENCE]
    keys = compared + list(_tf_columns(model, population))
    columns = ", ".join(f"p.{w}" for w in (*(f"w_{c}" for c in compared), "w_tf", "weight", "probability",
                                            "support"))
    # a missing level or frequency is a value of its own here (-1: neither is ever negative)
    same = " AND ".join(f"coalesce(p.{k}, -1) = coalesce(l.{k}, -1)" for k in keys)
    return f"""
            SELECT l.*, {columns}
            FROM {levels} l JOIN {weights or f"({pattern_weights_sql(levels, model, population)})"} p ON {same}"""


def weight_at(probability: float) -> float:
    """The match weight (bits) at which a pair's probability reaches ``probability``, rounded like the
    weights: decisions compare weights, not probabilities, because engines' ``pow`` differ in the last bit."""
    if probability <= 0.0:
        return -math.inf
    if probability >= 1.0:
        return math.inf
    return round(math.log2(probability / (1.0 - probability)), WEIGHT_DIGITS)


def _at_least_sql(probability: float) -> str:
    bits = weight_at(probability)
    return "TRUE" if bits == -math.inf else "FALSE" if bits == math.inf else f"weight >= {bits!r}"


def explanation_sql(model: ResolveModel) -> str:
    """The explanation (JSON text) of a weighed pair: an expression over a row of ``weighed_sql``'s
    columns (levels, the values they rest on, name_detail, w_tf, weight), or of stored levels and
    weights with the values compared again (``resolve.explain``)."""
    names = [model.comparison("person_name"), model.comparison("org_name")]
    evidence = [model.comparison(c) for c in EVIDENCE]

    def name_part(part: int) -> str:
        # a pair with an unnamed record is compared on its evidence alone: its name weighs nothing
        unnamed = ('{"signal": "name", "rule": "a record has no name: evidence alone", "weight": 0.0', "}")[part]
        return (f"CASE WHEN person_name IS NOT NULL THEN {_by_level_sql('person_name', names[0], 'name', part)} "
                f"WHEN org_name IS NOT NULL THEN {_by_level_sql('org_name', names[1], 'name', part)} "
                f"ELSE {_sql_text(unnamed)} END")

    name_signal = _signal_sql(name_part(0), "left_name", "right_name",
                              "'score ' || CAST(round(name_score, 2) AS VARCHAR) || ': ' || name_detail",
                              name_part(1))
    tf_head = ("CASE WHEN w_tf > 0 THEN '{\"signal\": \"name_frequency\", \"rule\": \"rare name\"' "
               "ELSE '{\"signal\": \"name_frequency\", \"rule\": \"common name\"' END "
               f"|| ', \"weight\": ' || {_num_sql('w_tf')}")
    tf_detail = ("CAST(key_freq AS VARCHAR) || ' records share this name key'" if model.tf_rare_at > 0 else
                 "CASE WHEN coalesce(person_name, org_name) = 0 THEN CAST(name_freq AS VARCHAR) "
                 "|| ' records bear this name' "
                 "WHEN name_key_freq IS NULL THEN CAST(name_freq AS VARCHAR) || ' records bear the commoner name' "
                 "ELSE CAST(name_key_freq AS VARCHAR) || ' records share its name key' END")
    tf_signal = ("CASE WHEN w_tf <> 0 THEN "
                 + _signal_sql(tf_head, "left_name", "right_name", tf_detail, "'}'", after=True) + " ELSE '' END")
    evidence_signals = ", ".join(
        f"CASE WHEN {c.name} IS NOT NULL THEN " + _signal_sql(
            _by_level_sql(c.name, c, c.name, 0), f"{c.name}_left", f"{c.name}_right",
            "identifier_class" if c.name == "identifier" else None, _by_level_sql(c.name, c, c.name, 1), after=True)
        + " ELSE '' END"
        for c in evidence)
    return (f"""concat('{{"model": "{model.model_id}", "prior": {round(model.prior, 3)}, "weight": ', """
            f"""{_num_sql("weight")}, ', "signals": [', {name_signal}, {tf_signal}, {evidence_signals}, ']}}')""")


def scored_sql(levels: str, model: ResolveModel, population: int, keep_below: float, thresholds: Thresholds,
               *, explain: bool = True, name_ids: bool = False, weights: str | None = None) -> str:
    """Weights, probability, decision and explanation of every compared pair worth keeping, with the
    columns an explanation is rebuilt from (``LEVEL_COLUMNS``). ``explain=False``: the explanation is
    null, to be built on demand (``resolve.explain``): resolution stores millions of pairs, and their
    explanations as text cost more to write than everything else about them. ``name_ids``: the levels
    carry the names' ids (``compare_pairs(names_into=...)``), passed on as left_name_id, right_name_id
    in place of the names, for the caller to read the names of the pairs kept."""
    if name_ids and explain:
        raise ValueError("an explanation needs the names, not their ids")
    name_col = "coalesce(person_name, org_name)"
    contradiction = " OR ".join(f"{c} = {level}" for c, level in CONTRADICTIONS.items())
    explanation = explanation_sql(model) if explain else "CAST(NULL AS VARCHAR)"
    return f"""
        SELECT left_id, right_id, grp, name_score, weight, probability,
               CASE WHEN {_at_least_sql(thresholds.match)} THEN 'match'
                    WHEN {_at_least_sql(thresholds.review)} THEN 'review' ELSE 'distinct' END AS decision,
               {"left_name_id, right_name_id" if name_ids else "left_name, right_name"}, {explanation} AS explanation,
               support,
               {", ".join(LEVEL_COLUMNS)}
        FROM ({weighed_sql(levels, model, population, weights)}
        ) s
        WHERE {_at_least_sql(keep_below)} OR ({name_col} <= {SIMILAR_NAME_LEVEL} AND ({contradiction}))"""


def score_levels(engine: Engine, levels: str, model: ResolveModel, thresholds: Thresholds, *, population: int,
                 keep_below: float, into: str) -> str:
    # the weights of each combination materialised first: the engine then knows the table is small and
    # builds its hash join on it, not on the pairs
    weights = f"{into}_weights"
    engine.create_scratch(weights, pattern_weights_sql(levels, model, population))
    try:
        engine.create_scratch(into, scored_sql(levels, model, population, keep_below, thresholds, weights=weights))
    finally:
        engine.drop_scratch(weights)
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
