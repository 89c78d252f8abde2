"""The stages ``benchmarks/spark.py`` times, on one generated case with everything every stage needs.

The case is the demo's (``moneytrail generate``: ``src/moneytrail/generate/``) at N transactions, seed 7:
transactions, accounts, KYC and registry entities, a sanctions list, rates, ACLED-format events, reported
transfers, source documents and claims. The stages and their arguments follow ``moneytrail.demo.pipeline``
(ingest, resolve, screen, detect, learn, trace, link, evidence, report), plus ``export`` (FtM JSONL for Aleph,
``moneytrail export --format ftm``). ``learn features`` is the learner's engine part: the feature table
computed and stored by the engine (LightGBM runs on the driver over its extract, the same on both engines).

What "rows" means per stage, and what each scales with in the generated case (N = transactions):

- ingest: rows read over all files (transactions, accounts N/30, KYC records N/30, registry, rates, events);
- resolve and screen: entity records (KYC N/30 plus registry and sanctions records, a few hundred): they
  grow with accounts, not with transactions; the model extrapolates them on entity records;
- detect, learn features: transactions;
- trace: payments of the traced subgraph (the sponsor's reach, 6 hops, 60 days);
- link: payments and events tested (events are fixed: the generator plants 30 attacks whatever N);
- evidence, report: findings;
- export: FtM lines written (entities, accounts, payments).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Stage keys (``--stages``) and the names printed in the tables, in pipeline order.
STAGE_KEYS = {
    "ingest": "ingest", "resolve": "resolve", "screen": "screen", "detect": "detect (all detectors)",
    "learn": "learn features", "trace": "trace (sponsor, 6 hops)", "link": "link (2 actors)",
    "evidence": "evidence (grade, audit)", "report": "report (HTML)", "export": "export (FtM JSONL)",
}
# Stages extrapolated on entity records rather than on transactions.
ENTITY_STAGES = ("resolve", "screen")


@dataclass
class StageResult:
    """What a stage did, in its own unit (``records`` of ``unit``), for the table and the model."""

    records: int
    unit: str
    detail: dict[str, Any]
    # digests of what the stage stored (``<what>_digest``), compared across engines; taken after it is timed
    digests: Callable[[], dict[str, str]] | None = None


def generate(data_root: Path, transactions: int, seed: int = 7) -> tuple[Any, dict[str, Any]]:
    """Generate the case's files once (both engines read the same files); (DemoRun template, truth)."""
    from moneytrail.demo.pipeline import DemoOptions, DemoRun
    from moneytrail.generate import GenerateConfig, generate_case

    run = DemoRun(DemoOptions(data_root, transactions, seed))
    if not (run.data / "truth.json").exists():
        generate_case(run.data, GenerateConfig(transactions=transactions, seed=seed))
    run.truth = json.loads((run.data / "truth.json").read_text(encoding="utf-8"))
    return run, run.truth


def digest(rows: list[tuple[Any, ...]]) -> str:
    """A digest of rows whatever their order: equal on two engines when their rows are."""
    text = sorted("\x1f".join("" if v is None else str(v) for v in row) for row in rows)
    return hashlib.sha256("\n".join(text).encode()).hexdigest()[:16]


def entity_records(data: Path) -> int:
    """Entity records in the case's entity files (the unit resolve and screen scale with)."""
    return sum(sum(1 for line in p.open(encoding="utf-8") if line.strip())
               for p in sorted((data / "entities").glob("*.jsonl")))


def stages(case_of: Callable[[], Any], template: Any, out: Path) -> list[tuple[str, Callable[[], StageResult]]]:
    """(key, run) of each stage on the case ``case_of()`` returns; files the stages write go under ``out``."""
    from moneytrail.demo.pipeline import STAGES, DemoOptions, DemoRun
    from moneytrail.detect import features_sql as fsql
    from moneytrail.detect.features import FeatureSpec, _feature_tables, rule_typologies
    from moneytrail.report.export_ftm import export_ftm

    demo = dict(STAGES)
    run = DemoRun(DemoOptions(template.options.out, template.options.transactions, template.options.seed))
    run.truth = template.truth
    report_file = out / "report.html"

    def count(sql: str) -> int:
        return int(case_of().engine.scalar(sql))

    def findings() -> dict[str, Any]:
        """The stored findings' count and a digest of their ids, to compare the engines' findings."""
        ids = sorted(str(r[0]) for r in case_of().engine.rows("SELECT finding_id FROM findings"))
        return {"findings": len(ids), "findings_digest": hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]}

    def ingest() -> StageResult:
        demo["ingest"](run, case_of())
        r = run.results["ingest"]
        assert r["rows_quarantined"] == 0, r
        return StageResult(r["rows_read"], "rows read", {k: r[k] for k in ("rows_stored", "files", "claims")})

    def resolve() -> StageResult:
        demo["resolve"](run, case_of())
        # everything of the run but its id, time and training stamp, plus every pair's decision and every
        # record's cluster, to compare the engines' resolutions
        kept = {k: v for k, v in run.results["resolve"].items() if k not in ("run_id", "seconds", "training")}
        def digests() -> dict[str, str]:
            engine = case_of().engine
            # weights are rounded to 9 decimals in SQL (resolve.scoring), and formatted here by Python
            pairs = engine.rows("SELECT left_id, right_id, decision, weight FROM resolve_pairs")
            return {"pairs_digest": digest(pairs),
                    "clusters_digest": digest(engine.rows("SELECT entity_id, canonical_id FROM entity_canonical"))}

        return StageResult(count("SELECT count(*) FROM resolve_records"), "entity records", kept, digests)

    def screen() -> StageResult:
        demo["screen"](run, case_of())
        return StageResult(entity_records(run.data), "entity records", run.results["screen"])

    def detect() -> StageResult:
        demo["detect"](run, case_of())
        return StageResult(count("SELECT count(*) FROM transactions"), "transactions",
                           {"detected": run.results["detect"]["findings"], **findings()})

    def features() -> StageResult:
        # Computed and stored by the engine (a run's scratch table), not collected: the Arrow copy of the whole
        # wide table on the driver is the learner's single-machine part, the same on both engines.
        case = case_of()
        spec = FeatureSpec(rule_typologies=rule_typologies(case))  # the demo's learner reads the rule hits
        with case.engine.run() as frun:
            parts = _feature_tables(case, frun, spec, "")
            stats = frun.materialise(parts.stats, hint="feat_stats").name  # as ``transaction_features``
            table = frun.materialise(fsql.assemble_sql(f"({parts.structure})", stats, spec.windows)).name
            rows = int(case.engine.scalar(f"SELECT count(*) FROM {table}"))
        return StageResult(rows, "transactions", {"feature_rows": rows})

    def do_trace() -> StageResult:
        demo["trace"](run, case_of())
        stats = run.results["trace"].get("stats", {})
        return StageResult(int(stats.get("subgraph_payments") or 0), "subgraph payments",
                           {k: stats.get(k) for k in ("subgraph_payments", "hops") if k in stats})

    def link() -> StageResult:
        demo["link"](run, case_of())
        r = run.results["link"]
        payments = sum(int(v.get("payments") or 0) for v in r.values())
        return StageResult(payments, "payments tested",
                           {role: {"found": v["found"], "p_value": v["p_value"], "events": v["events"]}
                            for role, v in r.items()})

    def evidence() -> StageResult:
        demo["evidence"](run, case_of())
        r = run.results["evidence"]
        return StageResult(count("SELECT count(*) FROM findings"), "findings",
                           {"graded": r["graded_findings"], "audit_problems": len(r["audit_problems"]), **findings()})

    def report() -> StageResult:
        from moneytrail.report.build import ReportOptions, write_report

        got = write_report(case_of(), report_file, ReportOptions(title="benchmarks/spark.py"))
        return StageResult(count("SELECT count(*) FROM findings"), "findings",
                           {"bytes": report_file.stat().st_size, **{k: v for k, v in got.items()
                                                                    if isinstance(v, int | float | str)}})

    def export() -> StageResult:
        path = out / "export.ftm.jsonl"
        counts = export_ftm(case_of(), path)

        def digests() -> dict[str, str]:
            with path.open(encoding="utf-8") as fh:  # the lines whatever their order
                return {"lines_digest": digest([(line,) for line in fh])}

        return StageResult(sum(counts.values()), "FtM lines", dict(counts), digests)

    return [("ingest", ingest), ("resolve", resolve), ("screen", screen), ("detect", detect), ("learn", features),
            ("trace", do_trace), ("link", link), ("evidence", evidence), ("report", report), ("export", export)]
