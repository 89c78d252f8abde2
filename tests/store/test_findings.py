"""Stage results: a rerun with the same parameters replaces its own result; new data makes results stale."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from moneytrail.cli.app import build_app
from moneytrail.detect.run import run_detectors
from moneytrail.link.bounty import link_actor
from moneytrail.model.details import TraceDetails
from moneytrail.report.sections import sankey
from moneytrail.store import Case
from moneytrail.store.findings import list_findings, read_findings, typed_details
from moneytrail.trace import TraceParams, trace
from tests.detect.graphs import background, insert_rows
from tests.link.conftest import build_link_case
from tests.trace.conftest import write_payments

# A's 100 splits at B over C and D and merges again at E.
SPLIT_MERGE = [("t1", 1, "k:A", "k:B", 100.0), ("t2", 2, "k:B", "k:C", 60.0), ("t3", 3, "k:B", "k:D", 40.0),
               ("t4", 4, "k:C", "k:E", 60.0), ("t5", 5, "k:D", "k:E", 40.0)]


def test_link_twice_gives_one_bounty_finding(case: Case) -> None:
    build_link_case(case)
    first = link_actor(case, "Kestrel Ridge Front", window=14, permutations=199)
    second = link_actor(case, "Kestrel Ridge Front", window=14, permutations=199)
    assert first.found and second.found and first.finding_id == second.finding_id
    rows = list_findings(case, kind="link")
    assert len(rows) == 1 and rows[0]["typology"] == "bounty"
    assert (rows[0]["stage"], rows[0]["stale"]) == ("link", False)


def test_the_same_trace_twice_gives_one_trace(case: Case) -> None:
    write_payments(case, SPLIT_MERGE)
    params = TraceParams(source=("k:A",))
    trace(case, params)
    trace(case, params)
    rows = list_findings(case, kind="trace")
    assert len(rows) == 1
    details = typed_details(rows[0])
    assert isinstance(details, TraceDetails) and details.arrived == pytest.approx(100)
    trace(case, TraceParams(source=("k:A",), max_hops=3))  # other parameters: a second result
    assert len(list_findings(case, kind="trace")) == 2


def test_the_sankey_shows_each_traced_amount_once(case: Case) -> None:
    write_payments(case, SPLIT_MERGE)
    result = trace(case, TraceParams(source=("k:A",)))
    once = {(s["source"], s["target"]): s["amount"] for s in sankey(case)["links"]}
    assert once and sum(link["amount"] for link in result.sankey) == pytest.approx(sum(once.values()))
    trace(case, TraceParams(source=("k:A",)))
    trace(case, TraceParams(source=("k:A",), max_gap=result.params.max_gap * 2))  # the same money, traced again
    assert len(list_findings(case, kind="trace")) == 2
    again = {(s["source"], s["target"]): s["amount"] for s in sankey(case)["links"]}
    assert again == once  # not twice the amount


def test_a_detector_run_after_new_data_marks_the_old_findings_stale(tmp_path: Path) -> None:
    path = tmp_path / "case"
    with Case.create(path) as case:
        insert_rows(case, background() + [(f"fi{i}", 200 + i * 5, f"b:m{i}", "b:hub", 3000.0) for i in range(8)]
                    + [(f"fo{i}", 300 + i * 5, "b:boss", f"b:n{i}", 2500.0) for i in range(8)])
        run_detectors(case, ["fan-in", "fan-out"])
        before = list_findings(case, kind="typology")
        assert {r["typology"] for r in before} == {"fan-in", "fan-out"} and not any(r["stale"] for r in before)
        version = case.data_version()
        late = [(f"late{i}", 900 + i, f"b:late{i}", "b:hub", 3000.0) for i in range(3)]
        insert_rows(case, late, source_id="src:late")
        assert case.data_version() != version
        assert all(r["stale"] for r in list_findings(case, kind="typology"))
        run_detectors(case, ["fan-in"])
        after = {r["typology"]: r for r in list_findings(case, kind="typology")}
        assert len(list_findings(case, kind="typology")) == len(before)  # fan-in replaced its own result
        assert not after["fan-in"]["stale"] and after["fan-out"]["stale"]
        assert read_findings(case, current_only=True).num_rows == sum(1 for r in before if r["typology"] == "fan-in")
    out = CliRunner().invoke(build_app(), ["findings", str(path)])
    assert out.exit_code == 0, out.output
    assert "1 stale" in out.output and "STALE" in out.output
