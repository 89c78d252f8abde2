"""Every stage of moneytrail, in the order an investigator would run them, on a generated case.

The demo plays the investigator: its leads are the sponsor named in the reporting (the trace's
starting point) and the armed groups named in the event data (the link's actors). Everything else
it must find; ``summary`` then sets what it found against ``truth.json``.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from moneytrail.detect.learn_findings import score_findings
from moneytrail.detect.learn_transactions import LearnError, learn_transactions
from moneytrail.detect.learn_typology import known_labels
from moneytrail.detect.run import run_detectors
from moneytrail.detect.stage import transaction_learn_stamp
from moneytrail.detect.truth import load_truth
from moneytrail.evidence.audit import audit_findings
from moneytrail.evidence.claims import read_claims_file, store_claims
from moneytrail.evidence.documents import load_name_index
from moneytrail.evidence.sources_file import ingest_sources_file
from moneytrail.generate import GenerateConfig, generate_case
from moneytrail.ingest import (
    ingest_accounts,
    ingest_entities,
    ingest_events,
    ingest_rates,
    ingest_transactions,
)
from moneytrail.link.bounty import link_actor
from moneytrail.report.build import ReportOptions, write_report
from moneytrail.resolve.pipeline import resolve_case
from moneytrail.resolve.screening import screen_case
from moneytrail.store import Case
from moneytrail.store.findings import write_findings
from moneytrail.trace import TraceParams, trace


@dataclass
class DemoOptions:
    out: Path
    transactions: int = 100_000
    seed: int = 7


@dataclass
class DemoRun:
    """What each stage returned, for the summary; ``seconds`` per stage."""

    options: DemoOptions
    truth: dict[str, Any] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def data(self) -> Path:
        return self.options.out / "data"

    @property
    def case_file(self) -> Path:
        return self.options.out / "case.duckdb"

    @property
    def report_file(self) -> Path:
        return self.options.out / "report.html"


def _generate(run: DemoRun, _case: Case) -> None:
    config = GenerateConfig(transactions=run.options.transactions, seed=run.options.seed)
    run.truth = generate_case(run.data, config)


def _ingest(run: DemoRun, case: Case) -> None:
    d = run.data
    results = [
        ingest_rates(case, d / "rates.csv"),
        ingest_entities(case, d / "entities" / "registry.jsonl", source_kind="registry"),
        ingest_entities(case, d / "entities" / "bank_kyc.jsonl", source_kind="bank_record"),
        ingest_entities(case, d / "entities" / "sanctions.jsonl", source_kind="sanctions_list"),
        ingest_accounts(case, d / "accounts.csv"),
        ingest_transactions(case, d / "transactions.csv", preset="native"),
        ingest_transactions(case, d / "reported_transfers.csv", preset="native"),
        ingest_events(case, d / "events.csv", fmt="acled"),
    ]
    sources = ingest_sources_file(case, d / "documents" / "sources.yaml")
    claims = store_claims(case, read_claims_file(d / "claims.csv", load_name_index(case)))
    run.results["ingest"] = {
        "files": len(results) + len(sources.documents),
        "rows_read": sum(r.rows_read for r in results),
        "rows_stored": sum(r.rows_stored for r in results),
        "rows_quarantined": sum(r.rows_quarantined for r in results),
        "sources": sources.sources, "citations": sources.citations, "documents": len(sources.documents),
        "claims": claims,
    }


def _resolve(run: DemoRun, case: Case) -> None:
    run.results["resolve"] = resolve_case(case).to_dict()


def _screen(run: DemoRun, case: Case) -> None:
    hits = screen_case(case, run.data / "entities" / "sanctions.jsonl")
    run.results["screen"] = {"hits": len(hits)}


def _detect(run: DemoRun, case: Case) -> None:
    timings: dict[str, float] = {}
    findings = run_detectors(case, timings=timings)
    run.results["detect"] = {"findings": len(findings), "timings": timings}


def _learn(run: DemoRun, case: Case) -> None:
    """The transaction learner on the planted truth: trained on the earliest 60%, measured on the last 20%;
    its flagged test rows become explained findings beside the rule findings."""
    try:
        with case.engine.run():  # the loaded truth lives as long as this run
            load_truth(case, run.data / "truth.json")
            learned = learn_transactions(case, rules=True, rounds=150)
            known = known_labels(case, learned.features, learned.part < 2)  # known when the test part is scored
    except LearnError as exc:
        run.results["learn"] = {"error": str(exc), "top": []}
        return
    test = learned.part == 2
    scores = np.zeros(len(test))
    scores[test] = learned.test_scores
    findings = score_findings(case, learned.model, learned.features, learned.x, scores, mask=test, limit=200,
                              params={"split": "temporal:60/20/20", "part": "test"}, labels=known)
    write_findings(case, findings, transaction_learn_stamp({"split": "temporal:60/20/20", "rules": True,
                                                            "rounds": 150, "limit": 200}))
    run.results["learn"] = {"test": learned.metrics["test"], "findings": len(findings),
                            "top": [{"title": f.title, "score": f.score, "reasons": f.details["reasons"],
                                     "typology": f.typology, "typology_p": f.details.get("typology_probability")}
                                    for f in findings[:3]]}


def _trace(run: DemoRun, case: Case) -> None:
    sponsor = run.truth["network"]["sponsor"]["entity_ids"][0]
    result = trace(case, TraceParams(source=(sponsor,), max_hops=6, max_gap=timedelta(days=60)))
    run.results["trace"] = result.to_dict()


def _link(run: DemoRun, case: Case) -> None:
    net = run.truth["network"]
    out = {}
    for role in ("group", "control_group"):
        r = link_actor(case, net[role]["name"])
        out[role] = {"actor": r.actor, "found": r.found, "p_value": r.p_value, "matched": r.matched,
                     "events": r.events, "payments": r.payments, "price_per_casualty": r.price_per_casualty,
                     "reason": r.reason}
    run.results["link"] = out


def _evidence(run: DemoRun, case: Case) -> None:
    # Findings were graded when written; here the demo counts them and audits what they cite.
    graded = int(case.engine.scalar("SELECT count(*) FROM findings WHERE reliability IS NOT NULL"))
    run.results["evidence"] = {"graded_findings": graded, "audit_problems": audit_findings(case)}


def _report(run: DemoRun, case: Case) -> None:
    title = f"Demo case: generated, seed {run.options.seed}, {run.options.transactions:,} transactions"
    run.results["report"] = write_report(case, run.report_file, ReportOptions(title=title))


Stage = tuple[str, Callable[[DemoRun, Case], None]]
STAGES: list[Stage] = [
    ("generate", _generate), ("ingest", _ingest), ("resolve", _resolve), ("screen", _screen),
    ("detect", _detect), ("learn", _learn), ("trace", _trace), ("link", _link), ("evidence", _evidence),
    ("report", _report),
]


def run_demo(options: DemoOptions, on_stage: Callable[[str], None] | None = None) -> DemoRun:
    """Run every stage into ``options.out`` (replacing an earlier demo there) and return the run."""
    run = DemoRun(options)
    if options.out.exists():
        for name in ("data", "case.duckdb", "case.duckdb.wal", "report.html", "summary.json"):
            target = options.out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    options.out.mkdir(parents=True, exist_ok=True)
    with Case.create(run.case_file) as case:
        for name, stage in STAGES:
            if on_stage:
                on_stage(name)
            started = time.perf_counter()
            stage(run, case)
            run.seconds[name] = round(time.perf_counter() - started, 2)
    (options.out / "summary.json").write_text(json.dumps(
        {"results": run.results, "seconds": run.seconds}, indent=2, default=str), encoding="utf-8")
    return run
