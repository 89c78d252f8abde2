from __future__ import annotations

import pyarrow as pa
import pytest

from moneytrail.model.names import normalize_name_uncached, skeleton_key
from moneytrail.resolve.features import block_keys
from moneytrail.resolve.person_names import person_name_columns

# Scripts, orders, initials, titles and joined articles: the column-wise path and the per-name rules agree.
NAMES = ["Oleh Dmytrenko", "Дмитренко Олег", "O. Dmytrenko", "Dr Ivan Petrenko", "al Ahmad Mohammed",
         "محمد الأحمد", "Abd al Rahman bin Khalid", "nichooas campbell", "Nicholas Campbell", "Ivan", "Mr",
         "J. R. R. Tolkien", "ivan ivan", "Шашара Фагал", "تهد مپهد", "مر مرلن", "كڤتسه لبر", "", "  ",
         "Anna-Maria  van der Berg Smit Jones"]


def test_column_wise_features_equal_the_per_name_rules() -> None:
    columns = person_name_columns(pa.array(NAMES, pa.string()))
    keys: dict[int, set[str]] = {}
    for i, key in zip(columns.key_name.to_pylist(), columns.key.to_pylist(), strict=True):
        keys.setdefault(i, set()).add(key)
    for i, name in enumerate(NAMES):
        norm = normalize_name_uncached(name, "Person")
        assert columns.norm[i].as_py() == norm, name
        assert columns.nkey[i].as_py() == " ".join(sorted(norm.split())), name
        assert columns.skey[i].as_py() == skeleton_key(norm), name
        assert keys.get(i, set()) == set(block_keys(norm, "person")), name


def test_a_reordered_given_name_is_not_spelled_out_as_a_block() -> None:
    # "tebormir kalo": the last token is much shorter than the longest, so no "p:kalo:t" block
    # (a given name with an initial is shared by many); the surname is spelled out.
    keys = set(block_keys("tebormir kalo", "person"))
    assert "p:tebormir:k" in keys and "p:kalo:t" not in keys
    # names of nearly equal length keep both: a misspelt given name still meets the right one
    assert set(block_keys("nichooas campbell", "person")) & set(block_keys("nicholas campbell", "person"))


def test_names_featurised_side_by_side_have_the_whole_columns_features(monkeypatch: pytest.MonkeyPatch) -> None:
    from moneytrail.resolve import person_names

    whole = person_name_columns(pa.array(NAMES, pa.string()), slices=1)
    monkeypatch.setattr(person_names, "SLICED_FROM", 1)
    sliced = person_name_columns(pa.array(NAMES, pa.string()), slices=3)
    for column in ("norm", "nkey", "skey"):
        assert getattr(sliced, column).equals(getattr(whole, column)), column

    def keys(columns: person_names.PersonNameColumns) -> set[tuple[int, str]]:
        return set(zip(columns.key_name.to_pylist(), columns.key.to_pylist(), strict=True))
    assert keys(sliced) == keys(whole) and len(sliced.key) == len(whole.key) > len(NAMES)
