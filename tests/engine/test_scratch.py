"""Run-owned scratch tables: engine-picked names, dropped with the run (also on error), shared by SQL."""

from __future__ import annotations

import pyarrow as pa
import pytest

from moneytrail.engine import open_engine
from moneytrail.engine.scratch import stable_sql_text


def _tables(engine) -> set[str]:  # type: ignore[no-untyped-def]
    return {str(r[0]) for r in engine.rows("SELECT table_name FROM information_schema.tables")}


def test_a_run_drops_what_it_made_also_after_an_error() -> None:
    engine = open_engine()
    with engine.run() as run:
        t = run.materialise("SELECT 1 AS x", hint="one")
        v = run.view(f"SELECT x + 1 AS y FROM {t}")
        a = run.arrow(pa.table({"z": [3]}))
        assert engine.rows(f"SELECT x, y, z FROM {t}, {v}, {a}") == [(1, 2, 3)]
        assert t.name.startswith("_mt_s_one_") and t.name in _tables(engine)
    assert not {t.name, v.name, a.name} & _tables(engine)
    with pytest.raises(RuntimeError), engine.run() as run:
        kept = run.materialise("SELECT 2 AS x")
        raise RuntimeError("stage failed")
    assert kept.name not in _tables(engine)


def test_two_runs_on_one_connection_never_share_a_name() -> None:
    engine = open_engine()
    with engine.run() as first, engine.run() as second:
        a, b = first.materialise("SELECT 1 AS x", hint="edges"), second.materialise("SELECT 2 AS x", hint="edges")
        assert a.name != b.name
        assert engine.scalar(f"SELECT x FROM {a}") == 1 and engine.scalar(f"SELECT x FROM {b}") == 2


def test_shared_tables_live_in_the_outermost_run_and_are_found_by_their_sql() -> None:
    engine = open_engine()
    with engine.run() as outer:
        with engine.run() as inner:
            shared = inner.materialise("SELECT 42 AS n", shared=True, kind="k")
            assert inner.materialise("SELECT 42 AS n", shared=True) is shared
            outer.name("role", shared)
            assert inner.find("role") == shared and engine.current_run() is inner
        assert shared.name in _tables(engine)  # kept by the outer run
        outer.release(keep={"other"})
        assert shared.name not in _tables(engine)
        again = outer.materialise("SELECT 42 AS n", shared=True)
        assert again != shared  # released tables are rebuilt when asked again
    assert engine.current_run() is None


def test_stable_sql_text_drops_scratch_numbers_only() -> None:
    assert stable_sql_text("SELECT * FROM _mt_s_edges_12 e JOIN _mt_s_3 x JOIN t_12") == \
        "SELECT * FROM _mt_s_edges e JOIN _mt_s x JOIN t_12"
