"""Spark's scratch files outlive every job that may still read them (``engine/spark/scratchfiles.py``).

Adaptive execution can return a query's result while a job of that query still runs (a broadcast the
re-optimised plan dropped); files deleted under it failed it with ``FAILED_READ_FILE.FILE_NOT_EXIST``.
A dropped scratch table's files are deleted only once no Spark job runs."""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

import pytest

from tests.parity.conftest import NewCase


def _folder(engine: object, name: str) -> Path:
    frame = engine._scratch[name][0]  # type: ignore[attr-defined]
    folder: Path = engine._files._folders[id(frame)]  # type: ignore[attr-defined]
    return folder


@pytest.mark.parametrize("engine", ["spark"], indirect=True)
def test_a_dropped_scratch_table_keeps_its_files_while_a_job_runs(engine: str, new_case: NewCase) -> None:
    case = new_case()
    e = case.engine
    sc = e.spark.sparkContext  # type: ignore[attr-defined]
    with e.run() as run:
        first = run.materialise("SELECT * FROM (VALUES (1, 2), (3, 6)) v(id, twice)", hint="first").name
        second = run.materialise("SELECT * FROM (VALUES (1), (2)) v(id)", hint="second").name
        first_files, second_files = _folder(e, first), _folder(e, second)
        assert first_files.is_dir() and second_files.is_dir()
        started = threading.Event()

        def long_job() -> None:  # a job still running when the table is dropped, as AQE's left-over broadcast
            sc.setJobGroup("mt-test-long-job", "a job that outlives the query", interruptOnCancel=True)
            started.set()
            with contextlib.suppress(Exception):  # cancelled below
                e.spark.sql("SELECT count(*) FROM range(0, 1000000000000, 1, 2)").collect()  # type: ignore[attr-defined]

        worker = threading.Thread(target=long_job, daemon=True)
        worker.start()
        started.wait(30)
        deadline = time.monotonic() + 60
        while not sc.statusTracker().getActiveJobsIds() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sc.statusTracker().getActiveJobsIds(), "the long job did not start"
        e.drop_scratch(first)
        assert first_files.is_dir(), "deleted under a running job"
        sc.cancelJobGroup("mt-test-long-job")
        worker.join(60)
        deadline = time.monotonic() + 60
        while sc.statusTracker().getActiveJobsIds() and time.monotonic() < deadline:
            time.sleep(0.2)
        e.drop_scratch(second)  # no job runs now: both folders go
        assert not first_files.exists() and not second_files.exists()
