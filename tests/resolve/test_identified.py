from __future__ import annotations

import pyarrow as pa

from moneytrail.resolve.identified import identifier_conflicts
from moneytrail.store import Case
from tests.resolve.test_dated import _add, reclustered


def _held(case: Case, values: dict[str, list[tuple[str, str, str | None]]]) -> None:
    for entity, held in values.items():
        for prop_class, value, checksum in held:
            case.engine.execute("INSERT INTO resolve_props (entity_id, prop_class, value, checksum) "
                                "VALUES (?, ?, ?, ?)", [entity, prop_class, value, checksum])


def test_uncompared_members_whose_identifiers_contradict_are_found() -> None:
    with Case.in_memory() as case:
        _add(case, {}, [("a", "e", -5.0, "distinct")])  # a and e were compared: their pair already speaks
        _held(case, {"a": [("iban", "DE89370400440532013000", "valid")],
                     "b": [("iban", "GB82WEST12345698765432", "valid")],
                     "c": [("iban", "DE89370400440532013001", "invalid")],  # fails its checksum: weak evidence
                     "d": [("passportNumber", "K1234567", None)],
                     "e": [("iban", "FR1420041010050500013M02606", "valid")],
                     "f": [("passportNumber", "K1234576", None)],  # d's, two characters off: a typo
                     "g": [("passportNumber", "P9988776", None)],
                     "x": [("iban", "NL91ABNA0417164300", "valid")]})
        components = pa.table({"entity_id": ["a", "b", "c", "d", "e", "f", "g", "x"],
                               "component": [0, 0, 0, 0, 0, 0, 0, 1]})
        with case.engine.run() as run:
            found = identifier_conflicts(case.engine, run.arrow(components, hint="components").name)
    pairs = sorted(zip(found.column("left_id").to_pylist(), found.column("right_id").to_pylist(), strict=True))
    # c's broken iban contradicts nobody, d and f are a typo apart, x is in another component
    assert pairs == [("a", "b"), ("b", "e"), ("d", "g"), ("f", "g")]


def test_a_chain_through_a_record_without_the_identifier_breaks_at_its_weakest_link() -> None:
    with Case.in_memory() as case:
        # x bears no identifier and matches a strongly and b weakly; a and b, whose passports differ, were
        # never compared. Joined transitively the cluster would hold two identifiers that contradict.
        _add(case, {}, [("a", "x", 8.0, "match"), ("b", "x", 3.0, "match"), ("a", "a2", 9.0, "match")])
        _held(case, {"a": [("passportNumber", "K1234567", None)], "a2": [("passportNumber", "K1234567", None)],
                     "b": [("passportNumber", "P9988776", None)]})
        canonical = reclustered(case)
    assert canonical["x"] == canonical["a"] == canonical["a2"] and "b" not in canonical


def test_a_chain_between_identifiers_a_typo_apart_stays_one_cluster() -> None:
    with Case.in_memory() as case:
        _add(case, {}, [("a", "x", 8.0, "match"), ("b", "x", 3.0, "match")])
        _held(case, {"a": [("passportNumber", "K1234567", None)], "b": [("passportNumber", "K1234576", None)]})
        canonical = reclustered(case)
    assert canonical["a"] == canonical["b"] == canonical["x"]
