"""Choosing an engine: the backend argument, else MONEYTRAIL_ENGINE, else DuckDB; an existing case opens on the
engine its files need."""

from __future__ import annotations

from pathlib import Path

import pytest

from moneytrail.engine import EngineError
from moneytrail.engine.protocol import ENGINE_ENV, engine_backend
from moneytrail.store.case import case_backend, case_path


def test_backend_from_argument_then_environment_then_duckdb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENGINE_ENV, raising=False)
    assert engine_backend() == "duckdb"
    monkeypatch.setenv(ENGINE_ENV, "Spark")
    assert engine_backend() == "spark"
    assert engine_backend("duckdb") == "duckdb"
    with pytest.raises(EngineError, match="unknown engine backend 'polars'; available: duckdb, spark"):
        engine_backend("polars")


def test_a_folder_with_a_catalog_is_a_spark_case(tmp_path: Path) -> None:
    assert case_path(tmp_path / "c") == tmp_path / "c" / "case.duckdb"
    assert case_path(tmp_path / "c", "spark") == tmp_path / "c"
    assert case_backend(tmp_path / "c") == "duckdb"
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "catalog.json").write_text("{}")
    assert case_path(tmp_path / "c") == tmp_path / "c" and case_backend(tmp_path / "c") == "spark"
    assert case_path(tmp_path / "x.duckdb", "spark") == tmp_path / "x.duckdb"
