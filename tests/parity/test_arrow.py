"""Arrow tables made queryable by the engine (``Run.arrow``) keep every row, whatever their chunks.

pyspark 4.0's ``createDataFrame`` stopped at the first empty chunk of a table: the rows after it were
silently lost. Tables built by concatenating filtered parts (``resolve.comparisons.score_names``: people
and organisations of each batch) have such chunks, and at 5M transactions most of the name scores vanished.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from tests.parity.conftest import NewCase

_PART = pa.table({"x": pa.array([1, 2, 3], pa.int64()), "name": pa.array(["a", "b", "c"])})
_OTHER = pa.table({"x": pa.array([4, 5], pa.int64()), "name": pa.array(["d", "é"])})
_EMPTY = _PART.slice(0, 0)


@pytest.mark.parametrize("parts", [[_PART, _OTHER], [_PART, _EMPTY, _OTHER], [_EMPTY, _PART, _EMPTY, _EMPTY, _OTHER],
                                   [_EMPTY], [_PART, _EMPTY]],
                         ids=["plain", "empty-middle", "empty-many", "only-empty", "empty-last"])
def test_every_row_of_a_chunked_arrow_table_is_read(engine: str, new_case: NewCase,
                                                    parts: list[pa.Table]) -> None:
    table = pa.concat_tables(parts)
    assert table.column("x").num_chunks == len(parts)
    e = new_case().engine
    with e.run() as run:
        name = run.arrow(table, hint="chunked").name
        got = e.rows(f"SELECT x, name FROM {name} ORDER BY x")
    assert got == sorted(zip(table.column("x").to_pylist(), table.column("name").to_pylist(), strict=True))
