"""Comparison and scoring of candidate pairs, with an explanation of every weight.

The model is Fellegi-Sunter in spirit: each signal adds a log-odds weight (positive for agreement,
negative for disagreement) to a prior, and the sum becomes a match probability. The weights are
fixed and documented so an analyst can read why two records were merged: names (transliteration,
order, initials, legal forms), identifiers (strong, and decisive against when they contradict),
birth dates, countries and addresses.

Names are compared in Python over the candidate name pairs that survived blocking (memoised per
distinct pair of normalised names); evidence values are compared in SQL.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from moneytrail.engine import Engine
from moneytrail.model.names import compare_names
from moneytrail.resolve.features import IDENTIFIER_CLASSES, PERSON_GROUP

PRIOR = -4.0
# (minimum name score, weight, rule), first that applies wins.
NAME_BANDS = ((0.99, 6.0, "name identical after transliteration"), (0.9, 5.0, "name near-identical"),
              (0.85, 3.5, "name similar"), (0.75, 1.5, "name partly similar"), (0.6, -1.0, "name weakly similar"),
              (0.0, -5.0, "names differ"))
# Organisations are often listed under a translated name ("Golden Oasis Exchange" for "Al Waha Al
# Dhahabiya"), so a name mismatch counts less against them than against people.
ORG_NAMES_DIFFER = -3.0
IDENTIFIER_SAME, IDENTIFIER_CONFLICT, IDENTIFIER_CAP = 9.0, -9.0, 12.0
BIRTH_SAME, BIRTH_TYPO, BIRTH_SAME_YEAR, BIRTH_CONFLICT = 3.0, 1.0, -1.0, -5.0
COUNTRY_SAME, COUNTRY_CONFLICT = 0.5, -1.0
ADDRESS_SAME, ADDRESS_CLOSE, ADDRESS_CONFLICT = 2.0, 1.0, -0.5
_IDENTIFIERS = frozenset(IDENTIFIER_CLASSES.values())


@dataclass(frozen=True)
class Thresholds:
    match: float = 0.9
    review: float = 0.5


@dataclass
class Explanation:
    """The signals of one pair: which values, which rule, what weight."""

    signals: list[dict[str, Any]] = field(default_factory=list)

    def add(self, signal: str, rule: str, weight: float, left: str | None = None, right: str | None = None,
            detail: str | None = None) -> None:
        item: dict[str, Any] = {"signal": signal, "rule": rule, "weight": round(weight, 2)}
        if left is not None:
            item["left"] = left
        if right is not None:
            item["right"] = right
        if detail:
            item["detail"] = detail
        self.signals.append(item)

    @property
    def weight(self) -> float:
        return PRIOR + sum(float(s["weight"]) for s in self.signals)

    def to_json(self) -> str:
        return json.dumps({"prior": PRIOR, "signals": self.signals}, ensure_ascii=False)


def probability(weight: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(weight, 50.0), -50.0)))


def name_pairs_sql(pairs: str, left_names: str, right_names: str) -> str:
    """Every pair of names of every candidate pair; the best-scoring one speaks for the pair."""
    return f"""
        SELECT c.left_id, c.right_id, c.grp, a.norm AS left_norm, b.norm AS right_norm,
               min(a.name) AS left_name, min(b.name) AS right_name
        FROM {pairs} c JOIN {left_names} a ON a.entity_id = c.left_id
        JOIN {right_names} b ON b.entity_id = c.right_id
        GROUP BY c.left_id, c.right_id, c.grp, a.norm, b.norm"""


def evidence_sql(pairs: str, left_props: str, right_props: str) -> str:
    """Per pair and evidence class: agreement, closest edit distance and the values that met."""
    return f"""
        SELECT c.left_id, c.right_id, a.prop_class,
               max(CASE WHEN a.value = b.value THEN 1 ELSE 0 END) AS same,
               max(CASE WHEN substr(a.value, 1, 4) = substr(b.value, 1, 4) THEN 1 ELSE 0 END) AS same_prefix,
               min(levenshtein(a.value, b.value)) AS min_edit,
               max(CASE WHEN a.value = b.value THEN a.value END) AS shared_value,
               min(a.value) AS left_value, min(b.value) AS right_value
        FROM {pairs} c JOIN {left_props} a ON a.entity_id = c.left_id
        JOIN {right_props} b ON b.entity_id = c.right_id AND b.prop_class = a.prop_class
        GROUP BY c.left_id, c.right_id, a.prop_class"""


def _evidence_signal(ex: Explanation, row: dict[str, Any], id_total: list[float]) -> None:
    cls, same, edit = row["prop_class"], bool(row["same"]), int(row["min_edit"])
    left, right = row["left_value"], row["right_value"]
    if cls in _IDENTIFIERS:
        if same:
            weight = max(0.0, min(IDENTIFIER_SAME, IDENTIFIER_CAP - id_total[0]))
            id_total[0] += weight
            ex.add(cls, "identifier equal", weight, row["shared_value"], row["shared_value"])
        elif edit <= 1 and len(left) >= 5:
            ex.add(cls, "identifier differs by one character (typo?)", 0.0, left, right)
        else:
            ex.add(cls, "identifiers contradict", IDENTIFIER_CONFLICT, left, right)
    elif cls == "birth_date":
        if same:
            ex.add(cls, "birth date equal", BIRTH_SAME, row["shared_value"], row["shared_value"])
        elif edit <= 1:
            ex.add(cls, "birth date differs by one digit", BIRTH_TYPO, left, right)
        elif row["same_prefix"]:
            ex.add(cls, "same birth year, different day", BIRTH_SAME_YEAR, left, right)
        else:
            ex.add(cls, "birth dates contradict", BIRTH_CONFLICT, left, right)
    elif cls == "country":
        if same:
            ex.add(cls, "country shared", COUNTRY_SAME, row["shared_value"], row["shared_value"])
        else:
            ex.add(cls, "countries differ", COUNTRY_CONFLICT, left, right)
    elif cls == "address":
        if same:
            ex.add(cls, "address equal", ADDRESS_SAME, row["shared_value"], row["shared_value"])
        elif edit <= 3:
            ex.add(cls, "address nearly equal", ADDRESS_CLOSE, left, right)
        else:
            ex.add(cls, "addresses differ", ADDRESS_CONFLICT, left, right)


PAIR_SCHEMA = pa.schema([
    ("left_id", pa.string()), ("right_id", pa.string()), ("grp", pa.string()), ("name_score", pa.float64()),
    ("weight", pa.float64()), ("probability", pa.float64()), ("decision", pa.string()),
    ("left_name", pa.string()), ("right_name", pa.string()), ("explanation", pa.string()),
])


def score_pairs(engine: Engine, pairs: str, left: tuple[str, str], right: tuple[str, str],
                thresholds: Thresholds, *, keep_below: float = 0.5) -> pa.Table:
    """Score candidate pairs in relation ``pairs``; ``left``/``right`` are (names, props) relations.

    Returns PAIR_SCHEMA rows for pairs with probability >= ``keep_below``.
    """
    cache: dict[tuple[str, str, str], tuple[float, str]] = {}
    best: dict[tuple[str, str], tuple[float, str, str, str, str]] = {}
    for batch in engine.batches(name_pairs_sql(pairs, left[0], right[0])):
        for row in batch.to_pylist():
            key = (row["grp"], row["left_norm"], row["right_norm"])
            hit = cache.get(key)
            if hit is None:
                comparison = compare_names(row["left_norm"], row["right_norm"],
                                           "Person" if row["grp"] == PERSON_GROUP else "Company")
                hit = cache[key] = (comparison.score, comparison.describe())
            pair = (row["left_id"], row["right_id"])
            if pair not in best or hit[0] > best[pair][0]:
                best[pair] = (hit[0], hit[1], row["left_name"], row["right_name"], row["grp"])
    evidence: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for batch in engine.batches(evidence_sql(pairs, left[1], right[1])):
        for row in batch.to_pylist():
            evidence.setdefault((row["left_id"], row["right_id"]), []).append(row)
    out: dict[str, list[Any]] = {name: [] for name in PAIR_SCHEMA.names}
    for (left_id, right_id), (name_score, detail, left_name, right_name, grp) in best.items():
        ex = Explanation()
        for floor, weight, rule in NAME_BANDS:
            if name_score >= floor:
                weight = ORG_NAMES_DIFFER if floor == 0.0 and grp != PERSON_GROUP else weight
                ex.add("name", rule, weight, left_name, right_name, f"score {name_score:.2f}: {detail}")
                break
        id_total = [0.0]
        for row in sorted(evidence.get((left_id, right_id), []), key=lambda r: str(r["prop_class"])):
            _evidence_signal(ex, row, id_total)
        p = probability(ex.weight)
        if p < keep_below:
            continue
        decision = "match" if p >= thresholds.match else "review" if p >= thresholds.review else "distinct"
        for name, value in zip(PAIR_SCHEMA.names, (left_id, right_id, grp, name_score, round(ex.weight, 3), p,
                                                   decision, left_name, right_name, ex.to_json()), strict=True):
            out[name].append(value)
    return pa.table(out, schema=PAIR_SCHEMA)
