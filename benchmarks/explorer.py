"""Explorer latency under load: p50 and p95 per page kind with concurrent clients on loopback.

    .venv/bin/python benchmarks/explorer.py --rows 1000000                  # builds the demo case once
    .venv/bin/python benchmarks/explorer.py --case /tmp/demo-5m/case.duckdb --clients 4 --rounds 20

The case is the demo's (``moneytrail demo``: generated payments with the planted network, every stage run),
built into --out unless --case names one. The explorer runs as ``moneytrail serve`` in its own process;
``--clients`` threads each walk every page kind ``--rounds`` times (a bounded loop) and the table gives the
latency per kind, with the server's CPU seconds beside the wall time. Target: p95 < 300 ms per kind.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

TARGET_MS = 300.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_case(rows: int, out: Path) -> Path:
    case = out / "case.duckdb"
    if case.exists():
        print(f"reusing {case}")
        return case
    from moneytrail.demo import DemoOptions, run_demo

    started = time.perf_counter()
    run_demo(DemoOptions(out, rows, 7))
    print(f"built the demo case with {rows:,} transactions in {time.perf_counter() - started:.0f} s")
    return case


SERVER_LOG = Path(tempfile.gettempdir()) / "moneytrail-explorer-bench-server.log"


def start_server(case: Path, port: int) -> subprocess.Popen[bytes]:
    """``moneytrail serve`` in its own process; its errors go to SERVER_LOG (printed when a request failed)."""
    log = SERVER_LOG.open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "moneytrail", "serve", str(case), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/findings?limit=1", timeout=5)
            return proc
        except httpx.TransportError:
            if proc.poll() is not None:
                raise SystemExit(f"server exited: {SERVER_LOG.read_text()[-2000:]}") from None
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("server did not start within 120 s")


def page_kinds(base: str) -> dict[str, list[str]]:
    """URLs per page kind, chosen from the case through its own API (the front company, the busiest
    counterparties, the trace and bounty findings, the bounty's events)."""
    get = httpx.Client(base_url=base, timeout=60).get
    front = get("/api/search", params={"q": "Яхонт"}).json()["entities"][0]["entity_id"]
    entity = get(f"/api/entities/{front}").json()
    others = [c["party"] for c in entity["counterparties"] if c["is_entity"]][:4]
    entities = [front, *others]
    accounts = [a["account_key"] for a in entity["accounts"]]
    for other in others[:2]:
        accounts += [a["account_key"] for a in get(f"/api/entities/{other}").json()["accounts"][:1]]
    findings = get("/api/findings", params={"limit": 20}).json()["findings"]
    link = get("/api/findings", params={"kind": "link"}).json()["findings"]
    trace = get("/api/findings", params={"kind": "trace"}).json()["findings"]
    chosen = [f["finding_id"] for f in (link[:1] + trace[:1] + findings[:4])]
    events = [p["event_id"] for p in get(f"/api/findings/{link[0]['finding_id']}").json()["timeline"]["pairs"][:4]] \
        if link else []
    return {
        "search": [f"/?q={q}" for q in ("Яхонт", "exchange", "trade", "AE86")],
        "entity": [f"/entities/{e}" for e in entities],
        "account": [f"/accounts/{a}" for a in accounts],
        "transactions": [f"/transactions?account={a}&date_from=2022-01-01&date_to=2022-12-31&sort=amount"
                         for a in accounts] + [f"/transactions?entity={e}" for e in entities[:2]],
        "transactions.csv": [f"/transactions.csv?entity={e}&date_from=2022-01-01" for e in entities[:2]],
        "findings": ["/findings", "/findings?kind=typology&grade=B", "/findings?min_score=0.5&offset=50"],
        "finding": [f"/findings/{f}" for f in chosen],
        "graph API": [f"/api/graph/neighbours?node=entity:{e}" for e in entities]
                     + [f"/api/graph/findings/{f}" for f in chosen[:2]],
        "timeline": [f"/timeline?entity={e}" for e in entities[:3]] + ["/timeline?actor=Black Rock"],
        "event": [f"/events/{e}" for e in events] + ["/events"],
    }


def run_load(base: str, kinds: dict[str, list[str]], clients: int, rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {k: [] for k in kinds}
    errors: list[str] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as http:
            for r in range(rounds):
                for kind, urls in kinds.items():
                    url = urls[(n + r) % len(urls)]
                    started = time.perf_counter()
                    status: int | str
                    try:
                        status = http.get(url).status_code
                    except httpx.TransportError as exc:  # counted, and the walk goes on
                        status = type(exc).__name__
                    elapsed = (time.perf_counter() - started) * 1000
                    with lock:
                        times[kind].append(elapsed)
                        if status != 200:
                            errors.append(f"{status} {url}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"{len(errors)} non-200 answers, e.g. {errors[:3]}; server log {SERVER_LOG}:")
        print(SERVER_LOG.read_text()[-3000:])
    return times


def cpu_per_kind(base: str, kinds: dict[str, list[str]], proc: psutil.Process) -> dict[str, float]:
    """Server CPU ms per request of each kind, one client, one kind at a time: a figure the load on a shared
    machine does not move the way it moves wall-clock latency."""
    out = {}
    with httpx.Client(base_url=base, timeout=60) as http:
        for kind, urls in kinds.items():
            before = sum(proc.cpu_times()[:2])
            for url in urls * 2:
                http.get(url)
            out[kind] = (sum(proc.cpu_times()[:2]) - before) * 1000 / (2 * len(urls))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000, help="transactions in the demo case to build")
    ap.add_argument("--out", type=Path, default=None, help="folder for the built case (default /tmp/mt-explorer-N)")
    ap.add_argument("--case", type=Path, default=None, help="use this case instead of building one")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=10, help="walks over every page kind per client")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = ap.parse_args()
    case = args.case or build_case(args.rows, args.out or Path(f"/tmp/mt-explorer-{args.rows}"))
    port = free_port()
    server = start_server(case, port)
    base = f"http://127.0.0.1:{port}"
    try:
        waited = time.perf_counter()
        while not (status := httpx.get(f"{base}/api/status", timeout=60).json())["index"]["ready"]:
            if status["index"]["error"]:
                print(f"explorer index failed: {status['index']['error']}; pages compute from the case")
                break
            time.sleep(1)
        print(f"{status['transactions']:,} transactions; explorer index ready after "
              f"{time.perf_counter() - waited:.0f} s "
              f"(built or reused in {status['index']['seconds'] or 0:.1f} s)")
        kinds = page_kinds(base)
        run_load(base, kinds, 1, 1)  # warm up: file pages, caches
        proc = psutil.Process(server.pid)
        cpu0, wall0 = sum(proc.cpu_times()[:2]), time.perf_counter()
        times = run_load(base, kinds, args.clients, args.rounds)
        cpu, wall = sum(proc.cpu_times()[:2]) - cpu0, time.perf_counter() - wall0
        cpu_ms = cpu_per_kind(base, kinds, proc)
        load = psutil.getloadavg()[0]
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows = []
    print(f"\nexplorer latency, {case} · {args.clients} clients x {args.rounds} rounds · "
          f"wall {wall:.1f} s, server CPU {cpu:.1f} s, load average {load:.1f} on {psutil.cpu_count()} cores")
    print(f"{'page kind':<18}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'CPU ms/req':>11}"
          f"  p95 < {TARGET_MS:.0f} ms")
    for kind, values in times.items():
        values.sort()
        p50 = statistics.median(values)
        p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
        ok = p95 < TARGET_MS
        rows.append({"kind": kind, "requests": len(values), "p50_ms": round(p50, 1), "p95_ms": round(p95, 1),
                     "max_ms": round(values[-1], 1), "cpu_ms_per_request": round(cpu_ms[kind], 1), "ok": ok})
        print(f"{kind:<18}{len(values):>9}{p50:>9.1f}{p95:>9.1f}{values[-1]:>9.1f}{cpu_ms[kind]:>11.1f}"
              f"  {'yes' if ok else 'NO'}")
    if args.json:
        args.json.write_text(json.dumps({"case": str(case), "clients": args.clients, "rounds": args.rounds,
                                         "wall_s": wall, "server_cpu_s": cpu, "kinds": rows}, indent=2))


if __name__ == "__main__":
    main()
