"""A cross-script identity test set: many records of the same fictional people and firms, as sources
spell them, with the truth of who is who. For measuring resolution (benchmarks/resolve.py, tests).

Built from the generator's own identity machinery: the name pools of ``generate.names`` (Latin,
Cyrillic and Arabic script), its legal forms and the registry's spelled-out forms
(``generate.entities.REGISTRY_FORMS``), and valid IBANs (``generate.money.iban``). Each identity
appears in 2-4 records, each spelled one way: in its own script, romanised by ICU (BGN for
Cyrillic) surname first in capitals, romanised the other way with a one-letter slip, or with the
given name as an initial; the middle name (a patronymic from the father's given name) is dropped
at random; firms appear
as the bank writes them, as the registry does (upper case, legal form spelled out, ``OOO`` as
``ООО``), in Cyrillic, or without a legal form. Evidence: birth dates (on most person records),
passport numbers, registration numbers and IBANs, a share of IBANs mistyped (failing their
checksum). One person in twenty is a namesake of another identity (same name, different birth
date and passport): they must stay apart. Apart from those, no two people share a given name and
surname.
"""

from __future__ import annotations

from dataclasses import dataclass

import icu  # type: ignore[import-untyped]
import numpy as np
import pyarrow as pa

from moneytrail.generate.entities import REGISTRY_FORMS
from moneytrail.generate.money import iban
from moneytrail.generate.names import (
    COMPANY_FORMS,
    COMPANY_KINDS,
    COMPANY_STEMS,
    GIVEN_ARABIC,
    GIVEN_CYRILLIC,
    GIVEN_LATIN,
    SURNAME_ARABIC,
    SURNAME_CYRILLIC,
    SURNAME_LATIN,
)

NAMESAKE_SHARE = 0.05
# The middle name is the father's, as a patronymic, so it never reads as another person's given name.
_PATRONYMIC = (lambda g: g + "sen", lambda g: g.rstrip("ь") + "ович", lambda g: "بن " + g)
_POOLS = ((GIVEN_LATIN, SURNAME_LATIN), (GIVEN_CYRILLIC, SURNAME_CYRILLIC), (GIVEN_ARABIC, SURNAME_ARABIC))
_BGN = icu.Transliterator.createInstance("Russian-Latin/BGN; Any-Latin; Latin-ASCII")
_OTHER = icu.Transliterator.createInstance("Any-Latin; Latin-ASCII")
_TO_CYRILLIC = icu.Transliterator.createInstance("Latin-Cyrillic")


@dataclass(frozen=True)
class IdentitySet:
    statements: pa.Table  # entity_id, schema, prop, value, source_id
    clusters: list[list[str]]  # entity ids of one identity (every identity, singletons too)
    namesakes: list[tuple[str, str]]  # record pairs with one name and different identities


def _slip(rng: np.random.Generator, word: str) -> str:
    """One letter changed: a doubled letter, or a vowel swapped, as romanisations differ."""
    if len(word) < 4:
        return word
    i = int(rng.integers(1, len(word) - 1))
    swaps = {"a": "o", "o": "a", "i": "y", "y": "i", "e": "a", "u": "ou"}
    if word[i] in swaps:
        return word[:i] + swaps[word[i]] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def _person_name(rng: np.random.Generator, tokens: tuple[str, str, str], script: int, variant: int) -> str:
    given, middle, surname = tokens
    if rng.random() < 0.4:
        middle = ""
    if variant == 1:  # romanised, surname first in capitals, as lists write it
        return " ".join(t for t in (_BGN.transliterate(surname).upper(), _BGN.transliterate(given),
                                    _BGN.transliterate(middle)) if t)
    if variant == 2:  # the other romanisation, with a slip
        romanised = [_OTHER.transliterate(t) for t in (given, middle, surname) if t]
        k = int(rng.integers(0, len(romanised)))
        romanised[k] = _slip(rng, romanised[k])
        return " ".join(romanised)
    if variant == 3:  # initial of the given name
        first = given if script == 0 else _BGN.transliterate(given)
        last = surname if script == 0 else _BGN.transliterate(surname)
        return f"{first[0]}. {last}"
    words = [t for t in (given, middle, surname) if t]
    if rng.random() < 0.3:
        words = [words[-1], *words[:-1]]
    return " ".join(words)


def _company_name(stem: str, kind: str, form: str, variant: int) -> str:
    if variant == 1:
        return f"{stem} {kind}".upper() + " " + REGISTRY_FORMS.get(form, form)
    if variant == 2:
        cyr = str(_TO_CYRILLIC.transliterate(f"{stem} {kind}"))
        return f"ООО «{cyr}»" if form == "OOO" else f"{cyr} {form}"
    if variant == 3:
        return f"{stem} {kind}"
    return f"{stem} {kind} {form}"


def identity_set(identities: int = 850, seed: int = 11) -> IdentitySet:
    """About 2.9 records per identity: ``identities=850`` gives some 2,450 records. A third are
    firms; the pools hold 580 distinct people and 300 firms (and ``identities`` is capped by that)."""
    rng = np.random.default_rng(seed)
    rows: dict[str, list[str]] = {"entity_id": [], "schema": [], "prop": [], "value": [], "source_id": []}
    clusters: list[list[str]] = []
    namesakes: list[tuple[str, str]] = []
    used_people: dict[tuple[str, str, str], int] = {}
    # Every (given name, surname) of the pools once, in random order: no two people share a name
    # unless planted as namesakes.
    combos = [(script, g, sn) for script, (given, surnames) in enumerate(_POOLS) for g in given for sn in surnames]
    order = rng.permutation(len(combos))
    combos = [combos[i] for i in order]
    firms = [(s, k) for s in COMPANY_STEMS for k in COMPANY_KINDS]
    rng.shuffle(firms)

    def add(eid: str, schema: str, prop: str, value: str) -> None:
        source = ("registry", "bank_kyc", "list")[int(eid.rsplit("r", 1)[1]) % 3]
        for key, v in (("entity_id", eid), ("schema", schema), ("prop", prop), ("value", value),
                       ("source_id", source)):
            rows[key].append(v)

    people_names: list[tuple[tuple[str, str, str], int]] = []
    for ident in range(identities):
        is_firm = ident % 3 == 2 and firms
        records = [f"id{ident}r{k}" for k in range(int(rng.integers(2, 5)))]
        clusters.append(records)
        if is_firm:
            stem, kind = firms.pop()
            form = COMPANY_FORMS[int(rng.integers(0, len(COMPANY_FORMS)))]
            number = str(int(rng.integers(10**8, 10**9)))
            account = iban("de", "37040044", format(int(rng.integers(1, 1 << 40)), "x"))
            for k, eid in enumerate(records):
                add(eid, "Company", "name", _company_name(stem, kind, form, k % 4 if k else 0))
                if rng.random() < 0.7:
                    add(eid, "Company", "registrationNumber", number)
                if rng.random() < 0.4:
                    typo = rng.random() < 0.2
                    add(eid, "Company", "iban", account[:-1] + str((int(account[-1]) + 1) % 10) if typo else account)
            continue
        if people_names and rng.random() < NAMESAKE_SHARE:  # a namesake of an earlier person
            tokens, script = people_names[int(rng.integers(0, len(people_names)))]
            namesakes.append((clusters[used_people[tokens]][0], records[0]))
        else:
            if not combos:
                raise ValueError(f"the name pools give at most {len(people_names)} distinct people")
            script, first, last = combos.pop()
            father = _POOLS[script][0][int(rng.integers(0, len(_POOLS[script][0])))]
            tokens = (first, _PATRONYMIC[script](father), last)
            used_people[tokens] = ident
            people_names.append((tokens, script))
        birth = str(np.datetime64("1945-01-01") + int(rng.integers(0, 55 * 365)))
        passport = str(int(rng.integers(10**8, 10**9))) if rng.random() < 0.4 else ""
        for k, eid in enumerate(records):
            add(eid, "Person", "name", _person_name(rng, tokens, script, 0 if k == 0 else int(rng.integers(0, 4))))
            if rng.random() < 0.85:
                add(eid, "Person", "birthDate", birth)
            if passport and rng.random() < 0.5:
                add(eid, "Person", "passportNumber", passport)
    return IdentitySet(pa.table(rows), clusters, namesakes)
