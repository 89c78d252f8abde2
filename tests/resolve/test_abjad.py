"""The name level "identical in Arabic script": a romanised name written in Arabic by ICU against a
name written in Arabic, on hand-made pairs and on real ones (the UN Security Council's list, which
gives each listed person's name in Arabic and in Latin, ``tests/data/resolve/README.md``)."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa

from moneytrail.resolve.person_names import abjad_keys, person_name_columns
from moneytrail.resolve.pipeline import resolve_case
from moneytrail.store import Case
from tests.resolve.conftest import AddStatements, born_the_same_day
from tests.resolve.test_evidence_levels import signal_rules

UN_NAMES = Path(__file__).parents[1] / "data" / "resolve" / "un_sc_arabic_latin_names.tsv"


def keys(names: list[str]) -> tuple[list[str], list[str], list[bool]]:
    """(Arabic-script key, consonant skeleton key, written in Arabic) of each person name."""
    columns = person_name_columns(pa.array(names))
    akey, _, arabic = abjad_keys(pa.array(names), columns.norm)
    return akey.to_pylist(), columns.skey.to_pylist(), arabic.to_pylist()


def written_keys(names: list[str]) -> list[str]:
    """The second Arabic-script key of each person name (its letters as written)."""
    return abjad_keys(pa.array(names), person_name_columns(pa.array(names)).norm)[1].to_pylist()


def test_a_romanised_name_and_its_arabic_spelling_agree_in_arabic_script() -> None:
    # The skeleton's rules read "y" as a vowel and drop a final "h": the pair misses that key.
    akey, skey, arabic = keys(["Yute Lotesha", "يت لتسه"])
    assert akey[0] == akey[1] and skey[0] != skey[1]
    assert arabic == [False, True]


def test_names_one_skeleton_confuses_differ_in_arabic_script() -> None:
    # "galkavfa galrah" and "galkov galyuru" (here in Arabic) share their consonant skeletons only
    akey, skey, _ = keys(["Galkavfa Galrah", "گلكڤ گلير"])
    assert skey[0] == skey[1] and akey[0] != akey[1]


def test_the_level_is_a_name_level_of_its_own(case: Case, add_rows: AddStatements) -> None:
    add_rows(case, born_the_same_day([("a", "Yute Lotesha"), ("b", "يت لتسه"), ("c", "Galkavfa Galrah"),
                                      ("d", "گلكڤ گلير"), ("e", "Galkavfa Galrahh")]))
    resolve_case(case)
    assert signal_rules(case, "a", "b")["name"][0] == "name identical in Arabic script"
    # the skeleton, not this level; with a name in Arabic script a level of its own, weighed apart by EM
    assert signal_rules(case, "c", "d")["name"][0] == "name near-identical, one in Arabic script"
    assert signal_rules(case, "c", "e")["name"][0] == "name near-identical"  # both Latin: one letter off


def test_real_arabic_and_latin_names_of_one_person_agree_as_often_as_their_skeletons() -> None:
    # Each listed person's Arabic name against each of its Latin names ("Good" aliases included),
    # and against every other person's Latin names.
    with UN_NAMES.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    arabic = sorted({(r["reference"], r["arabic"]) for r in rows})
    latin = sorted({(r["reference"], r["latin"]) for r in rows})
    names = [name for _, name in arabic] + [name for _, name in latin]
    akey, skey, written = keys(names)
    wkey = written_keys(names)
    assert all(written[:len(arabic)]) and not any(written[len(arabic):])
    agree = {"abjad": [0, 0], "either": [0, 0], "skeleton": [0, 0]}  # [same person, different persons]
    for i, (ref_a, _) in enumerate(arabic):
        for j, (ref_l, _) in enumerate(latin, start=len(arabic)):
            same = 0 if ref_a == ref_l else 1
            agree["abjad"][same] += akey[i] == akey[j]
            agree["either"][same] += akey[i] == akey[j] or wkey[i] == wkey[j]
            agree["skeleton"][same] += skey[i] == skey[j]
    print(len(rows), agree)
    # one more name agrees by its skeleton alone: عمر, "Omar", whose ayn ICU leaves unwritten (read "mr",
    # it was dropped as the title Mr before names in Arabic script kept their titles)
    assert agree["either"][0] >= agree["abjad"][0] >= agree["skeleton"][0] - 1 > 0
    assert agree["either"][1] <= agree["skeleton"][1] and agree["abjad"][1] <= agree["skeleton"][1]


def test_a_letter_twice_in_an_arabic_name_is_two_letters_or_one() -> None:
    # "ڤلرر" (read "vlrr") is "Velrara" without its vowels (its second key), not "Velra" with a shadda;
    # "الله" (read "allh") is "Allah", written with one l or two (its first key)
    names = ["ڤلرر سم", "Velrara Usma", "Velra Usma", "عبد الله", "Abd Allah", "Abd Alah"]
    columns = person_name_columns(pa.array(names))
    akey, wkey, _ = (k.to_pylist() for k in abjad_keys(pa.array(names), columns.norm))
    assert wkey[0] == wkey[1] != wkey[2] and akey[0] != akey[1]
    assert akey[3] == akey[4] == akey[5] and wkey[4] == akey[4]


def test_the_keys_are_each_names_tokens_in_arabic_script_sorted() -> None:
    """abjad_keys sorts each name's forms by their ranks (numbers), not their text: the keys are still each
    name's forms sorted as text, for forms shared by several tokens, repeated in one name and in Arabic names
    with a letter twice (the second key)."""
    from moneytrail.model.names import abjad

    names = ["Zara Abd Ali", "Ali Zara", "Ali Ali Zara", "Velrara Usma Abd", "ڤلرر سم عبد", "Vel Velrara",
             "Usma", "عبد الله ڤلرر"]
    norms = person_name_columns(pa.array(names)).norm
    akey, wkey, arabic = (k.to_pylist() for k in abjad_keys(pa.array(names), norms))
    for norm, a, w, written in zip(norms.to_pylist(), akey, wkey, arabic, strict=True):
        assert a == " ".join(sorted(abjad(t) for t in norm.split()))
        doubled = written and any(c + c in norm for c in "abcdefghijklmnopqrstuvwxyz")
        assert w == (" ".join(sorted(abjad(t, written=True) for t in norm.split())) if doubled else a)
    assert akey[0] != akey[1] and arabic[4] and not arabic[3] and wkey[4] != akey[4]
