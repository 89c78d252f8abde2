"""A ``kill -9`` in the middle of an ingest leaves the case as it was; ingesting again then completes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from moneytrail.ingest import ingest_transactions
from moneytrail.store import Case

CHILD = textwrap.dedent("""
    import sys, time
    from moneytrail.ingest import ingest_transactions
    from moneytrail.store import Case

    def progress(stage, done, total):
        print(stage, flush=True)
        if stage == "committing":
            time.sleep(120)  # still inside the transaction: the parent kills us here at the latest

    with Case.open(sys.argv[1]) as case:
        ingest_transactions(case, sys.argv[2], progress=progress)
""")


@pytest.mark.slow
def test_kill_mid_ingest_leaves_store_consistent(tmp_path: Path) -> None:
    rows = 60_000
    data = tmp_path / "big.csv"
    with data.open("w") as fh:
        fh.write("txn_id,timestamp,from_bank,from_account,to_bank,to_account,amount,currency,channel\n")
        fh.write("".join(f"k{i},2021-03-04T05:06:07Z,B1,A{i % 977},B2,C{i % 991},{i}.25,USD,wire\n"
                         for i in range(rows)))
    Case.create(tmp_path / "case").close()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path / "case"), str(data)],
                             stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert child.stdout is not None
    for line in child.stdout:
        if line.strip() == "storing":  # staged; the INSERT into transactions is running now
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    with Case.open(tmp_path / "case") as case:
        assert case.count("transactions") == 0
        assert case.count("ingest_log") == 0
        assert case.count("quarantine") == 0
        result = ingest_transactions(case, data)
        assert not result.skipped and result.rows_stored == rows
        assert case.count("transactions") == rows and case.count("ingest_log") == 1
