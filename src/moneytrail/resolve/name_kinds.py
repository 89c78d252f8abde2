"""Kinds of person-name agreement: one name comparison per kind, each with its own m and u.

A name score says how alike two names are, not how much that likeness means, and that differs by
kind. Two spellings that share a consonant skeleton but not their vowels are two names when both
sides wrote their vowels ("Kalo" and "Kala"), and often one name when one side is in a script that
leaves short vowels out (Arabic, Hebrew: the transliteration guesses them). An initial agrees with
every name that starts with its letter, so "K. Darkaim" is less specific than "Kalo Darkaim" at any
score. One comparison with one m and u per score level averages these kinds; here each kind is a
comparison of its own with the same score levels (``resolve.model``), whose m and u EM estimates
(``resolve.train``) like any other's. A person pair falls into exactly one kind; the other two
are missing for it and weigh nothing. Which kind a pair is rests on its two names alone (their
scripts and tokens), never on whether it matches.
"""

from __future__ import annotations

import itertools

PERSON_NAME = "person_name"  # both names spelled with their vowels, no initials
UNVOWELLED = "person_name_unvowelled"  # one name in a script that leaves short vowels out, the other not
INITIALS = "person_name_initials"  # a name with an initial for one of its tokens
ORG_NAME = "org_name"
PERSON_NAME_COMPARISONS = (PERSON_NAME, UNVOWELLED, INITIALS)  # in kind order: kind k is the k-th
NAME_COMPARISONS = (*PERSON_NAME_COMPARISONS, ORG_NAME)
GROUP_OF = {PERSON_NAME: "person", UNVOWELLED: "person", INITIALS: "person", ORG_NAME: "org"}
# What each kind adds to the score level's label, in explanations.
KIND_SUFFIX = {PERSON_NAME: "", UNVOWELLED: " (one side written without short vowels)",
               INITIALS: " (a name with an initial)"}

# Scripts that write consonants and long vowels only (abjads): Hebrew, Arabic with its supplements
# and presentation forms, Syriac, Thaana. A name in one of them carries no short vowels to compare.
_ABJAD = ("\u0590-\u05ff\u0600-\u06ff\u0700-\u074f\u0750-\u077f\u0780-\u07bf\u0860-\u086f\u0870-\u089f"
          "\u08a0-\u08ff\ufb1d-\ufb4f\ufb50-\ufdff\ufe70-\ufeff")


def unvowelled_sql(name: str) -> str:
    """Whether a raw name is written in an abjad (SQL, per name: the script is gone once normalised)."""
    return f"regexp_matches({name}, '[{_ABJAD}]')"


def initial_sql(norm: str) -> str:
    """Whether a normalised person name has a token of one letter (an initial)."""
    return f"regexp_matches({norm}, '(^| )[^ ]( |$)')"


def kind_sql(left_unvowelled: str, right_unvowelled: str, left_initial: str, right_initial: str) -> str:
    """The kind (index into PERSON_NAME_COMPARISONS) of a pair of person names, from each name's flags.
    An initial decides first: it is the weaker agreement whatever the script."""
    return (f"CASE WHEN {left_initial} OR {right_initial} THEN 2 "
            f"WHEN {left_unvowelled} <> {right_unvowelled} THEN 1 ELSE 0 END")


def person_name_columns_sql(grp: str, level: str, kind: str, person_group: str) -> str:
    """One column per person-name comparison: the level in the column of the pair's kind, else null."""
    return ", ".join(f"CASE WHEN {grp} = '{person_group}' AND {kind} = {k} THEN {level} END AS {name}"
                     for k, name in enumerate(PERSON_NAME_COMPARISONS))


# How many records share the rarest name key of a person pair whose names are alike but not equal
# (levels 1-3: a shared skeleton, a close spelling, an initial), in bands: a comparison of its own
# whose m and u EM estimates among the candidates, where a term-frequency rule would assume how
# fast the evidence falls with the crowd (log2 of the frequency, one bit per doubling). In a dense
# population a key three records share names one party far more often than one that nine share.
KEY_FREQUENCY = "name_key_frequency"
KEY_FREQUENCY_BANDS = (2, 3, 5, 8, 16)  # upper bounds; a last band above
KEY_FREQUENCY_LEVELS = (1, 2, 3)  # the name levels it applies to
# The comparisons trained among the candidate pairs (m and u by EM), not on random pairs.
CANDIDATE_COMPARISONS = (*NAME_COMPARISONS, KEY_FREQUENCY)


def key_frequency_labels() -> tuple[str, ...]:
    bounds = (1, *KEY_FREQUENCY_BANDS)
    spans = [str(hi) if hi == lo + 1 else f"{lo + 1}-{hi}" for lo, hi in itertools.pairwise(bounds)]
    return (*(f"name key shared by {s} records" for s in spans),
            f"name key shared by more than {KEY_FREQUENCY_BANDS[-1]} records")


def key_frequency_sql(grp: str, level: str, key_freq: str, person_group: str) -> str:
    """The band of the pair's rarest name key, for a person pair at a KEY_FREQUENCY_LEVELS level met
    on a name key; else null (names equal or unlike, or met by another key)."""
    bands = " ".join(f"WHEN {key_freq} <= {hi} THEN {i}" for i, hi in enumerate(KEY_FREQUENCY_BANDS))
    levels = ", ".join(str(x) for x in KEY_FREQUENCY_LEVELS)
    return (f"CASE WHEN {grp} = '{person_group}' AND {level} IN ({levels}) AND {key_freq} IS NOT NULL "
            f"THEN CASE {bands} ELSE {len(KEY_FREQUENCY_BANDS)} END END AS {KEY_FREQUENCY}")
