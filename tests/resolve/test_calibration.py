"""The trained model's calibrated match threshold and the term frequencies of lower name levels."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pyarrow as pa

from moneytrail.engine import open_engine
from moneytrail.resolve.model import DEFAULT_MODEL, probability
from moneytrail.resolve.scoring import weighed_sql
from moneytrail.resolve.train import MAX_FALSE_MERGES, calibrated_match_at

_COLUMNS = ("person_name", "org_name", "identifier", "birth_date", "country", "address", "address_number")


def _levels(rows: list[dict[str, int | None]]) -> pa.Table:
    data: dict[str, list[object]] = {c: [r.get(c) for r in rows] for c in _COLUMNS}
    data.update(key_freq=[r.get("key_freq", 1) for r in rows], name_freq=[r.get("name_freq", 1) for r in rows],
                name_key_freq=[r.get("name_key_freq") for r in rows])
    return pa.table({k: pa.array(v, pa.int64()) for k, v in data.items()})


def _expected_false(p: np.ndarray, at: float) -> float:
    kept = p[p >= at]
    return float((1 - kept).mean()) if len(kept) else 0.0


def test_match_threshold_rises_until_the_model_expects_few_false_merges() -> None:
    # A trained-like model (no rarity bonus), scoring patterns of name and birth-date levels; the
    # middle patterns, names alike and nothing else known, are many, as in a large population.
    model = replace(DEFAULT_MODEL, tf_rare_at=0.0, tf_min_population=10**9)
    rows: list[dict[str, int | None]] = []
    for name in range(7):
        for birth in (None, 0, 1, 2, 3, 4):
            weight = model.prior + model.comparison("person_name").weights()[name] + (
                0.0 if birth is None else model.comparison("birth_date").weights()[birth])
            copies = 400 if 0.5 <= probability(weight) < 0.9 else 50
            rows += [{"person_name": name, "birth_date": birth}] * copies
    engine = open_engine()
    engine.register_arrow("levels", _levels(rows))
    p = np.array([r[0] for r in engine.rows(f"SELECT probability FROM ({weighed_sql('levels', model, 10)}) w")])
    assert _expected_false(p, 0.5) > MAX_FALSE_MERGES  # the Bayes decision alone would merge too many
    match_at, expected = calibrated_match_at(engine, "levels", model, 10)
    assert match_at > 0.5
    assert _expected_false(p, match_at) <= MAX_FALSE_MERGES + 1e-9
    assert abs(expected - _expected_false(p, match_at)) < 1e-6
    # the lowest such threshold: merging the next pairs below it as well breaks the bound
    below = p[(p < match_at) & (p >= 0.5)]
    assert len(below) and _expected_false(p, float(below.max())) > MAX_FALSE_MERGES


def test_a_bayes_threshold_stays_where_few_merges_are_doubtful() -> None:
    model = replace(DEFAULT_MODEL, tf_rare_at=0.0, tf_min_population=10**9)
    engine = open_engine()
    engine.register_arrow("levels", _levels([{"person_name": 0, "birth_date": 0}] * 100
                                            + [{"person_name": 6, "birth_date": 4}] * 100))
    assert calibrated_match_at(engine, "levels", model, 10)[0] == 0.5


def test_similar_names_weigh_more_on_a_rare_name_key_than_on_a_crowded_one() -> None:
    # A shared skeleton or an initial ("name similar") is stronger evidence when few records share
    # the name key the pair met on, weaker when a crowd shares it; the reference is the typical one.
    population = 100_000
    model = replace(DEFAULT_MODEL, tf_rare_at=0.0, tf_floor=None, tf_cap=4.0, tf_levels=4,
                    tf_min_population=1000, tf_reference={"person_name@2": 10 / population})
    engine = open_engine()
    engine.register_arrow("levels", _levels([{"person_name": 2, "name_key_freq": n} for n in (3, 11, 150)]
                                            + [{"person_name": 2, "name_key_freq": None, "name_freq": 150}]))
    tf = [r[0] for r in engine.rows(f"SELECT w_tf FROM ({weighed_sql('levels', model, population)}) w "
                                    "ORDER BY name_key_freq NULLS LAST")]
    assert tf[0] > 0 and abs(tf[1]) < 1e-9 and tf[2] < 0
    assert tf[2] >= -4.0 and tf[0] <= 4.0
    # met by no name key (an identifier, a date, a name word with an address word): weighed by the
    # commoner name's own frequency instead (else FEBRL 2's given-name-only records, met through
    # their addresses, earn a similar name's full weight and merge with strangers)
    u1 = model.comparison("person_name").u[1]
    assert abs(tf[3] - max(-4.0, min(4.0, math.log2(u1) - math.log2(149 / population)))) < 1e-9 and tf[3] < 0
