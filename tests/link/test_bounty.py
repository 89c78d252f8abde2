from __future__ import annotations

import json

import pytest

from moneytrail.evidence.audit import audit_findings
from moneytrail.link.bounty import link_actor
from moneytrail.store import Case
from moneytrail.store.findings import finding_refs


def test_paid_group_signature_with_evidence(link_case: Case) -> None:
    result = link_actor(link_case, "Kestrel Ridge Front", window=14, permutations=299)
    assert result.found and result.p_value < 0.01
    assert result.price_per_casualty is not None and abs(result.price_per_casualty - 1_800) / 1_800 < 0.1
    assert result.matched >= 12
    row = link_case.engine.query("SELECT * FROM findings WHERE kind = 'link'").to_pylist()
    assert len(row) == 1 and row[0]["typology"] == "bounty" and row[0]["finding_id"] == result.finding_id
    details = json.loads(row[0]["details"])
    assert {"pairs", "price_per_casualty", "p_value"} <= set(details)
    pair = details["pairs"][0]
    assert {"event_id", "event_date", "casualties", "txn_id", "ts", "amount", "lag_days"} <= set(pair)
    assert all(0 <= p["lag_days"] <= 14 for p in details["pairs"])
    assert all(p["txn_id"].startswith("pay-") for p in details["pairs"])  # ordinary payments do not fit
    kinds = {r["ref_kind"] for r in finding_refs(link_case, result.finding_id)}
    assert kinds == {"entity", "event", "transaction", "account", "source"}
    assert row[0]["wording"] is not None
    assert audit_findings(link_case) == []


def test_control_group_is_not_found_and_keeps_other_findings(link_case: Case) -> None:
    link_actor(link_case, "Kestrel Ridge Front", window=14, permutations=199)
    control = link_actor(link_case, "Silver Marsh Company", window=14, permutations=199)
    assert not control.found and control.p_value > 0.05
    assert control.payments > 0 and control.finding_id is None
    assert "chance gives" in control.reason
    assert link_case.count("findings") == 1  # the paid group's finding stays


def test_rerun_replaces_the_actor_finding(link_case: Case) -> None:
    link_actor(link_case, "Kestrel Ridge Front", window=14, permutations=199)
    link_actor(link_case, "Kestrel Ridge Front", window=14, permutations=199)
    assert link_case.count("findings") == 1
    # Other parameters are another result, kept beside the first.
    link_actor(link_case, "Kestrel Ridge Front", window=10, permutations=199)
    windows = sorted(json.loads(str(p))["window"] for (p,) in link_case.engine.rows("SELECT params FROM findings"))
    assert windows == [10, 14]


def test_bad_parameter_is_refused(link_case: Case) -> None:
    with pytest.raises(ValueError, match="unknown link parameter"):
        link_actor(link_case, "Kestrel Ridge Front", windw=3)
