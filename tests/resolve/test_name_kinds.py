"""Person-name levels by kind of agreement: one comparison per kind, each trained by EM."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from moneytrail.resolve.model import COMPARISONS, DEFAULT_MODEL, LEVELS_VERSION, ResolveModel
from moneytrail.resolve.name_kinds import INITIALS, PERSON_NAME, PERSON_NAME_COMPARISONS, UNVOWELLED
from moneytrail.resolve.pipeline import resolve_case
from moneytrail.resolve.scoring import Thresholds
from moneytrail.resolve.train import TrainParams, name_em
from moneytrail.resolve.train_names import KIND_PSEUDO_PAIRS
from moneytrail.store import Case
from tests.resolve.conftest import AddStatements
from tests.resolve.test_evidence_levels import signal_rules


def named(entity: str, name: str) -> list[tuple[str, str, str, str, str]]:
    return [(entity, "Person", "name", name, "s1")]


def levels_of(case: Case, left: str, right: str) -> dict[str, int | None]:
    columns = PERSON_NAME_COMPARISONS
    row = case.engine.rows(f"SELECT {', '.join(columns)} FROM resolve_pairs WHERE left_id = ? AND right_id = ?",
                           [left, right])
    assert row, f"{left}-{right} not stored"
    return dict(zip(columns, row[0], strict=True))


def test_each_person_pair_falls_into_the_comparison_of_its_kind(case: Case, add_rows: AddStatements) -> None:
    # a-b: both spelled with vowels; a-c: one side in Arabic script, without short vowels; a-d: an
    # initial stands for the given name; c-d: an initial decides, whatever the script.
    add_rows(case, named("a", "Karim Haddad") + named("b", "Kerim Hadad") + named("c", "كريم حداد")
             + named("d", "K. Haddad"))
    resolve_case(case, model=DEFAULT_MODEL, thresholds=Thresholds(0.99, 1e-9))  # every pair stored
    kinds = {pair: levels_of(case, *pair) for pair in (("a", "b"), ("a", "c"), ("a", "d"))}
    for (left, right), kind in ((("a", "b"), PERSON_NAME), (("a", "c"), UNVOWELLED), (("a", "d"), INITIALS)):
        found = kinds[(left, right)]
        assert found[kind] is not None, (left, right, found)
        assert all(found[other] is None for other in PERSON_NAME_COMPARISONS if other != kind), (left, right, found)
    assert signal_rules(case, "a", "c")["name"][0].endswith("(one side written without short vowels)")
    assert signal_rules(case, "a", "d")["name"][0].endswith("(a name with an initial)")


def test_the_starting_model_weighs_every_kind_alike() -> None:
    weights = {DEFAULT_MODEL.comparison(c).weights() for c in PERSON_NAME_COMPARISONS}
    assert len(weights) == 1  # screening and untrained cases score as before the split


def _patterns(rows: list[tuple[str, int, int, float]]) -> tuple[np.ndarray, np.ndarray]:
    """(kind comparison, name level, birth-date level or -1, count) rows as EM's pattern arrays."""
    patterns = np.full((len(rows), len(COMPARISONS)), -1, np.int64)
    for i, (kind, level, birth, _) in enumerate(rows):
        patterns[i, COMPARISONS.index(kind)] = level
        patterns[i, COMPARISONS.index("birth_date")] = birth
    return patterns, np.array([r[3] for r in rows], float)


def _trained_weights(rows: list[tuple[str, int, int, float]]) -> dict[str, tuple[float, ...]]:
    patterns, counts = _patterns(rows)
    u = {c.name: c.u for c in DEFAULT_MODEL.comparisons}
    u["birth_date"] = (6e-5, 0.0016, 0.017, 0.012, 0.96932)
    start = DEFAULT_MODEL.with_parameters({"birth_date": (0.97, 0.01, 0.01, 0.005, 0.005)}, u, 0.2, {})
    m, name_u, _, _, _ = name_em(patterns, counts, np.full(len(rows), np.nan), start, TrainParams())
    return {c: tuple(np.log2(np.array(m[c]) / np.array(name_u[c])).tolist()) for c in PERSON_NAME_COMPARISONS}


def test_em_tells_apart_kinds_whose_similar_names_mean_different_things() -> None:
    # Level 2 ("name similar"): among plain pairs it is mostly two people (their birth dates differ),
    # among pairs with one side written without short vowels mostly one (their dates agree).
    rows = [(PERSON_NAME, 0, 0, 3000.0), (PERSON_NAME, 0, -1, 1500.0), (PERSON_NAME, 2, 4, 4000.0),
            (PERSON_NAME, 2, 0, 40.0), (PERSON_NAME, 2, -1, 2000.0), (PERSON_NAME, 6, 4, 5000.0),
            (UNVOWELLED, 0, 0, 50.0), (UNVOWELLED, 2, 0, 2500.0), (UNVOWELLED, 2, 4, 300.0),
            (UNVOWELLED, 2, -1, 1400.0), (UNVOWELLED, 6, 4, 2000.0)]
    weights = _trained_weights(rows)
    assert weights[UNVOWELLED][2] > weights[PERSON_NAME][2] + 2.0, weights


def test_a_kind_with_few_pairs_stays_near_the_plain_kind() -> None:
    few = int(KIND_PSEUDO_PAIRS / 10)
    rows = [(PERSON_NAME, 0, 0, 3000.0), (PERSON_NAME, 1, 0, 1000.0), (PERSON_NAME, 2, 4, 4000.0),
            (PERSON_NAME, 2, -1, 2000.0), (PERSON_NAME, 6, 4, 5000.0), (INITIALS, 2, 4, float(few))]
    weights = _trained_weights(rows)
    # a handful of initial pairs whose dates all differ do not make "similar" worthless for initials
    assert abs(weights[INITIALS][2] - weights[PERSON_NAME][2]) < 2.0, weights


def test_a_model_file_of_other_comparison_levels_is_refused(tmp_path: Path) -> None:
    from dataclasses import replace

    older = replace(DEFAULT_MODEL, comparisons=tuple(c for c in DEFAULT_MODEL.comparisons
                                                     if c.name not in (UNVOWELLED, INITIALS)))
    path = tmp_path / "old.json"
    older.save(path)
    with pytest.raises(ValueError, match=f"not {LEVELS_VERSION}"):
        ResolveModel.load(path)
    DEFAULT_MODEL.save(tmp_path / "now.json")
    assert ResolveModel.load(tmp_path / "now.json").model_id == DEFAULT_MODEL.model_id
