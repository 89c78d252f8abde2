"""Every detector on a hand-made graph, on each engine: the planted pattern is found, and Spark's findings equal
DuckDB's (same ids, refs and grades, scores within 1e-9)."""

from __future__ import annotations

from typing import Any

import pytest

from moneytrail.detect.run import run_detectors
from tests.detect.graphs import insert_rows
from tests.parity.conftest import NewCase
from tests.parity.graphs import PLANTED, every_pattern
from tests.parity.results import differences, stored_findings

# The typology each planted pattern is reported under.
TYPOLOGY = {"fan-in": "fan-in", "fan-out": "fan-out", "cycle": "cycle", "scatter-gather": "scatter-gather",
            "gather-scatter": "gather-scatter", "stack": "stack", "bipartite": "bipartite",
            "structuring": "structuring", "pass-through": "pass-through", "round-trip": "round-tripping",
            "random-chain": "random", "scatter-gather-back": "scatter-gather-structural"}
_RUNS: dict[str, dict[str, dict[str, Any]]] = {}  # engine -> its findings, one detect run per engine per session


def detected(engine: str, new_case: NewCase) -> dict[str, dict[str, Any]]:
    if engine not in _RUNS:
        case = new_case()
        insert_rows(case, every_pattern())
        run_detectors(case)
        _RUNS[engine] = stored_findings(case)
    return _RUNS[engine]


@pytest.mark.parametrize("pattern", sorted(PLANTED))
def test_every_detector_finds_its_planted_pattern(engine: str, new_case: NewCase, pattern: str) -> None:
    planted = {row[0] for row in PLANTED[pattern]}
    found = [f for f in detected(engine, new_case).values() if f["typology"] == TYPOLOGY[pattern]
             and planted <= {ref_id for kind, ref_id, _ in f["refs"] if kind == "transaction"}]
    assert found, f"{engine}: no {TYPOLOGY[pattern]} finding cites all of {sorted(planted)}"
    assert all(0 <= f["score"] <= 1 for f in found)
    assert all(f["reliability"] and f["credibility"] for f in found), "every finding is graded when written"


@pytest.mark.parametrize("engine", ["spark"], indirect=True)
def test_spark_findings_equal_duckdb_findings(engine: str, request: pytest.FixtureRequest, tmp_path: Any) -> None:
    from tests.parity.conftest import case_factory

    spark = detected("spark", case_factory(request, "spark", tmp_path / "spark"))
    duck = detected("duckdb", case_factory(request, "duckdb", tmp_path / "duckdb"))
    assert len(duck) > len(PLANTED)
    assert differences(duck, spark) == []
