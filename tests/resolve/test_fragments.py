from __future__ import annotations

import pyarrow as pa

from moneytrail.resolve.fragments import join_fragments
from moneytrail.resolve.model import ABJAD_LEVEL, IDENTICAL_LEVEL, VARIANT_LEVEL
from moneytrail.store import Case


def _pair(left: str, right: str, weight: float, decision: str, person_name: int | None = VARIANT_LEVEL,
          birth_date: int | None = None) -> tuple[object, ...]:
    return (left, right, "person", 0.9, weight, 1 / (1 + 2 ** -weight), decision, left, right, "{}", 0.0,
            birth_date, None, person_name)


def _joined(case: Case, components: pa.Table, pairs: list[tuple[object, ...]], born: dict[str, str] | None = None,
            max_size: int = 3) -> dict[str, int]:
    """The stored pairs and birth dates written, then each record's component after fragments joined."""
    engine = case.engine
    for row in pairs:
        engine.execute("INSERT INTO resolve_pairs (left_id, right_id, grp, name_score, weight, probability, "
                       "decision, left_name, right_name, explanation, support, birth_date, identifier, "
                       "person_name, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'r')", list(row))
    for entity, value in (born or {}).items():
        engine.execute("INSERT INTO resolve_props (entity_id, prop_class, value) VALUES (?, 'birth_date', ?)",
                       [entity, value])
    with engine.run() as run:
        joined = engine.query("SELECT * FROM " + join_fragments(
            lambda sql, hint: run.materialise(sql, hint=hint).name, run.arrow(components, hint="components").name,
            max_size=max_size))
    return dict(zip(joined.column("entity_id").to_pylist(), joined.column("component").to_pylist(), strict=True))


def test_a_fragment_joins_the_cluster_a_variant_spelling_points_to_unless_contradicted() -> None:
    with Case.in_memory() as case:
        # a big cluster (0), a fragment of two typo records pointing to it (1), a fragment whose birth date
        # contradicts the big cluster's (2), one met by two clusters at the variant level (3, rivals 0 and 5)
        components = pa.table({"entity_id": ["a1", "a2", "a3", "a4", "f1", "f2", "d1", "d2", "r1", "r2",
                                             "b1", "b2", "b3", "b4"],
                               "component": [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 5, 5, 5, 5]})
        pairs = [
            _pair("a1", "f1", 0.3, "review"), _pair("a2", "f2", -0.8, "review"),  # joins 0
            _pair("a1", "d1", 0.4, "review"),  # joins nothing: d2 was born in another year than a3
            _pair("a1", "r1", 0.5, "review"), _pair("b1", "r2", -1.5, "review"),  # two clusters: no join
        ]
        components_after = _joined(case, components, pairs, born={"a3": "1970-01-01", "d2": "1985-05-05"})
    assert {e: c for e, c in components_after.items() if c != components.column("component")[
        components.column("entity_id").to_pylist().index(e)].as_py()} == {"f1": 0, "f2": 0}
    assert len(components_after) == components.num_rows


def test_only_a_variant_level_pair_and_only_small_clusters_or_lone_records_move() -> None:
    with Case.in_memory() as case:
        components = pa.table({"entity_id": ["a1", "a2", "a3", "a4", "g1", "g2", "g3", "g4", "h1"],
                               "component": [0, 0, 0, 0, 1, 1, 1, 1, 2]})
        pairs = [
            _pair("a1", "g1", 0.9, "review"),  # a cluster of four is no fragment at max_size 3
            _pair("a1", "h1", 0.9, "review", person_name=IDENTICAL_LEVEL),  # the name as spelt: not this rule
            _pair("a2", "solo", -1.0, "review"),  # a lone record: takes cluster 0
            _pair("twin1", "twin2", 0.2, "review"),  # two lone records pointing to each other: a new cluster
            _pair("a3", "denied", 0.5, "review"), _pair("a4", "denied", -6.0, "distinct"),  # contradicted
            # identical only in Arabic script to cluster 1 (more weight), a variant of cluster 0: joins 0
            _pair("g2", "vowels", 2.5, "review", person_name=ABJAD_LEVEL), _pair("a1", "vowels", 0.1, "review"),
            # ... but a cluster holding the name as spelt is a rival, whatever its weight
            _pair("g3", "spelt", -1.0, "review", person_name=IDENTICAL_LEVEL), _pair("a1", "spelt", 0.5, "review"),
            # two namesakes each pointing to cluster 0, apart by their own distinct pair: neither joins
            _pair("a3", "name1", 0.2, "review"), _pair("a4", "name2", 0.2, "review"),
            _pair("name1", "name2", -5.0, "distinct", person_name=IDENTICAL_LEVEL),
        ]
        after = _joined(case, components, pairs)
    assert after["g1"] == 1 and after["h1"] == 2 and "denied" not in after and "spelt" not in after
    assert after["solo"] == 0 and after["vowels"] == 0 and "name1" not in after and "name2" not in after
    assert after["twin1"] == after["twin2"] and after["twin1"] not in (0, 1, 2)
