"""Link on each engine: the paid group's bounty signature with its permutation p-value (fixed seed), equal on
Spark and DuckDB, and the unpaid control group not linked."""

from __future__ import annotations

from typing import Any

import pytest

from moneytrail.link.bounty import link_actor
from tests.link.conftest import PRICE, build_link_case
from tests.parity.conftest import NewCase

_LINKED: dict[str, dict[str, Any]] = {}


def linked(engine: str, new_case: NewCase) -> dict[str, Any]:
    if engine not in _LINKED:
        case = new_case()
        build_link_case(case)
        paid = link_actor(case, "Kestrel Ridge Front", window=14, permutations=199)
        control = link_actor(case, "Silver Marsh Company", window=14, permutations=199)
        _LINKED[engine] = {"paid": paid, "control": control, "findings": case.count("findings")}
    return _LINKED[engine]


def test_link_p_values(engine: str, new_case: NewCase) -> None:
    result = linked(engine, new_case)
    paid, control = result["paid"], result["control"]
    assert paid.found and paid.p_value < 0.01 and paid.matched >= 12
    assert paid.price_per_casualty is not None and abs(paid.price_per_casualty - PRICE) / PRICE < 0.1
    assert not control.found and control.p_value > 0.05
    assert result["findings"] == 1


@pytest.mark.parametrize("engine", ["spark"], indirect=True)
def test_spark_link_equals_duckdb(engine: str, request: pytest.FixtureRequest, tmp_path: Any) -> None:
    from tests.parity.conftest import case_factory

    spark = linked("spark", case_factory(request, "spark", tmp_path / "spark"))
    duck = linked("duckdb", case_factory(request, "duckdb", tmp_path / "duckdb"))
    for group in ("paid", "control"):
        a, b = duck[group], spark[group]
        assert (a.p_value, a.matched, a.payments, a.finding_id) == (b.p_value, b.matched, b.payments, b.finding_id)
        assert a.price_per_casualty == pytest.approx(b.price_per_casualty, abs=1e-9)
