"""IBANs: validation and the country they carry. rigour (python-stdnum underneath) checks the length
and check digits per country, so a string that merely starts with two letters is not taken for an IBAN."""

from __future__ import annotations

# The shortest IBAN (Norway's) has 15 characters; compacting only removes characters, so a shorter text is
# no IBAN. Checked first: account numbers are mostly short, and the full check costs microseconds each.
SHORTEST_IBAN = 15


def compact_iban(text: str) -> str | None:
    """The IBAN in compact form (no spaces, upper case) when ``text`` is a valid IBAN, else None."""
    if len(text) < SHORTEST_IBAN:
        return None
    # Imported here: rigour's identifiers take a tenth of a second to import, and most account numbers are
    # ruled out by their length above.
    from rigour.ids import IBAN

    return IBAN.normalize(text) if IBAN.is_valid(text) else None


def iban_country(text: str | None) -> str | None:
    """The ISO country code an IBAN carries (``DE89 3704...`` -> ``DE``), None when not a valid IBAN."""
    if not text:
        return None
    valid = compact_iban(text)
    return valid[:2] if valid else None
