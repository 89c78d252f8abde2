"""Spelling edits learned from a case's pairs: variants of one name against edits that tell people apart."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from moneytrail.resolve.model import DEFAULT_MODEL, ResolveModel
from moneytrail.resolve.variant_edits import classify, learn_table, name_edits, norm_pair_edits, token_edit


def test_token_edit_names_the_differing_letters_and_where() -> None:
    assert token_edit("sermah", "serma") == "E:>h"
    assert token_edit("daryukov", "daryukav") == "M:a>o"  # an edit and its reverse are one
    assert token_edit("alnevel", "olnevel") == "S:a>o"
    assert token_edit("kavsha", "kavshaldor") == ""  # more than two letters: no spelling edit


def test_name_edits_align_each_left_token_with_its_closest_right_token() -> None:
    codes, edits = name_edits(pa.array(["alnevel lanush", "daryukav kavsha", "serma ekkadar"]),
                              pa.array(["lanus olnevel", "kovsha daryukov", "serma ekkadar"]))
    named = [[edits[c] for c in row if c >= 0] for row in codes.tolist()]
    assert named == [["S:a>o", "E:>h"], ["M:a>o", "M:a>o"], []]


def test_edits_are_token_edit_of_each_distinct_pair_whatever_the_repeats() -> None:
    # Edits at the start, inside and at the end, letters either side, a token as long as the letters
    # compared (24) and pairs that repeat: each pair's edits are token_edit's of its tokens.
    long = "abcdefghijklmnopqrstuvab"
    left = ["sermah tukav", "alnevel", "mirena", long, "sermah tukav", "zyxw"]
    right = ["tukov serma", "olnevel", "miryuena", long[:-2] + "xb", "tukov serma", "zyxw"]
    codes, edits = name_edits(pa.array(left), pa.array(right))
    named = [sorted(edits[c] for c in row if c >= 0) for row in codes.tolist()]
    assert named == [["E:>h", "M:a>o"], ["S:a>o"], ["M:>yu"], [token_edit(long, long[:-2] + "xb")], ["E:>h", "M:a>o"],
                     []]
    assert token_edit(long, long[:-2] + "xb") == "M:a>x"
    norms = pa.array(["sermah tukav", "tukov serma", "alnevel", "olnevel"])
    by_ids, by_id_edits = norm_pair_edits(np.array([0, 2, 0]), np.array([1, 3, 1]), norms)
    assert [sorted(by_id_edits[c] for c in row if c >= 0) for row in by_ids.tolist()] == [named[0], named[1], named[0]]


def test_edits_measured_in_parts_are_those_of_one_part() -> None:
    # Parts see different edits (the first part's "E:>h" and "M:a>o", the last's "S:a>o" and "M:>yu"), and
    # a pair beyond an edit: merged, the codes and the list are what one call over every pair gives.
    norms = pa.array(["sermah tukav", "tukov serma", "alnevel", "olnevel", "mirena", "miryuena", "kavsha",
                      "kavshaldor"])
    left, right = np.array([0, 0, 6, 2, 4, 2, 0]), np.array([1, 1, 7, 3, 5, 3, 1])
    whole = norm_pair_edits(left, right, norms)
    for parts in (2, 3, 7, 9):
        codes, edits = norm_pair_edits(left, right, norms, parts=parts)
        assert edits == whole[1] and codes.tolist() == whole[0].tolist()
    assert whole[1] == ["", "E:>h", "M:>yu", "M:a>o", "S:a>o"] and 0 in whole[0][2].tolist()


def test_learned_table_tells_a_variant_edit_from_a_separating_one() -> None:
    # One party: the same names spelled with "o" for "a" inside; two parties: names a syllable apart.
    same_left = [f"dar{c}ukav" for c in "bcdfgklmnprstvz"] * 3
    same_right = [x.replace("kav", "kov") for x in same_left]
    apart_left = [f"mir{c}ena" for c in "bcdfgklmnprstvz"] * 3
    apart_right = [x.replace("ena", "yuena") for x in apart_left]
    # a few of each kind on the other side, as a case has them
    left = pa.array(same_left + apart_left + same_left[:3] + apart_left[:3])
    right = pa.array(same_right + apart_right + same_right[:3] + apart_right[:3])
    n = len(same_left)
    same = np.array([True] * n + [False] * n + [False] * 3 + [True] * 3)
    apart = ~same
    codes, edits = name_edits(left, right)
    table = learn_table(codes, edits, same, apart)
    assert table["M:a>o"] > 1.0 > -1.0 > table["M:>yu"]
    verdict = classify(*name_edits(pa.array(["tukav lesa", "sorena", "sorena"]),
                                   pa.array(["tukov lesa", "soryuena", "sorxqzena"])), table)
    assert verdict.tolist() == [1, -1, 0]  # a variant; a separating edit; an edit the table does not know


def test_model_round_trip_keeps_the_learned_table_and_the_default_has_none() -> None:
    assert "variant_edits" not in DEFAULT_MODEL.params()
    learned = DEFAULT_MODEL.with_variant_edits({"M:a>o": 2.4, "M:>yu": -4.6})
    back = ResolveModel.from_json(learned.to_json())
    assert back.variant_edits == {"M:a>o": 2.4, "M:>yu": -4.6}
    assert back.model_id == learned.model_id != DEFAULT_MODEL.model_id
