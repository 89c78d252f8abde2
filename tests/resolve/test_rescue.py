from __future__ import annotations

import pyarrow as pa

from moneytrail.resolve.pipeline import resolve_case
from moneytrail.resolve.rescue import neighbour_keys
from moneytrail.store import Case
from tests.resolve.conftest import add_statements

# "Serekh Vellanva" misspells both tokens of "Serek Vellanvo": its skeleton key (srh|flnf) and its spelled one
# (vellanva:s) are neither of theirs, so the first blocking pass never pairs them.
PARTY = [("a", "Serek Vellanvo", "1974-04-16"), ("b", "Serek Vellanvo", "1974-04-16"),
         ("o", "Tomas Wrenfield", "1962-09-15"), ("p", "Tomas Wrenfield", "1962-09-15")]


def _resolved(odd: tuple[str, str, str | None], *, rescue: bool) -> tuple[Case, int]:
    case = Case.in_memory()
    rows = []
    for entity, name, born in [*PARTY, odd]:
        rows.append((entity, "Person", "name", name, "s1"))
        if born:
            rows.append((entity, "Person", "birthDate", born, "s1"))
    add_statements(case, rows)
    return case, resolve_case(case, rescue=rescue).candidate_pairs


def _canonical(case: Case) -> dict[str, str]:
    return {str(a): str(b) for a, b in case.engine.rows("SELECT entity_id, canonical_id FROM entity_canonical")}


def test_neighbour_keys_widen_a_spelled_token_by_one_edit_among_the_tokens_spelled() -> None:
    lone = pa.table({"entity_id": ["t"], "grp": ["person"], "token": ["vellanva"], "initial": ["s"]})
    vocabulary = pa.array(["vellanvo", "vellanva", "vellnava", "vellanvaro", "vellan", "vela"])
    keys = neighbour_keys(lone, vocabulary).column("block_key").to_pylist()
    # one letter replaced, two swapped; not the token itself, two letters off, or a token too short to widen
    assert sorted(keys) == ["p:vellanvo:s", "p:vellnava:s"]


def test_a_misspelt_record_without_a_shared_key_is_found_by_the_rescue_pass_and_joins_its_party() -> None:
    odd = ("t", "Serekh Vellanva", None)
    case, first_only = _resolved(odd, rescue=False)
    with case:
        assert "t" not in _canonical(case)  # alone: no key shared, never compared
    case, with_rescue = _resolved(odd, rescue=True)
    with case:
        assert with_rescue == first_only + 2  # t with a and with b
        assert _canonical(case)["t"] == _canonical(case)["a"] == _canonical(case)["b"]
        compared = case.engine.rows("SELECT left_id, right_id, decision FROM resolve_pairs WHERE right_id = 't' "
                                    "ORDER BY left_id")
        assert [(a, b) for a, b, _ in compared] == [("a", "t"), ("b", "t")]


def test_a_record_whose_birth_date_contradicts_is_not_rescued() -> None:
    case, with_rescue = _resolved(("x", "Serekh Vellanva", "1950-11-02"), rescue=True)
    with case:
        assert with_rescue == 2  # the party's two matches only: x's neighbours' dates contradict its own
        assert "x" not in _canonical(case)
        assert not case.engine.rows("SELECT 1 FROM resolve_pairs WHERE 'x' IN (left_id, right_id)")
