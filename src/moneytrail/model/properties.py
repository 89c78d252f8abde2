"""Which FtM properties name a party, identify it, date it and place it: read from the followthemoney
model for every party schema, not listed by hand.

A party is any concrete schema that is a LegalEntity (Person, Company, Organization, PublicBody, and
LegalEntity itself). Identifier properties are the ``identifier``-typed ones FtM marks matchable
(so ``okvedCode``, an activity classifier, or ``programId`` are left out); values of one
class are compared with each other (the property name, or a shared class such as ``tax`` for
taxNumber, vatCode and innCode); an identifier's FtM format (``iban``, ``bic``, ``lei``, ``inn``,
``ogrn``...) says which checksum ``resolve.identifiers`` checks. ``store.entities``
reads its name properties from here too, so the two never disagree.
"""

from __future__ import annotations

from functools import cache

from followthemoney import model

# Dates that pin down who a party is; createdAt, modifiedAt and dissolutionDate do not.
IDENTITY_DATES = {"birthDate": "birth_date", "incorporationDate": "birth_date"}
# Identifier formats whose values are comparable across properties (an INN is an INN under taxNumber too).
# Properties whose values are comparable with each other's (an INN is often filed as taxNumber).
_SHARED_CLASSES = {"swiftBic": "bic", "taxNumber": "tax", "vatCode": "tax", "innCode": "tax"}


@cache
def party_schemata() -> tuple[str, ...]:
    return tuple(sorted(s.name for s in model.schemata.values() if s.is_a("LegalEntity") and not s.abstract)
                 or ("LegalEntity",))


def _party_props() -> list[object]:
    seen: dict[str, object] = {}
    for name in party_schemata():
        schema = model.get(name)
        if schema is None:
            continue
        for prop in schema.properties.values():
            seen.setdefault(prop.name, prop)
    return [seen[k] for k in sorted(seen)]


@cache
def name_props() -> tuple[str, ...]:
    """Properties of FtM type ``name`` on party schemata (name, alias, previousName, weakAlias, abbreviation)."""
    return tuple(p.name for p in _party_props() if p.type.name == "name")  # type: ignore[attr-defined]


@cache
def identifier_classes() -> dict[str, str]:
    """prop -> identifier class for every matchable identifier property of a party schema, plus
    ``iban`` (held through BankAccount entities and the accounts table)."""
    out: dict[str, str] = {"iban": "iban"}
    for prop in _party_props():
        if prop.type.name != "identifier" or not prop.matchable:  # type: ignore[attr-defined]
            continue
        name = str(prop.name)  # type: ignore[attr-defined]
        out[name] = _SHARED_CLASSES.get(name, name)
    return out


@cache
def identifier_formats() -> dict[str, str]:
    """prop -> FtM identifier format (iban, bic, lei, inn, ogrn, imo...) where FtM names one: the
    values that have a checksum rigour can check."""
    out: dict[str, str] = {"iban": "iban"}
    for prop in _party_props():
        fmt = getattr(prop, "format", None)
        if prop.type.name == "identifier" and fmt:  # type: ignore[attr-defined]
            out[str(prop.name)] = str(fmt)  # type: ignore[attr-defined]
    return out


@cache
def country_props() -> tuple[str, ...]:
    return tuple(p.name for p in _party_props() if p.type.name == "country")  # type: ignore[attr-defined]


@cache
def prop_classes() -> dict[str, str]:
    """prop -> evidence class: identifiers, identity dates, countries and addresses."""
    out = dict(identifier_classes())
    out.update(IDENTITY_DATES)
    out.update(dict.fromkeys(country_props(), "country"))
    out["address"] = "address"
    return out


def identifier_class_names() -> tuple[str, ...]:
    return tuple(sorted(set(identifier_classes().values())))
