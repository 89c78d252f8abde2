"""``moneytrail serve`` (cli/serve.py) really serves the case, on 127.0.0.1 only."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from moneytrail.report.sample import build_sample_case
from moneytrail.store import Case


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_on_localhost(tmp_path: Path) -> None:
    with Case.create(tmp_path / "case") as c:
        build_sample_case(c, transactions=30, accounts=10)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moneytrail", "serve", str(tmp_path / "case"), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # generous: on a shared 2-core machine under load the server's imports alone took over 30 s
        deadline = time.monotonic() + 120
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/search", params={"q": "talvek"}, timeout=10)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.3)
        hits = response.json()["entities"]
        assert [(h["entity_id"], h["name"]) for h in hits] == [("ent-recipient-1", "Talvek Supply")]
        listening = subprocess.run(["ss", "-ltn"], capture_output=True, text=True, check=False).stdout
        bound = [line for line in listening.splitlines() if f":{port} " in line]
        if bound:  # ss is there: the port must be bound to loopback only
            assert all("127.0.0.1:" in line for line in bound), bound
    finally:
        proc.terminate()
        proc.wait(timeout=10)
