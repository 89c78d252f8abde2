"""Resolve on each engine: the fictional people and firms of tests/resolve cluster the same way (cross-script
records merge, namesakes with other identifiers stay apart), and Spark's clusters equal DuckDB's."""

from __future__ import annotations

from typing import Any

import pytest

from moneytrail.resolve.pipeline import resolve_case
from tests.parity.conftest import NewCase
from tests.resolve.conftest import PEOPLE, add_statements

_CLUSTERS: dict[str, dict[str, str]] = {}


def clusters(engine: str, new_case: NewCase) -> dict[str, str]:
    if engine not in _CLUSTERS:
        case = new_case()
        add_statements(case, PEOPLE)
        result = resolve_case(case)
        assert result.new_entities == 9
        _CLUSTERS[engine] = {str(a): str(b) for a, b in case.engine.rows(
            "SELECT entity_id, canonical_id FROM entity_canonical")}
    return _CLUSTERS[engine]


def test_resolve_clusters(engine: str, new_case: NewCase) -> None:
    mapping = clusters(engine, new_case)

    def same(a: str, b: str) -> bool:
        return mapping.get(a, a) == mapping.get(b, b)

    assert same("bank-1", "reg-1") and same("bank-3", "reg-3") and same("bank-5", "reg-5")
    assert not same("bank-1", "reg-2") and not same("reg-5", "reg-6") and not same("reg-3", "reg-4")


@pytest.mark.parametrize("engine", ["spark"], indirect=True)
def test_spark_clusters_equal_duckdb(engine: str, request: pytest.FixtureRequest, tmp_path: Any) -> None:
    from tests.parity.conftest import case_factory

    spark = clusters("spark", case_factory(request, "spark", tmp_path / "spark"))
    duck = clusters("duckdb", case_factory(request, "duckdb", tmp_path / "duckdb"))
    assert duck and spark == duck
