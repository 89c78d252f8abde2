from __future__ import annotations

from moneytrail.model.iban import SHORTEST_IBAN, compact_iban, iban_country


def test_the_shortest_iban_still_passes_the_length_check() -> None:
    # Norway's IBANs are the shortest (15 characters); the quick length check must not reject them.
    assert len("NO9386011117947") == SHORTEST_IBAN
    assert compact_iban("NO9386011117947") == "NO9386011117947"
    assert iban_country("no93 8601 1117 947") == "NO"


def test_short_account_numbers_and_invalid_ibans_are_not_ibans() -> None:
    assert iban_country("12345678") is None
    assert compact_iban("NO938601111794") is None  # one digit short
    assert compact_iban("NO9386011117948") is None  # wrong check digits
