from __future__ import annotations

from moneytrail.resolve.blocking import self_pairs_sql
from moneytrail.resolve.comparisons import prepare_names
from moneytrail.resolve.pipeline import resolve_case
from moneytrail.store import Case
from tests.resolve.conftest import add_statements


def test_a_pair_met_by_a_spelled_key_alone_is_left_out_when_its_other_names_are_apart(case: Case) -> None:
    # All five share the surname spelled out with a given name's initial (features.block_keys); a and b
    # meet by that key alone and their given names share no skeleton and are spelt far apart.
    add_statements(case, [(e, "Person", "name", n, "src") for e, n in (
        ("a", "Marek Kowalczyk"), ("b", "Milos Kowalczyk"), ("c", "M. Kowalczyk"),
        ("d", "Nicholas Kowalczyk"), ("e", "Nichooas Kowalczyk"))])
    result = resolve_case(case)
    engine = case.engine
    prepared = prepare_names(engine, ("resolve_names", "resolve_props"), ("resolve_names", "resolve_props"),
                             engine.scratch_name)
    every = set(engine.rows(f"SELECT left_id, right_id FROM ({self_pairs_sql('resolve_keys')}) p"))
    kept = set(engine.rows(f"SELECT left_id, right_id FROM "
                           f"({self_pairs_sql('resolve_keys', names=prepared.named[0])}) p"))
    # the initial meets both full names, the misspelt given name its own (within the spelling rule's reach)
    assert every - kept == {("a", "b")}
    assert {("a", "c"), ("b", "c"), ("d", "e")} <= kept
    assert result.candidate_pairs == len(kept)
