from __future__ import annotations

import pytest

from moneytrail.detect.base import prepared_edges
from moneytrail.detect.registry import detectors
from moneytrail.detect.run import parse_overrides, run_detectors
from moneytrail.store import Case
from moneytrail.store.findings import list_findings
from tests.detect.graphs import Insert, background

MINE = {"fan-in", "fan-out", "gather-scatter", "scatter-gather", "bipartite", "stack", "structuring",
        "front-company"}


def test_all_part_one_detectors_are_registered_with_defaults() -> None:
    found = detectors()
    assert set(found) >= MINE
    assert all(found[t].defaults and found[t].description for t in MINE)


def test_parse_overrides() -> None:
    assert parse_overrides(["fan-in.min_degree=5", "gather-scatter.min_z = 1"]) == {
        "fan-in": {"min_degree": "5"}, "gather-scatter": {"min_z": "1"}}
    with pytest.raises(ValueError, match=r"typology\.name=value"):
        parse_overrides(["min_degree=5"])


def test_bad_requests_are_refused_with_reasons(case: Case) -> None:
    with pytest.raises(ValueError, match="unknown typology nope"):
        run_detectors(case, ["nope"])
    with pytest.raises(ValueError, match="unknown parameter"):
        run_detectors(case, ["fan-in"], {"fan-in": {"min_degre": 3}})
    with pytest.raises(ValueError, match="not being run: fan-out"):
        run_detectors(case, ["fan-in"], {"fan-out": {"min_degree": 3}})


def test_rerun_replaces_findings_and_records_provenance(case: Case, insert: Insert) -> None:
    insert(background() + [(f"fi{i}", 200 + i * 5, f"b:m{i}", "b:hub", 3000.0) for i in range(8)])
    first = run_detectors(case, ["fan-in"], {"fan-in": {"min_degree": "5"}})
    again = run_detectors(case, ["fan-in"], {"fan-in": {"min_degree": "5"}})
    stored = list_findings(case, kind="typology")
    assert len(first) == len(again) == len(stored) == 1
    assert '"min_degree": 5' in stored[0]["params"] and stored[0]["data_version"] == case.data_version()
    assert (stored[0]["stage"], stored[0]["stage_version"], stored[0]["stale"]) == ("detect", 1, False)
    assert '"min_degree": 5' in stored[0]["stage_params"]
    assert stored[0]["reliability"] is not None  # graded from the transactions' source
    assert again[0].details["rank_in_typology"] == 1
    # Other thresholds are another result, kept beside the first.
    run_detectors(case, ["fan-in"])
    assert len(list_findings(case, kind="typology")) == 2


def _shared_tables(case: Case) -> int:
    # Run-owned scratch tables are named _mt_s_<kind>_<n> (engine/scratch.py); the edge table is not shared.
    return int(case.engine.scalar("SELECT count(*) FROM information_schema.tables "
                                  "WHERE table_name LIKE '\\_mt\\_s\\_%' ESCAPE '\\' "
                                  "AND table_name NOT LIKE '\\_mt\\_s\\_edges%' ESCAPE '\\'"))


def test_shared_tables_go_once_no_later_detector_reads_them(case: Case, insert: Insert) -> None:
    insert(background())
    # The fans at gather-scatter's thresholds (every new counterparty, no minimum amount), so they can share.
    alike = {"min_amount": 0, "max_life_days": 0}
    with prepared_edges(case):
        run_detectors(case, ["fan-in", "fan-out"], {"fan-in": alike, "fan-out": alike})
        # Account pairs (both read them) stay; fan-in's windows per hub and day went when fan-out came
        # next; fan-out's stay after the last detector, for the outer run to decide.
        assert _shared_tables(case) == 2
        run_detectors(case, ["gather-scatter"])  # reuses pairs and fan-out's windows, rebuilds fan-in's
        assert _shared_tables(case) == 3
    assert _shared_tables(case) == 0
