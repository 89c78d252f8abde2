from __future__ import annotations

import pyarrow as pa

from moneytrail.resolve.dated import dated_conflicts_sql
from moneytrail.resolve.pipeline import recluster
from moneytrail.store import Case


def _add(case: Case, born: dict[str, list[str]], pairs: list[tuple[str, str, float, str]]) -> None:
    engine = case.engine
    for entity in sorted({e for a, b, _, _ in pairs for e in (a, b)} | set(born)):
        engine.execute("INSERT INTO resolve_records (entity_id, grp, run_id) VALUES (?, 'person', 'r')", [entity])
    for entity, dates in born.items():
        for value in dates:
            engine.execute("INSERT INTO resolve_props (entity_id, prop_class, value) VALUES (?, 'birth_date', ?)",
                           [entity, value])
    for left, right, weight, decision in pairs:
        engine.execute("INSERT INTO resolve_pairs (left_id, right_id, grp, name_score, weight, probability, decision, "
                       "left_name, right_name, explanation, support, person_name, run_id) "
                       "VALUES (?, ?, 'person', 0.9, ?, ?, ?, ?, ?, '{}', 0.0, 0, 'r')",
                       [left, right, weight, 1 / (1 + 2 ** -weight), decision, left, right])


def reclustered(case: Case) -> dict[str, str]:
    """Each clustered record's canonical id after ``recluster``."""
    recluster(case)
    return {str(k): str(v) for k, v in case.engine.rows("SELECT entity_id, canonical_id FROM entity_canonical")}


def test_uncompared_members_whose_birth_dates_contradict_are_found() -> None:
    with Case.in_memory() as case:
        _add(case, {"a": ["1970-01-01"], "b": ["1985-05-05"], "c": ["1970-03-01"], "d": ["1985-05-05", "1970-01-01"],
                    "e": ["1952-07-07"], "f": ["1971-01-01"]},
             [("a", "e", -5.0, "distinct")])  # a and e were compared: their pair already speaks
        components = pa.table({"entity_id": ["a", "b", "c", "d", "e", "f", "x"], "component": [0, 0, 0, 0, 0, 1, 1]})
        with case.engine.run() as run:
            found = case.engine.query(dated_conflicts_sql(run.arrow(components, hint="components").name))
    pairs = sorted(zip(found.column("left_id").to_pylist(), found.column("right_id").to_pylist(), strict=True))
    # c is born in a's year (no contradiction), d agrees with one of a, b, c by one of its dates, f is apart
    assert pairs == [("a", "b"), ("b", "c"), ("b", "e"), ("c", "e"), ("d", "e")]


def test_a_chain_through_an_undated_record_breaks_at_its_weakest_link() -> None:
    with Case.in_memory() as case:
        # x has no birth date and matches a (born 1970) strongly and b (born 1985) weakly; a and b were never
        # compared. Joined transitively the cluster would hold two birth dates that contradict.
        _add(case, {"a": ["1970-01-01"], "b": ["1985-05-05"], "a2": ["1970-01-01"]},
             [("a", "x", 8.0, "match"), ("b", "x", 3.0, "match"), ("a", "a2", 9.0, "match")])
        canonical = reclustered(case)
    assert canonical["x"] == canonical["a"] == canonical["a2"] and "b" not in canonical


def test_an_undated_chain_between_agreeing_dates_stays_one_cluster() -> None:
    with Case.in_memory() as case:
        _add(case, {"a": ["1970-01-01"], "b": ["1970-01-02"]}, [("a", "x", 8.0, "match"), ("b", "x", 3.0, "match")])
        canonical = reclustered(case)
    assert canonical["a"] == canonical["b"] == canonical["x"]
