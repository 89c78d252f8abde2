"""Where resolution's CPU goes, stage by stage, on the scale part's mixed-script records.

Runs ``resolve_case`` once on ``benchmarks/resolve.py``'s scale population and prints, per stage,
its wall seconds, the process's CPU seconds while it ran (every thread's: DuckDB's, pyarrow's and
the name-scoring thread's) and the calling thread's own CPU seconds; then every SQL statement's,
top first. Stages overlap (names are featurised and scored in a thread beside SQL), so the rows do
not add up. To compare two trees, run it with each on ``PYTHONPATH`` at the same time:

    PYTHONPATH=src .venv/bin/python benchmarks/resolve_stages.py --rows 500000
"""

from __future__ import annotations

import argparse
import functools
import importlib
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from moneytrail.engine import open_engine
from moneytrail.store import Case
from resolve import load_statements, peak_rss_mb, scale_population

# (a stage is timed in the module that defines it: normalise_props moved from features to evidence_values;
# either tree can be timed)
STAGES = ("features.extract_features", "features.featurise_names", "features.normalise_props",
          "evidence_values.normalise_props", "features.birth_keys", "comparisons.compare_pairs",
          "comparisons.score_names", "comparisons.prepare_names", "train.train_model", "train.estimate_u",
          "pipeline.recluster", "components.consistent_components", "person_names.person_name_columns",
          "variant_edits.relevel", "variant_edits.norm_pair_edits", "variant_edits.learn_table",
          "variant_edits.classify")
USERS = ("pipeline", "comparisons", "features", "components", "train", "scoring", "variant_edits")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(label: str, fn: Callable[..., Any], rows: list[tuple[str, float, float, float]]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def timed(*args: Any, **kwargs: Any) -> Any:
        wall, cpu, own = time.perf_counter(), cpu_seconds(), time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            rows.append((label, time.perf_counter() - wall, cpu_seconds() - cpu, time.thread_time() - own))
    return timed


def instrument(rows: list[tuple[str, float, float, float]], statements: list[tuple[float, float, str]]) -> None:
    """Wrap each stage where it is defined and where it was imported; time every SQL statement."""
    for stage in STAGES:
        module_name, name = stage.split(".")
        try:
            module = importlib.import_module(f"moneytrail.resolve.{module_name}")
        except ModuleNotFoundError:
            continue
        if getattr(getattr(module, name, None), "__module__", None) != module.__name__:
            continue
        wrapped = _timed(stage, getattr(module, name), rows)
        for user in (module_name, *USERS):
            target = importlib.import_module(f"moneytrail.resolve.{user}")
            if hasattr(target, name):
                setattr(target, name, wrapped)
    from moneytrail.engine.duckdb.engine import DuckDBEngine

    for method_name in ("_execute", "query", "_rows"):
        method = getattr(DuckDBEngine, method_name)

        def timed(engine: Any, sql: str, *args: Any, _method: Callable[..., Any] = method) -> Any:
            wall, cpu = time.perf_counter(), cpu_seconds()
            try:
                return _method(engine, sql, *args)
            finally:
                statements.append((time.perf_counter() - wall, cpu_seconds() - cpu, " ".join(sql.split())))
        setattr(DuckDBEngine, method_name, timed)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--memory-limit", default="1GB")
    parser.add_argument("--top", type=int, default=20, help="SQL statements to list")
    args = parser.parse_args(argv)
    rows: list[tuple[str, float, float, float]] = []
    statements: list[tuple[float, float, str]] = []
    table, _, _ = scale_population(args.rows)
    instrument(rows, statements)
    from moneytrail.resolve.pipeline import resolve_case

    with tempfile.TemporaryDirectory() as tmp, Case(open_engine(Path(tmp) / "case.duckdb",
                                                             memory_limit=args.memory_limit),
                                                 Path(tmp) / "case.duckdb") as case:
        case.migrate()
        load_statements(case, table)
        statements.clear()
        wall, cpu = time.perf_counter(), cpu_seconds()
        result = resolve_case(case)
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    print(f"## resolve_case on {args.rows:,} records: {wall:.1f} s wall / {cpu:.1f} s CPU, peak RSS "
          f"{peak_rss_mb():.0f} MB, {result.candidate_pairs:,} candidate pairs, {result.matches:,} matches")
    print(f"{'stage':40s} {'wall s':>8s} {'cpu s':>8s} {'own cpu':>8s}")
    for label, stage_wall, stage_cpu, own in rows:
        print(f"{label:40s} {stage_wall:8.2f} {stage_cpu:8.2f} {own:8.2f}")
    sql_wall, sql_cpu = sum(s[0] for s in statements), sum(s[1] for s in statements)
    print(f"\n## SQL: {len(statements)} statements, {sql_wall:.1f} s wall / {sql_cpu:.1f} s CPU; top {args.top} by CPU")
    for stage_wall, stage_cpu, sql in sorted(statements, key=lambda s: -s[1])[:args.top]:
        print(f"  {stage_wall:6.2f} / {stage_cpu:6.2f}  {sql[:140]}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
