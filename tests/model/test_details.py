from __future__ import annotations

import dataclasses

import pytest

from moneytrail.model.details import LinkDetails, TypologyDetails, details_of
from moneytrail.model.finding import Finding, FindingRef


def test_details_are_typed_per_kind_and_round_trip() -> None:
    data = {"group": "hub|1", "metrics": {"counterparties": 8}, "transactions": 8, "finding_id": None}
    record = details_of("typology", data)
    assert isinstance(record, TypologyDetails) and record.group == "hub|1" and record.transactions == 8
    assert record.more == {"finding_id": None}  # a stage's own field is kept, None and all
    assert record.as_dict() == data and dict(record) == data and record["metrics"] == {"counterparties": 8}
    assert isinstance(details_of("link", {"pairs": [], "p_value": 0.001}), LinkDetails)
    with pytest.raises(ValueError, match="unknown finding kind"):
        details_of("rumour", {})


def test_a_finding_and_its_details_cannot_be_changed_in_place() -> None:
    f = Finding("typology", "fan-in", "t", "e", 1.0, [FindingRef("transaction", "t1")], details={"group": "g"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.score = 2.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        f.details["group"] = "h"  # type: ignore[index]
    with pytest.raises(TypeError):
        f.record.more["x"] = 1  # type: ignore[index]
    changed = dataclasses.replace(f, details={**f.details, "rank_in_typology": 1})
    assert changed.record.rank_in_typology == 1 and f.record.rank_in_typology is None
