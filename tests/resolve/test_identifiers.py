"""Identifier checksums (rigour.ids) and the FtM property lists resolution reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from moneytrail.model.properties import identifier_classes, identifier_formats, name_props, party_schemata
from moneytrail.resolve.explain import explain_pairs
from moneytrail.resolve.identifiers import checksum_status
from moneytrail.resolve.pipeline import resolve_case
from moneytrail.store import Case
from moneytrail.store.entities import entity_names_sql

AddStatements = Callable[[Case, Iterable[tuple[str, str, str, str, str]]], None]


@pytest.mark.parametrize(("fmt", "value", "status"), [
    ("iban", "DE89370400440532013000", "valid"), ("iban", "DE89370400440532013001", "invalid"),
    ("lei", "529900T8BM49AURSDO55", "valid"), ("lei", "529900T8BM49AURSDO56", "invalid"),
    ("inn", "7707083893", "valid"), ("inn", "7707083894", "invalid"),
    ("ogrn", "1027700132195", "valid"), ("ogrn", "1027700132196", "invalid"),
    ("bic", "DEUTDEFF", "valid"), ("no-such-format", "123", None),
])
def test_checksums(fmt: str, value: str, status: str | None) -> None:
    assert checksum_status(fmt, value) == status


def test_property_lists_come_from_the_ftm_model() -> None:
    assert {"Person", "Company", "Organization", "PublicBody", "LegalEntity"} <= set(party_schemata())
    assert {"name", "alias", "previousName", "weakAlias"} <= set(name_props())
    ids = identifier_classes()
    # far more than the dozen listed by hand before, and no classifiers (okvedCode is an activity code)
    assert len(ids) > 25 and "okvedCode" not in ids and {"leiCode", "ogrnCode", "imoNumber", "dunsCode"} <= set(ids)
    assert identifier_formats()["leiCode"] == "lei" and identifier_formats()["innCode"] == "inn"
    # store.entities reads the same name properties
    assert all(f"'{p}'" in entity_names_sql() for p in name_props())


def _identifier_signal(case: Case) -> dict[str, object]:
    stored = case.engine.rows("SELECT left_id, right_id FROM resolve_pairs")
    explanation = next(iter(explain_pairs(case, stored).values()))
    signal: dict[str, object] = next(s for s in explanation["signals"] if s["signal"] == "identifier")
    return signal


def test_iban_failing_its_checksum_is_weak_evidence(case: Case, add_rows: AddStatements) -> None:
    good = "DE89370400440532013000"
    bad = "DE89370400440532013001"  # one digit off: the mod-97 check fails
    add_rows(case, [("a", "Person", "name", "Selim Karavan", "s1"), ("a", "Person", "iban", bad, "s1"),
                    ("b", "Person", "name", "Selim Karavan", "s2"), ("b", "Person", "iban", bad, "s2")])
    resolve_case(case)
    weak = _identifier_signal(case)
    assert weak["rule"] == "identifier equal, but its checksum fails"
    with Case.in_memory() as other:
        add_rows(other, [("a", "Person", "name", "Selim Karavan", "s1"), ("a", "Person", "iban", good, "s1"),
                         ("b", "Person", "name", "Selim Karavan", "s2"), ("b", "Person", "iban", good, "s2")])
        resolve_case(other)
        strong = _identifier_signal(other)
    assert strong["rule"] == "identifier equal"
    assert 0 < float(weak["weight"]) < float(strong["weight"])  # type: ignore[arg-type]
    assert case.engine.scalar("SELECT DISTINCT checksum FROM resolve_props WHERE prop_class = 'iban'") == "invalid"


def test_a_broken_iban_does_not_contradict(case: Case, add_rows: AddStatements) -> None:
    """Different IBANs, one failing its checksum (mistyped): weaker against than a real contradiction."""
    add_rows(case, [("a", "Person", "name", "Selim Karavan", "s1"),
                    ("a", "Person", "iban", "DE89370400440532013000", "s1"),
                    ("b", "Person", "name", "Selim Karavan", "s2"), ("b", "Person", "iban", "DE12345", "s2"),
                    ("c", "Person", "name", "Selim Karavan", "s3"),
                    ("c", "Person", "iban", "GB82WEST12345698765432", "s3")])
    resolve_case(case)
    rules = {key: {s["rule"]: s["weight"] for s in explanation["signals"]} for key, explanation
             in explain_pairs(case, case.engine.rows("SELECT left_id, right_id FROM resolve_pairs")).items()}
    broken = rules[("a", "b")]["identifiers differ, one fails its checksum"]
    contradict = rules[("a", "c")]["identifiers contradict"]
    assert contradict < broken < 0
