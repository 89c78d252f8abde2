from __future__ import annotations

import pyarrow as pa

from moneytrail.model.names import compare_names, normalize_name
from moneytrail.resolve.name_alignment import compare_person_names
from moneytrail.store import Case
from tests.resolve.conftest import AddStatements, born_the_same_day

PAIRS = [("Oleh Dmytrenko", "O. Dmytrenko"), ("Дмитренко Олег", "Oleg Dmitrenko"), ("Ivan Petrenko", "Petro Ivanenko"),
         ("Anna Maria Berg", "Anna Berg"), ("J. R. Tolkien", "John Ronald Tolkien"), ("ivan ivan", "ivan"),
         ("a b c d e f g h", "a b c"), ("", "Ivan Petrenko"), ("Mohammed al Ahmad", "Muhammad Ahmad"),
         ("tebor rudardri", "zanfa tebortin"), ("Kody White", "Lillianna White"), ("x y", "y x"),
         # one skeleton: other vowels (weaker), a typo and a script without short vowels (near-identical)
         ("Fami Fahiddar", "Faim Vohidra"), ("Vodri Raimmi", "vadri raymmi"), ("Madar Lanfami", "مدر لنفم"),
         ("Hussein Ahmad", "Husayn Ahmad")]


def test_column_wise_alignment_equals_compare_names() -> None:
    left = [normalize_name(a, "Person") for a, _ in PAIRS]
    right = [normalize_name(b, "Person") for _, b in PAIRS]
    scores, details = compare_person_names(pa.array(left, pa.string()), pa.array(right, pa.string()))
    for k, (a, b) in enumerate(zip(left, right, strict=True)):
        expected = compare_names(a, b, "Person", normalized=True)
        assert scores[k] == expected.score, (a, b)
        assert details[k].as_py() == expected.describe(), (a, b)


def test_scores_without_details_are_the_same() -> None:
    left = pa.array([normalize_name(a, "Person") for a, _ in PAIRS], pa.string())
    right = pa.array([normalize_name(b, "Person") for _, b in PAIRS], pa.string())
    with_details, _ = compare_person_names(left, right)
    scores, details = compare_person_names(left, right, details=False)
    assert scores.tolist() == with_details.tolist() and details.null_count == len(PAIRS)


def test_rounding_as_python_rounds_on_halves_and_random_values() -> None:
    import numpy as np

    from moneytrail.resolve.token_pairs import round_like_python

    rng = np.random.default_rng(2)
    values = np.concatenate([rng.uniform(0, 1, 100_000), np.arange(20_001) / 20_000, (np.arange(10_001) + 0.5) / 1e4,
                             0.93 * rng.uniform(0.9, 1, 10_000)])
    assert round_like_python(values).tolist() == [round(x, 4) for x in values.tolist()]


def test_the_weakest_rule_flag_says_which_alignments_lean_on_other_vowels() -> None:
    from moneytrail.resolve.name_alignment import compare_person_names_ruled

    left = pa.array([normalize_name(a, "Person") for a, _ in PAIRS], pa.string())
    right = pa.array([normalize_name(b, "Person") for _, b in PAIRS], pa.string())
    for details in (True, False):
        scores, _, vowels, _ = compare_person_names_ruled(left, right, details=details)
        expected = [any(m.rule == "vowels differ" for m in compare_names(a, b, "Person", normalized=True).matches)
                    for a, b in zip(left.to_pylist(), right.to_pylist(), strict=True)]
        assert vowels.tolist() == expected
        assert scores.tolist() == compare_person_names(left, right)[0].tolist()
    flagged = {PAIRS[k] for k, v in enumerate(expected) if v}
    # other vowels: flagged; a typo (one letter) and a script without short vowels: not
    assert ("Fami Fahiddar", "Faim Vohidra") in flagged
    assert not flagged & {("Vodri Raimmi", "vadri raymmi"), ("Madar Lanfami", "مدر لنفم")}


def test_the_initial_flag_says_which_alignments_match_a_token_by_its_initial() -> None:
    from moneytrail.resolve.name_alignment import compare_person_names_ruled

    pairs = [("T. Peborim", "Tinmi Peborim"), ("Peborim T.", "Тинми Пеборим"), ("Tinmi Peborim", "Тинми Пеборим"),
             ("Usyu Nemius", "Yuus Nemaus"), ("K. Lanboryu", "Kaol Lanboryu")]
    left = pa.array([normalize_name(a, "Person") for a, _ in pairs], pa.string())
    right = pa.array([normalize_name(b, "Person") for _, b in pairs], pa.string())
    for details in (True, False):
        _, _, _, initials = compare_person_names_ruled(left, right, details=details)
        assert initials.tolist() == [True, True, False, False, True]


def test_a_name_similar_by_an_initial_is_a_level_of_its_own(case: Case, add_rows: AddStatements) -> None:
    from moneytrail.resolve.pipeline import resolve_case
    from tests.resolve.test_evidence_levels import signal_rules

    add_rows(case, born_the_same_day([("a", "T. Peborim"), ("b", "Tinmi Peborim"), ("c", "Oleh Dmytrenko"),
                                      ("d", "Oleg Dmitrenko"), ("e", "Т. Пеборим")]))
    resolve_case(case)
    assert signal_rules(case, "a", "b")["name"][0] == "name agrees but for a given name's initial"
    assert signal_rules(case, "c", "d")["name"][0] != "name agrees but for a given name's initial"
    # two records with the initial alone agree on the surname and that initial, however alike they are written
    assert signal_rules(case, "a", "e")["name"][0] == "name agrees but for a given name's initial"


def test_jaro_winkler_bound_is_never_below_jaro_winkler() -> None:
    import random

    import numpy as np

    from moneytrail.resolve.token_pairs import _jaro_winkler, _jaro_winkler_bound

    rng = random.Random(7)
    words = ["".join(rng.choice("aeiouybdhkmnrst0") for _ in range(rng.randint(2, 12))) for _ in range(400)]
    # near spellings too (a letter changed, dropped, doubled, two swapped), where the bound is tight
    words += [w[:i] + w[i + 1:] for w in words[:100] for i in (0, 1)] + [w[0] + w for w in words[100:200]]
    words += [w[1] + w[0] + w[2:] for w in words[200:300]] + ["ä" + w for w in words[300:350]]
    left = np.repeat(np.arange(len(words)), len(words))
    right = np.tile(np.arange(len(words)), len(words))
    bound = _jaro_winkler_bound(words, left, right)
    exact = _jaro_winkler(words, left, right)
    assert bool((bound >= exact - 1e-12).all())
    assert float(np.mean(bound < 0.85)) > 0.5  # and it rules out most pairs, or it would save nothing
