from __future__ import annotations

import pyarrow as pa

from moneytrail.resolve.attach import alone_sql, attached_sql, compared_below_sql, facing_sql, lone_edges_sql
from moneytrail.resolve.model import IDENTICAL_LEVEL, NEAR_IDENTICAL_LEVEL
from moneytrail.store import Case


def _pair(left: str, right: str, weight: float, decision: str, birth_date: int | None = None,
          identifier: int | None = None, person_name: int | None = None) -> tuple[object, ...]:
    return (left, right, "person", 0.9, weight, 1 / (1 + 2 ** -weight), decision, left, right, "{}", 0.0,
            birth_date, identifier, person_name)


def _attached(case: Case, components: pa.Table, records: list[str],
              pairs: list[tuple[object, ...]], skip_levels: tuple[int, ...] = ()) -> list[tuple[str, int]]:
    """The records and stored pairs written, then (entity_id, component) of each lone record attach places;
    the same whether attach reads the lone records' relations itself or as ``pipeline.recluster`` prepares them
    (materialised, the records compared below review read only within the groups their pairs reach)."""
    engine = case.engine
    for entity in records:
        engine.execute("INSERT INTO resolve_records (entity_id, grp, run_id) VALUES (?, 'person', 'r')", [entity])
    for row in pairs:
        engine.execute("INSERT INTO resolve_pairs (left_id, right_id, grp, name_score, weight, probability, "
                       "decision, left_name, right_name, explanation, support, birth_date, identifier, "
                       "person_name, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'r')", list(row))
    placed = []
    with engine.run() as run:
        members = run.arrow(components, hint="components").name
        alone = run.materialise(alone_sql(members), hint="alone").name
        edges = run.materialise(lone_edges_sql(alone), hint="edges").name
        compared = run.materialise(compared_below_sql(f"({facing_sql(edges, alone)}) facing",
                                                      within=(edges, members)), hint="compared").name
        for prepared in (None, (edges, compared)):
            joined = engine.query(attached_sql(members, skip_levels=skip_levels, prepared=prepared))
            placed.append(sorted(zip(joined.column("entity_id").to_pylist(), joined.column("component").to_pylist(),
                                     strict=True)))
    assert placed[0] == placed[1]
    return placed[0]


def test_a_lone_record_attaches_only_to_an_uncontested_uncontradicted_cluster() -> None:
    with Case.in_memory() as case:
        engine = case.engine
        # two clusters from matches: a1-a3 (component 0) and b1-b2 (component 1)
        components = pa.table({"entity_id": ["a1", "a2", "a3", "b1", "b2"], "component": [0, 0, 0, 1, 1]})
        lone = ["solo", "torn", "denied", "judged", "weak", "paired", "born", "numbered", "spelt", "rivalled",
                "twin1", "twin2"]
        pairs = [
            _pair("a1", "solo", 0.6, "review"), _pair("a2", "solo", 0.3, "review"),  # one cluster: attaches
            _pair("a1", "torn", 0.6, "review"), _pair("b1", "torn", -0.5, "review"),  # rival within 2 bits
            _pair("a1", "denied", 1.0, "review"), _pair("a2", "denied", -9.0, "distinct"),  # contradicted there
            _pair("a1", "judged", 1.0, "review"),  # an analyst said no to judged-a3
            _pair("a1", "weak", -1.0, "review"),  # below the Bayes decision
            _pair("paired", "partner", 3.0, "review"),  # best partner is a lone record, not a cluster
            _pair("a1", "paired", 0.5, "review"),
            # a namesake: the name weighs it above 0, but the birth dates (level 4) or identifiers (6) contradict
            _pair("a1", "born", 0.57, "review", birth_date=4), _pair("b1", "numbered", 1.5, "review", identifier=6),
            # the name agrees with a1's at level 1, with b1's only at level 2 (an initial): b1 is no rival
            _pair("a1", "spelt", 1.0, "review", person_name=1), _pair("b1", "spelt", 0.5, "review", person_name=2),
            # ... but a rival whose name agrees as well is one
            _pair("a1", "rivalled", 1.0, "review", person_name=1),
            _pair("b1", "rivalled", 0.5, "review", person_name=1),
            # two records left alone of one party, each other's rival by weight, both pointing to cluster b
            _pair("b1", "twin1", 1.2, "review", person_name=1), _pair("b2", "twin2", 1.1, "review", person_name=1),
            _pair("twin1", "twin2", 1.0, "review", person_name=1),
        ]
        engine.execute("INSERT INTO resolve_judgements (left_id, right_id, judgement, judged_at) "
                       "VALUES ('a3', 'judged', 'negative', TIMESTAMP '2026-01-01 00:00:00')")
        attached = _attached(case, components, [*components.column("entity_id").to_pylist(), *lone, "partner"], pairs)
    assert attached == [("solo", 0), ("spelt", 0), ("twin1", 1), ("twin2", 1)]


def test_a_cluster_whose_birth_dates_all_contradict_the_records_is_no_target() -> None:
    with Case.in_memory() as case:
        engine = case.engine
        components = pa.table({"entity_id": ["a1", "a2", "b1", "b2"], "component": [0, 0, 1, 1]})
        # a2 was born in 1970; the lone records were not compared with it (no pair), only with a1
        for entity, born in [("a2", "1970-01-01"), ("other_year", "1985-05-05"), ("next_best", "1985-05-05"),
                             ("same_year", "1970-03-01")]:
            engine.execute("INSERT INTO resolve_props (entity_id, prop_class, value) VALUES (?, 'birth_date', ?)",
                           [entity, born])
        pairs = [
            _pair("a1", "other_year", 1.0, "review"),  # cluster a holds another birth date: no target
            _pair("a1", "next_best", 2.0, "review"), _pair("b1", "next_best", 0.5, "review"),  # so b is its best
            _pair("a1", "same_year", 1.0, "review"),  # another day of the same year: no contradiction
        ]
        records = ["a1", "a2", "b1", "b2", "other_year", "next_best", "same_year"]
        attached = _attached(case, components, records, pairs)
    assert attached == [("next_best", 1), ("same_year", 0)]


def test_a_cluster_holding_the_records_birth_date_is_its_target_though_no_pair_compared_it() -> None:
    with Case.in_memory() as case:
        engine = case.engine
        components = pa.table({"entity_id": ["a1", "a2", "b1", "b2", "c1", "c2"], "component": [0, 0, 1, 1, 2, 2]})
        # a2 and c2 bear 1970-01-01; no lone record was compared with them, only with a1, b1 and c1 (no dates)
        for entity in ["a2", "c2", "dated", "below", "twice"]:
            engine.execute("INSERT INTO resolve_props (entity_id, prop_class, value) VALUES (?, 'birth_date', "
                           "'1970-01-01')", [entity])
        pairs = [
            _pair("a1", "dated", 0.5, "review"), _pair("b1", "dated", 1.0, "review"),  # b ahead by name only
            _pair("a1", "below", -1.0, "review"),  # below the Bayes decision, but cluster a holds its date
            _pair("a1", "twice", 0.5, "review"), _pair("c1", "twice", 0.4, "review"),  # two clusters hold it
            _pair("a1", "undated", 0.5, "review"), _pair("b1", "undated", 1.0, "review"),  # no date: rivals
        ]
        records = ["a1", "a2", "b1", "b2", "c1", "c2", "dated", "below", "twice", "undated"]
        attached = _attached(case, components, records, pairs)
    assert attached == [("below", 0), ("dated", 0)]


def test_a_skipped_name_level_attaches_only_to_a_cluster_holding_the_records_birth_date() -> None:
    components = pa.table({"entity_id": ["a1", "a2", "b1", "b2"], "component": [0, 0, 1, 1]})
    pairs = [_pair("a1", "near", 1.0, "review", person_name=NEAR_IDENTICAL_LEVEL),  # skipped level: stays alone
             _pair("b1", "born", 1.0, "review", person_name=NEAR_IDENTICAL_LEVEL),  # b holds its date: attaches
             _pair("a1", "spelt", 1.0, "review", person_name=IDENTICAL_LEVEL)]  # another level: attaches
    records = ["a1", "a2", "b1", "b2", "near", "born", "spelt"]

    def attached(skip_levels: tuple[int, ...]) -> list[tuple[str, int]]:
        with Case.in_memory() as case:
            for entity in ["b2", "born"]:
                case.engine.execute("INSERT INTO resolve_props (entity_id, prop_class, value) VALUES (?, "
                                    "'birth_date', '1970-01-01')", [entity])
            return _attached(case, components, records, pairs, skip_levels=skip_levels)

    assert attached((NEAR_IDENTICAL_LEVEL,)) == [("born", 1), ("spelt", 0)]
    # without the parameter the same records attach by the module's rule
    assert attached(()) == [("born", 1), ("near", 0), ("spelt", 0)]


def test_a_cluster_whose_members_were_compared_and_scored_below_review_is_no_target() -> None:
    with Case.in_memory() as case:
        engine = case.engine
        components = pa.table({"entity_id": ["a1", "a2", "a3", "b1", "b2", "c1", "c2", "c3"],
                               "component": [0, 0, 0, 1, 1, 2, 2, 2]})
        # blocking put each lone record with members of the clusters it shares a key with ("p:x", "p:y");
        # a pair that was compared and not stored fell below review
        keys = [("a1", "p:x"), ("a2", "p:x"), ("a3", "p:x"), ("b1", "p:x"), ("b2", "p:x"), ("c1", "p:y"),
                ("rejected", "p:x"), ("pointed", "p:x"), ("unblocked", "p:z")]
        for entity, key in keys:
            engine.execute("INSERT INTO resolve_keys (entity_id, grp, block_key) VALUES (?, 'person', ?)",
                           [entity, key])
        pairs = [
            # matched a1 only; a2 and a3 were compared and fell below review: cluster a is no target, so b is
            _pair("a1", "rejected", 3.0, "review"), _pair("b1", "rejected", 0.5, "review"),
            _pair("b2", "rejected", 0.4, "review"),
            # a2 and a3 compared and below review, but a1 and a2 too were stored: two against two
            _pair("a1", "pointed", 3.0, "review"), _pair("a2", "pointed", 2.0, "review"),
            # c2 and c3 share no key with it: never compared, so they say nothing
            _pair("c1", "unblocked", 1.0, "review"),
        ]
        records = ["a1", "a2", "a3", "b1", "b2", "c1", "c2", "c3", "rejected", "pointed", "unblocked"]
        attached = _attached(case, components, records, pairs)
    assert attached == [("pointed", 0), ("rejected", 1), ("unblocked", 2)]
