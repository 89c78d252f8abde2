"""The Spark engine's statement profile (no Spark needed: the decorator on a stand-in engine)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moneytrail.engine.spark.profile import PROFILE_ENV, profiled


class _Engine:
    @profiled
    def query(self, sql: str) -> str:
        return self.refresh(sql)

    @profiled
    def refresh(self, sql: str) -> str:
        return sql.upper()


def test_calls_are_logged_with_depth_only_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "profile.jsonl"
    monkeypatch.delenv(PROFILE_ENV, raising=False)
    assert _Engine().query("select 1 from t") == "SELECT 1 FROM T"
    assert not target.exists()
    monkeypatch.setenv(PROFILE_ENV, str(target))
    _Engine().query("select   1\n  from t")
    lines = [json.loads(x) for x in target.read_text(encoding="utf-8").splitlines()]
    assert [(x["call"], x["depth"]) for x in lines] == [("refresh", 1), ("query", 0)]
    assert lines[1]["sql"] == "select 1 from t" and lines[1]["wall"] >= lines[0]["wall"] >= 0
