from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from moneytrail.trace import Method, TraceError, TraceParams, parse_gap, parse_method, parse_window
from moneytrail.trace.params import parse_opening


def test_parse_gap_units() -> None:
    assert parse_gap("7d") == timedelta(days=7)
    assert parse_gap("36h") == timedelta(hours=36)
    assert parse_gap("90m") == timedelta(minutes=90)
    assert parse_gap("2") == timedelta(days=2)
    with pytest.raises(TraceError, match="cannot read gap"):
        parse_gap("soon")


def test_parse_window_sides_and_whole_end_day() -> None:
    start, end = parse_window("2024-01-01..2024-01-31")
    assert start == datetime(2024, 1, 1)
    assert end == datetime(2024, 1, 31, 23, 59, 59, 999999)
    assert parse_window("..2024-02-01T10:00:00Z") == (None, datetime(2024, 2, 1, 10))
    with pytest.raises(TraceError, match=r"START\.\.END"):
        parse_window("2024-01-01")
    with pytest.raises(TraceError, match="cannot read time"):
        parse_window("yesterday..")


def test_params_validate_and_serialise() -> None:
    p = TraceParams(source="k:A", method="poison", max_gap=timedelta(hours=2))  # type: ignore[arg-type]
    assert p.source == ("k:A",) and p.method is Method.POISON
    assert p.as_dict()["max_gap_seconds"] == 7200
    with pytest.raises(TraceError, match="max_hops"):
        TraceParams(source=("k:A",), max_hops=0)
    with pytest.raises(TraceError, match="after its end"):
        TraceParams(source=("k:A",), window_start=datetime(2024, 2, 1), window_end=datetime(2024, 1, 1))
    with pytest.raises(TraceError, match="unknown method"):
        parse_method("lifo")


def test_parse_opening_keeps_colons_in_keys() -> None:
    assert parse_opening(["bk:001=250.5"]) == {"bk:001": 250.5}
    with pytest.raises(TraceError, match="ACCOUNT=AMOUNT"):
        parse_opening(["bk:001"])
    with pytest.raises(TraceError, match="not a number"):
        parse_opening(["bk:001=lots"])
