"""The report, export and serve verbs (cli/report.py, cli/export.py, cli/serve.py)."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from moneytrail.cli.app import build_app
from moneytrail.report.sample import build_sample_case
from moneytrail.store import Case

runner = CliRunner()


@pytest.fixture(scope="module")
def case_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "case"
    with Case.create(path) as c:
        build_sample_case(c, transactions=80, accounts=10)
    return path


def test_report_verb_writes_html_and_reports_scope(case_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = runner.invoke(build_app(), ["report", str(case_dir), "-o", str(out), "--focus", "Orin Brask",
                                         "--hops", "0", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["nodes"] == 2 and not info["complete"]
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_report_verb_refuses_an_unknown_focus(case_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(build_app(), ["report", str(case_dir), "-o", str(tmp_path / "r.html"), "--focus", "zzz"])
    assert result.exit_code == 2
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "ftm", "csv"])
def test_export_verb(case_dir: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    result = runner.invoke(build_app(), ["export", str(case_dir), "--format", fmt, "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)["counts"]
    if fmt in ("gexf", "graphml"):
        g = nx.read_gexf(out) if fmt == "gexf" else nx.read_graphml(out)
        assert g.number_of_nodes() == counts["nodes"] == 20
    elif fmt == "ftm":
        assert sum(1 for _ in out.open(encoding="utf-8")) == sum(counts.values())
    else:
        assert (out / "transactions.csv").exists() and counts["transactions"] == 85


def test_export_verb_refuses_unknown_format(case_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(build_app(), ["export", str(case_dir), "--format", "xlsx", "-o", str(tmp_path / "x")])
    assert result.exit_code == 2


def test_serve_verb_is_registered_and_binds_locally() -> None:
    from moneytrail.cli import serve

    assert serve.HOST == "127.0.0.1"
    result = runner.invoke(build_app(), ["serve", "--help"])
    assert result.exit_code == 0 and "read-only" in result.output
