"""How big and how fast the case report is on a large case: build time, file size, and the time from
navigation to fully rendered charts in Chromium (Playwright).

    .venv/bin/python benchmarks/report.py --rows 5000000
    .venv/bin/python benchmarks/report.py --rows 200000 --repeats 3     # quick, for development

The case is the report's seeded synthetic sample (``moneytrail.report.sample``: the trace/link story
inside random payments) plus ``--findings`` synthetic typology findings spread over random accounts,
standing in for a detector run. Needs no shared data. Needs Chromium at /usr/bin/chromium for the
browser timing; without it that column is skipped with a message.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from moneytrail.model.finding import Finding, FindingRef
from moneytrail.model.ids import account_key
from moneytrail.model.stage import Stamp
from moneytrail.report.build import ReportOptions, write_report
from moneytrail.report.sample import build_sample_case
from moneytrail.store import Case
from moneytrail.store.findings import write_findings

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def add_typology_findings(case: Case, n: int, accounts: int, seed: int) -> None:
    """Stand-in detector output: n fan-in findings on random accounts, graded from the sample's sources
    they cite (findings are graded at write time from what they rest on)."""
    rng = np.random.default_rng(seed)
    sources = [str(r[0]) for r in case.engine.rows("SELECT source_id FROM sources WHERE reliability IS NOT NULL "
                                                      "ORDER BY source_id")]
    findings = []
    for i, (acct, score) in enumerate(zip(rng.integers(0, accounts, n), rng.random(n), strict=True)):
        key = account_key("BNK", f"{int(acct):07d}")
        refs = [FindingRef("account", key, "hub")]
        if sources:
            refs.append(FindingRef("source", sources[i % len(sources)], "data"))
        findings.append(Finding("typology", "fan-in", f"Fan-in on {key} (synthetic #{i})",
                                "Many senders paid this account within a short window (synthetic).",
                                float(score), refs, params={"i": i}))
    write_findings(case, findings, Stamp("detect", 1, {"synthetic": n}, scope="fan-in"))


def time_in_browser(html: Path, repeats: int) -> tuple[list[float], list[float]]:
    """Seconds from navigation to rendered, and milliseconds the report's own drawing took in the page."""
    from playwright.sync_api import sync_playwright

    times: list[float] = []
    script_ms: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for _ in range(repeats):
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            start = time.perf_counter()
            page.goto(html.as_uri(), wait_until="commit")
            page.wait_for_selector("body[data-rendered]", timeout=120_000)
            times.append(time.perf_counter() - start)
            script_ms.append(page.evaluate("window.mtReport.timings.drawTimeline - window.mtReport.timings.start"))
            state = page.get_attribute("body", "data-rendered")
            if state != "1":
                print(f"warning: report rendered with errors ({state}): "
                      f"{page.locator('#render-errors').inner_text()}", file=sys.stderr)
            page.close()
        browser.close()
    return times, script_ms


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=5_000_000, help="random transactions in the case")
    ap.add_argument("--accounts", type=int, default=0, help="accounts (default rows / 50)")
    ap.add_argument("--findings", type=int, default=2_000, help="synthetic typology findings")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", type=Path, default=None, help="write the case and report here instead of a temp dir")
    args = ap.parse_args()
    accounts = args.accounts or max(50, args.rows // 50)

    with tempfile.TemporaryDirectory(prefix="mt-report-bench-") as tmp:
        base = args.keep or Path(tmp)
        t0 = time.perf_counter()
        case = Case.create(base / "case", exist_ok=True)
        if case.count("transactions") == 0:
            build_sample_case(case, transactions=args.rows, accounts=accounts, seed=args.seed)
            add_typology_findings(case, args.findings, accounts, args.seed)
        build_s = time.perf_counter() - t0
        out = base / "report.html"
        report_times, report_cpu, info = [], [], {}
        for _ in range(args.repeats):
            t, c = time.perf_counter(), time.process_time()
            info = write_report(case, out, ReportOptions())
            report_times.append(time.perf_counter() - t)
            report_cpu.append(time.process_time() - c)
        n_txn = case.count("transactions")
        n_findings = case.count("findings")
        case.close()
        rss = peak_rss_mb()
        if CHROMIUM.exists():
            load, drawing = time_in_browser(out, args.repeats)
            load_text = (f"{statistics.median(load):.2f} s (runs: {', '.join(f'{x:.2f}' for x in load)}); "
                         f"drawing the charts {statistics.median(drawing):.0f} ms of it")
        else:
            load_text = f"skipped: Chromium not found at {CHROMIUM} (apt-get install chromium)"

        rows = [
            ("transactions", f"{n_txn:,}"), ("accounts", f"{accounts:,}"), ("findings", f"{n_findings:,}"),
            ("case build (s)", f"{build_s:.1f}"),
            ("report build, median (s)", f"{statistics.median(report_times):.2f} wall, "
                                         f"{statistics.median(report_cpu):.2f} CPU (this process)"),
            ("report file size", f"{info['bytes'] / 1e6:.2f} MB"),
            ("chart nodes / links", f"{info['nodes']} / {info['edges']}"),
            ("whole case shown", str(info["complete"])),
            ("load-to-rendered in Chromium, median", load_text),
            ("peak RSS of this process", f"{rss:,.0f} MB"),
        ]
        width = max(len(k) for k, _ in rows)
        print(f"\nreport benchmark (repeats={args.repeats})")
        for k, v in rows:
            print(f"  {k:<{width}}  {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
