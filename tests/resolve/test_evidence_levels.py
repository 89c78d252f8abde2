"""Evidence levels that read more than one value: a near identifier needs corroboration, and an
address is compared as its words and its numbers."""

from __future__ import annotations

from moneytrail.resolve.explain import explain_pair
from moneytrail.resolve.pipeline import resolve_case
from moneytrail.store import Case
from tests.resolve.conftest import AddStatements


def signal_rules(case: Case, left: str, right: str) -> dict[str, tuple[str, float]]:
    explanation = explain_pair(case, left, right)
    assert explanation is not None
    return {s["signal"]: (s["rule"], s["weight"]) for s in explanation["signals"]}


def person(entity: str, name: str, birth: str, ident: str, address: str) -> list[tuple[str, str, str, str, str]]:
    return [(entity, "Person", "name", name, "s1"), (entity, "Person", "birthDate", birth, "s1"),
            (entity, "Person", "idNumber", ident, "s1"), (entity, "Person", "address", address, "s1")]


def test_identifier_one_character_off_counts_as_a_typo_only_when_other_evidence_agrees(
        case: Case, add_rows: AddStatements) -> None:
    # a and b: the same birth date and address, ids one character off: a typo.
    # a and c: ids one character off too, but birth dates and addresses disagree (sequential numbers).
    add_rows(case, person("a", "Emiko Vantreight", "1967-02-03", "5628066", "33 Mackenzie Street Salisbury 2121")
             + person("b", "Emiko Vantreight", "1967-02-03", "5628067", "33 Mackenzie Street Salisbury 2121")
             + person("c", "Emiko Vantreight", "1995-04-02", "5928066", "173 Star Close Yarram 4505"))
    resolve_case(case)
    typo_rule, typo_weight = signal_rules(case, "a", "b")["identifier"]
    lone_rule, lone_weight = signal_rules(case, "a", "c")["identifier"]
    assert typo_rule == "identifier differs by one character (typo?)" and typo_weight > 0
    assert lone_rule == "identifier one or two characters off, nothing else agrees" and lone_weight < 0


def test_an_address_is_compared_as_its_words_and_its_numbers(case: Case, add_rows: AddStatements) -> None:
    # a and b share three of five words (a building and a town), but no number: other places in one
    # town; a and c share the words as much and every number (house, postcode).
    add_rows(case, person("a", "Jordan Greenhalgh", "1980-01-01", "", "21 Gamburra Street Flynn Medical Centre 6055")
             + person("b", "Jordan Greenhalgh", "1980-01-01", "", "37 Kingsmill Road Flynn Medical Centre 3084")
             + person("c", "Jordan Greenhalgh", "1980-01-01", "", "21 Kingsmill Road Flynn Medical Centre 6055"))
    resolve_case(case)
    other, same = signal_rules(case, "a", "b"), signal_rules(case, "a", "c")
    assert other["address"][0] == same["address"][0] == "addresses share half their words"
    assert other["address_number"][0] == "address numbers differ" and other["address_number"][1] < 0
    assert same["address_number"][0] == "address numbers equal" and same["address_number"][1] > 0


def test_address_parts_are_two_evidence_values() -> None:
    import pyarrow as pa

    from moneytrail.resolve.evidence_values import normalise_props

    props = normalise_props(pa.table({"entity_id": ["a"], "prop": ["address"],
                                      "value": ["Flat 4B, 21 Gamburra Street, Flynn 6055"]}))
    assert sorted(zip(props.column("prop_class").to_pylist(), props.column("value").to_pylist(),
                      strict=True)) == [("address", "flat flynn gamburra street"), ("address_number", "21 4b 6055")]


def test_names_agreeing_only_with_other_vowels_are_partly_similar(case: Case, add_rows: AddStatements) -> None:
    # one skeleton each token; a and b differ by a typo in one token (near-identical), a and c by other vowels
    # (one birth date, so that the pairs are kept and explained)
    add_rows(case, [row for e, name in (("a", "Fami Fahiddar"), ("b", "Fami Fahidar"), ("c", "Fami Fohuddor"))
                    for row in ((e, "Person", "name", name, "s1"), (e, "Person", "birthDate", "1970-01-02", "s1"))])
    resolve_case(case)
    assert signal_rules(case, "a", "b")["name"][0] == "name near-identical"
    assert signal_rules(case, "a", "c")["name"][0] == "name partly similar"
