from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pytest

from moneytrail.engine.columns import python_values


@pytest.mark.parametrize("column", [
    pa.chunked_array([pa.array([datetime(2023, 5, 1, 13, 45, 59, 123456), None], pa.timestamp("us")),
                      pa.array([datetime(1969, 12, 31, 23, 59, 59)], pa.timestamp("us"))]),
    pa.array([datetime(2023, 5, 1, 13, 45, 59, 123456)], pa.timestamp("us", tz="UTC")),
    pa.array([datetime(2023, 5, 1, 13, 45, 59)], pa.timestamp("s")),
    pa.chunked_array([], pa.timestamp("us")),
    pa.array(["a", None, "b"]),
])
def test_values_equal_to_pylist_with_the_same_types(column: pa.ChunkedArray | pa.Array) -> None:
    values = python_values(column)
    assert values == column.to_pylist()
    assert [type(v) for v in values] == [type(v) for v in column.to_pylist()]
    assert [getattr(v, "tzinfo", None) for v in values] == [getattr(v, "tzinfo", None) for v in column.to_pylist()]
