"""The trained model: EM on the case, stored with a version on every pair and cluster, reused,
overridden by judgements, and extended incrementally."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pyarrow as pa
import pytest

from moneytrail.generate.identities import identity_set
from moneytrail.model.ids import statement_id
from moneytrail.resolve.judgements import record_judgement
from moneytrail.resolve.model import DEFAULT_MODEL, ResolveModel
from moneytrail.resolve.model_store import latest_model
from moneytrail.resolve.pipeline import resolve_case
from moneytrail.resolve.train import TrainParams, estimate_u, exact_u
from moneytrail.resolve.variant_edits import relevel
from moneytrail.store import Case


def load(case: Case, table: pa.Table) -> None:
    rows = table.to_pylist()
    case.engine.register_arrow("_t", pa.table({
        "statement_id": [statement_id(r["entity_id"], r["schema"], r["prop"], r["value"], r["source_id"])
                         for r in rows],
        "entity_id": [r["entity_id"] for r in rows], "schema": [r["schema"] for r in rows],
        "prop": [r["prop"] for r in rows], "value": [r["value"] for r in rows],
        "source_id": [r["source_id"] for r in rows]}))
    case.engine.execute("INSERT INTO statements (statement_id, entity_id, schema, prop, value, source_id) "
                        "SELECT * FROM _t")
    case.engine.unregister("_t")


def canonical(case: Case, entity_id: str) -> str:
    found = case.engine.rows("SELECT canonical_id FROM entity_canonical WHERE entity_id = ?", [entity_id])
    return str(found[0][0]) if found else entity_id


@pytest.fixture(scope="module")
def identities() -> object:
    return identity_set(230, seed=5)


@pytest.fixture
def trained(tmp_path: Path, identities: object) -> Case:
    case = Case.create(tmp_path / "case")
    load(case, identities.statements)  # type: ignore[attr-defined]
    resolve_case(case)
    return case


def test_first_run_trains_a_model_and_versions_every_pair_and_cluster(trained: Case) -> None:
    model = latest_model(trained)
    assert model is not None and model.training["trained"] is True
    assert model.training["em_iterations"] >= 1 and model.training["random_pairs"] > 1000
    for name in ("person_name", "org_name", "identifier", "birth_date"):  # the comparisons this data has
        c = model.comparison(name)
        assert abs(sum(c.m) - 1) < 1e-6 and abs(sum(c.u) - 1) < 1e-6
    # Trained, not the starting values: birth dates that agree weigh more than the hand-set 4.3 bits.
    assert model.comparison("birth_date").weights()[0] > DEFAULT_MODEL.comparison("birth_date").weights()[0]
    assert trained.engine.rows("SELECT DISTINCT model_id FROM resolve_pairs") == [(model.model_id,)]
    assert trained.engine.rows("SELECT DISTINCT model_id FROM resolve_clusters") == [(model.model_id,)]
    assert trained.engine.scalar("SELECT count(*) FROM resolve_clusters") == trained.engine.scalar(
        "SELECT count(*) FROM entity_canonical") > 100
    assert ResolveModel.from_json(model.to_json()).model_id == model.model_id


def test_a_model_file_with_changed_parameters_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    DEFAULT_MODEL.save(path)
    assert ResolveModel.load(path).model_id == DEFAULT_MODEL.model_id
    path.write_text(path.read_text().replace('"match_share": 0.0', '"match_share": 0.5'))
    with pytest.raises(ValueError, match="hash"):
        ResolveModel.load(path)


def test_judgements_override_the_model_and_survive_a_retrain(trained: Case) -> None:
    a, b = (str(x) for x in trained.engine.rows(
        "SELECT left_id, right_id FROM resolve_pairs WHERE decision = 'match' ORDER BY probability DESC LIMIT 1")[0])
    assert canonical(trained, a) == canonical(trained, b)
    x, y = "id0r0", "id1r0"  # two different identities
    assert canonical(trained, x) != canonical(trained, y)
    record_judgement(trained, a, b, "negative")
    record_judgement(trained, x, y, "positive")
    before = latest_model(trained)
    result = resolve_case(trained, train=True)
    assert result.trained and result.training["judged_pairs"] >= 1
    assert canonical(trained, a) != canonical(trained, b)
    assert canonical(trained, x) == canonical(trained, y)
    assert before is not None
    # Retrained on data with judgements as labels: a new model id, all pairs scored with it.
    assert trained.engine.rows("SELECT DISTINCT model_id FROM resolve_pairs") == [(result.model_id,)]


def test_runs_with_another_model_score_every_pair_again(trained: Case) -> None:
    result = resolve_case(trained, model=DEFAULT_MODEL)
    assert "model changed" in result.mode and result.new_entities > 500
    assert trained.engine.rows("SELECT DISTINCT model_id FROM resolve_pairs") == [(DEFAULT_MODEL.model_id,)]
    assert trained.engine.rows("SELECT DISTINCT model_id FROM resolve_clusters") == [(DEFAULT_MODEL.model_id,)]


def test_new_records_join_existing_clusters_incrementally(trained: Case, identities: object) -> None:
    model_id = latest_model(trained).model_id  # type: ignore[union-attr]
    rows = [r for r in identities.statements.to_pylist() if r["entity_id"] == "id0r0"]  # type: ignore[attr-defined]
    assert any(r["prop"] == "birthDate" for r in rows)
    new = [{**r, "entity_id": "late-1", "source_id": "late"} for r in rows]
    load(trained, pa.Table.from_pylist(new))
    existing = canonical(trained, "id0r0")
    result = resolve_case(trained)
    assert result.mode == "incremental" and result.new_entities == 1 and result.model_id == model_id
    assert canonical(trained, "late-1") == existing
    assert trained.engine.scalar("SELECT count(*) FROM resolve_pairs WHERE run_id = ?", [result.run_id]) >= 1


def test_a_model_em_got_wrong_is_called_implausible() -> None:
    # EM that split pairs by something else than identity: most "matches" have differing names,
    # and equal addresses weigh less than differing ones. The starting model passes.
    from dataclasses import replace

    person = DEFAULT_MODEL.comparison("person_name")
    address = DEFAULT_MODEL.comparison("address")
    bad = replace(DEFAULT_MODEL, comparisons=tuple(
        replace(c, m=(0.05, 0.0, 0.0, 0.03, 0.0, 0.0, 0.02, 0.0, 0.0, 0.05, 0.05, 0.8)) if c is person
        else replace(c, m=(0.0005, 0.01, 0.02, 0.2, 0.7695)) if c is address else c for c in DEFAULT_MODEL.comparisons))
    problems = bad.implausible()
    assert any(p.startswith("person_name: only 10%") for p in problems)
    assert any(p.startswith("address: 'address equal'") for p in problems)
    assert bad.implausible(observed={"identifier"}) == []
    assert DEFAULT_MODEL.implausible() == []


def test_training_that_loses_the_starting_models_matches_is_refused() -> None:
    import numpy as np

    from moneytrail.resolve.model import COMPARISONS
    from moneytrail.resolve.train import kept_matches_problem

    # One pattern: identical names and an equal identifier (the starting model merges it), seen 40 times.
    pattern = np.array([[0 if c in ("person_name", "identifier") else -1 for c in COMPARISONS]])
    counts, labels = np.array([40.0]), np.array([np.nan])
    assert kept_matches_problem(pattern, counts, labels, DEFAULT_MODEL, DEFAULT_MODEL) == []
    sceptical = DEFAULT_MODEL.with_parameters({}, {}, 1e-9, {})  # a prior no evidence overcomes
    assert kept_matches_problem(pattern, counts, labels, DEFAULT_MODEL, sceptical)[0].startswith("turns away 40")


def test_a_stored_model_with_other_comparison_levels_is_not_reused(case: Case) -> None:
    from dataclasses import replace

    from moneytrail.resolve.model_store import store_model

    # A model trained when addresses had three levels: its m and u cannot be read against five.
    older = replace(DEFAULT_MODEL, comparisons=tuple(
        replace(c, labels=c.labels[:2] + c.labels[-1:], m=c.m[:3], u=c.u[:3]) if c.name == "address" else c
        for c in DEFAULT_MODEL.comparisons))
    store_model(case, older, "trained")
    assert latest_model(case) is None
    store_model(case, DEFAULT_MODEL, "given")
    found = latest_model(case)
    assert found is not None and found.model_id == DEFAULT_MODEL.model_id


def test_a_better_level_never_weighs_less_than_a_worse_one() -> None:
    from moneytrail.resolve.model import monotone_m

    # EM's output on FEBRL 1 before pooling: "partly similar" outweighed "near-identical", and
    # "weakly similar" weighed less than "share a token"
    m = (0.5485, 0.2308, 0.0178, 0.0158, 0.00001, 0.1343, 0.0528)
    u = (1.99e-06, 1.42e-04, 2.20e-05, 1.00e-06, 1.00e-04, 8.67e-03, 0.9910)
    pooled = monotone_m(m, u)
    weights = [math.log2(a / b) for a, b in zip(pooled, u, strict=True)]
    assert all(a >= b - 1e-9 for a, b in itertools.pairwise(weights)), weights
    assert abs(sum(pooled) - sum(m)) < 1e-9 and pooled[0] == m[0] and pooled[-1] == m[-1]
    ordered = (0.6, 0.3, 0.1)
    assert monotone_m(ordered, (0.01, 0.09, 0.9)) == ordered


def test_the_trained_model_is_monotone_and_the_same_run_to_run(tmp_path: Path, identities: object) -> None:
    from moneytrail.resolve.model import GRADED

    models = []
    for run in ("one", "two"):
        with Case.create(tmp_path / run) as case:
            load(case, identities.statements)  # type: ignore[attr-defined]
            resolve_case(case)
            models.append(latest_model(case))
    assert models[0] is not None and models[1] is not None
    assert models[0].model_id == models[1].model_id  # u from seeded random pairs, names on a seeded subset
    for name in GRADED:
        weights = models[0].comparison(name).weights()
        assert all(a >= b - 1e-3 for a, b in itertools.pairwise(weights)), (name, weights)  # stored: m to 8 places


def test_u_worked_out_in_two_parts_is_estimate_us(trained: Case) -> None:
    # resolve_case works out the exact rates while names are scored and the random pairs' u while
    # relevel measures edits (two windows where one core runs Python): the same u as in one go
    engine = trained.engine
    args = (engine, "resolve_records", "resolve_names", "resolve_props", DEFAULT_MODEL, TrainParams(),
            engine.scratch_name)
    whole = estimate_u(*args)
    assert estimate_u(*args, exact=exact_u(engine)) == whole
    assert whole[1] > 0 and whole[2]


def test_relevel_runs_the_callers_work_once_when_nothing_is_learned() -> None:
    calls: list[int] = []
    with Case.in_memory() as case:
        case.migrate()
        levels, model = relevel(case.engine, "levels_table", "names_table", DEFAULT_MODEL, case.engine.scratch_name,
                                learn=False, beside=lambda: calls.append(1))
    assert (levels, model, calls) == ("levels_table", DEFAULT_MODEL, [1])
