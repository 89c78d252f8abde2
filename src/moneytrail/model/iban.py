"""IBANs: validation and the country they carry. rigour (python-stdnum underneath) checks the length
and check digits per country, so a string that merely starts with two letters is not taken for an IBAN."""

from __future__ import annotations

from rigour.ids import IBAN

# The shortest IBAN (Norway's) has 15 characters; compacting only removes characters, so a shorter text is
# no IBAN. Checked first: account numbers are mostly short, and the full check costs microseconds each.
SHORTEST_IBAN = 15


def compact_iban(text: str) -> str | None:
    """The IBAN in compact form (no spaces, upper case) when ``text`` is a valid IBAN, else None."""
    if len(text) < SHORTEST_IBAN or not IBAN.is_valid(text):
        return None
    return IBAN.normalize(text)


def iban_country(text: str | None) -> str | None:
    """The ISO country code an IBAN carries (``DE89 3704...`` -> ``DE``), None when not a valid IBAN."""
    if not text:
        return None
    valid = compact_iban(text)
    return valid[:2] if valid else None
