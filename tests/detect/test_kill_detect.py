"""A ``kill -9`` at a random point of ``detect`` leaves all the old findings or all the new ones, never a mix."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from moneytrail.detect.run import run_detectors
from moneytrail.ingest import ingest_transactions
from moneytrail.store import Case
from tests.detect.graphs import background, insert_rows

CHILD = textwrap.dedent("""
    import sys
    from moneytrail.detect.run import run_detectors
    from moneytrail.store import Case

    with Case.open(sys.argv[1]) as case:
        print("started", flush=True)
        run_detectors(case)
""")


def _findings(path: Path) -> set[tuple[str, str]]:
    with Case.open(path) as case:
        return {(str(a), str(b)) for a, b in case.engine.rows(
            "SELECT finding_id, input_hash FROM findings WHERE kind = 'typology'")}


def _case(path: Path) -> None:
    """Background traffic with hubs that several detectors find (fan-in, fan-out, structuring...)."""
    with Case.create(path) as case:
        rows = background(80)
        rows += [(f"fi{i}", 200 + i * 5, f"b:m{i}", "b:hub", 3000.0 + i) for i in range(9)]
        rows += [(f"fo{i}", 260 + i * 5, "b:hub", f"b:o{i}", 2900.0 + i) for i in range(9)]
        rows += [(f"st{i}", 300 + i, "b:smurf", "b:collector", 9500.0 - i) for i in range(12)]
        insert_rows(case, rows)
        run_detectors(case)


@pytest.mark.slow
def test_kill_during_detect_leaves_all_old_or_all_new_findings(tmp_path: Path) -> None:
    base = tmp_path / "case"
    _case(base)
    late = tmp_path / "late.csv"
    late.write_text("txn_id,timestamp,from_bank,from_account,to_bank,to_account,amount,currency\n" + "".join(
        f"late{i},2021-01-17T0{i}:00:00Z,b,late{i},b,hub,3100,USD\n" for i in range(3)))
    with Case.open(base) as case:  # a new input file: the next run's findings carry another input hash
        ingest_transactions(case, late)
        new_hash = case.data_version()
    old = _findings(base)
    reference = tmp_path / "reference"
    shutil.copytree(base, reference)
    started = time.perf_counter()
    with Case.open(reference) as case:
        run_detectors(case)
    full_run = time.perf_counter() - started
    new = _findings(reference)
    assert old and new and {h for _, h in new} == {new_hash} and new != old

    rng = random.Random(14)
    outcomes = []
    for attempt in range(10):
        work = tmp_path / f"kill{attempt}"
        shutil.copytree(base, work)
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(work)], stdout=subprocess.PIPE, text=True,
                                 env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "started"
        time.sleep(rng.uniform(0.0, full_run * 1.2))
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        after = _findings(work)
        assert after in (old, new), f"attempt {attempt}: a mix of {len(after & old)} old and {len(after & new)} new"
        outcomes.append("new" if after == new else "old")
        shutil.rmtree(work)
    assert "old" in outcomes  # the kills did land inside runs
