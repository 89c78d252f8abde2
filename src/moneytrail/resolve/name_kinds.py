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
