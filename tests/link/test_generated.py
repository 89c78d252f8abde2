"""Acceptance on the generator's case: the bounty of the paid group is found, the control group's is not."""

from __future__ import annotations

from typing import Any

import pytest

from moneytrail.evidence.corroboration import all_corroborations
from moneytrail.link.bounty import link_actor
from moneytrail.store import Case

pytestmark = pytest.mark.slow


def test_paid_group_has_the_bounty_signature(generated: tuple[Case, dict[str, Any]]) -> None:
    case, truth = generated
    network = truth["network"]
    result = link_actor(case, network["group"]["name"])
    assert result.found and result.p_value < 0.01
    price = float(network["price_per_casualty"])
    assert result.price_per_casualty is not None
    assert abs(result.price_per_casualty - price) / price < 0.10
    paid = {t for a in truth["attacks"] if a["paid"] for t in a["payment_txn_ids"]}
    matched = {p["txn_id"] for p in result.pairs}
    assert len(matched & paid) >= 0.8 * len(matched)
    by_event = {a["event_id"]: a for a in truth["attacks"]}
    for p in result.pairs:
        if p["txn_id"] in paid:
            assert p["txn_id"] in by_event[p["event_id"]]["payment_txn_ids"]


def test_control_group_is_tested_and_has_no_signature(generated: tuple[Case, dict[str, Any]]) -> None:
    """A real negative control: the control group's commanders hold accounts that receive ordinary money,
    so "not found" is the test's decision, not the absence of anything to test."""
    case, truth = generated
    control = truth["network"]["control_group"]
    result = link_actor(case, control["name"])
    assert set(result.profile.accounts) == set(control["accounts"]) and result.profile.accounts
    assert result.events == len(truth["control_attacks"]) > 0
    assert result.payments == len(control["income_txn_ids"]) > 0
    assert result.in_window > 0, "some ordinary payments land after an attack by chance"
    assert not result.found and result.p_value >= 0.01
    assert result.reason.startswith(f"{result.matched} payment(s) fit one price"), result.reason
    assert case.engine.scalar("SELECT count(*) FROM findings WHERE kind = 'link' AND params LIKE ?",
                              [f'%{control["name"]}%']) == 0


def test_rereports_are_not_corroboration(generated: tuple[Case, dict[str, Any]]) -> None:
    case, truth = generated
    roots = {d["source_id"]: d["root"] for d in truth["documents"]}
    for corr in all_corroborations(case):
        expected = {roots.get(s, s) for s in corr.reporting_sources}
        assert {o.origin_source_id for o in corr.origins} == expected
        assert corr.independent_origins <= len(corr.reporting_sources)
    rereported = [c for c in all_corroborations(case) if len(c.reporting_sources) > c.independent_origins]
    assert rereported, "the generated case re-reports at least one claim"


def test_control_events_do_not_explain_the_paid_groups_money(generated: tuple[Case, dict[str, Any]]) -> None:
    case, truth = generated
    network = truth["network"]
    result = link_actor(case, network["control_group"]["name"], payee=network["group"]["name"])
    assert result.payments > 10 and result.events > 0  # the same money, tested against the wrong events
    assert not result.found and result.p_value > 0.05
