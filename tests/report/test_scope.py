from __future__ import annotations

import pytest

from moneytrail.report.scope import ReportError, choose_scope
from moneytrail.store import Case


def test_small_case_is_shown_whole(sample_case: Case) -> None:
    scope = choose_scope(sample_case)
    assert scope.complete
    assert len(scope.accounts) == sample_case.count("accounts")


def test_focus_by_name_with_zero_hops_is_just_the_holders_accounts(sample_case: Case) -> None:
    scope = choose_scope(sample_case, focus="talvek supply", hops=0)
    assert scope.accounts == ["BNK:0000004"]
    assert not scope.complete


def test_focus_by_account_widens_one_hop_to_its_counterparties(sample_case: Case) -> None:
    scope = choose_scope(sample_case, focus="BNK:0000001", hops=1)
    counterparties = {r[0] for r in sample_case.engine.rows(
        "SELECT to_account FROM transactions WHERE from_account = 'BNK:0000001' "
        "UNION SELECT from_account FROM transactions WHERE to_account = 'BNK:0000001'")}
    assert scope.accounts[0] == "BNK:0000001"
    assert set(scope.accounts) == counterparties | {"BNK:0000001"}


def test_unknown_focus_and_negative_hops_are_refused(sample_case: Case) -> None:
    with pytest.raises(ReportError, match="nobody"):
        choose_scope(sample_case, focus="nobody")
    with pytest.raises(ReportError, match="hops"):
        choose_scope(sample_case, hops=-1)


def test_large_case_shows_top_findings_neighbourhood_capped(sample_case: Case) -> None:
    scope = choose_scope(sample_case, max_nodes=8)
    assert not scope.complete
    assert len(scope.accounts) <= 8
    # The accounts the strongest findings rest on are seeds, drawn first.
    assert {"BNK:0000000", "BNK:0000001"} <= set(scope.seed_accounts)
    assert scope.accounts[: len(scope.seed_accounts[:8])] == scope.seed_accounts[:8]


def test_focus_follows_resolved_identities(case: Case) -> None:
    from moneytrail.report.sample import build_sample_case

    build_sample_case(case, transactions=20, accounts=10)
    # Resolution tied a sanctions-list identity (never an account holder itself) to the broker.
    case.engine.execute("INSERT INTO statements (statement_id, entity_id, schema, prop, value, source_id) "
                        "VALUES ('s-alias', 'list-77', 'Person', 'name', 'Brask, Orin', 'registry')")
    case.engine.execute("INSERT INTO entity_canonical VALUES ('list-77', 'ent-broker-2'), "
                        "('ent-broker-2', 'ent-broker-2')")
    assert choose_scope(case, focus="brask, orin", hops=0).accounts == ["BNK:0000003"]
    assert choose_scope(case, focus="list-77", hops=0).accounts == ["BNK:0000003"]
