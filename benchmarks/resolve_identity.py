"""Fingerprints of a resolution run, to show that a speed change leaves its results as they were.

Runs ``resolve_case`` on ``benchmarks/resolve.py``'s scale population and prints an md5 over every
stored pair (every column but run_id, ordered by left_id, right_id) and one over the cluster
partition (entity_id, canonical_id), with the run's counts and CPU seconds. Run it with each tree
on ``PYTHONPATH`` and compare the lines:

    PYTHONPATH=src:benchmarks .venv/bin/python benchmarks/resolve_identity.py --rows 100000
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

from moneytrail.engine import Engine, open_engine
from moneytrail.resolve.pipeline import resolve_case
from moneytrail.store import Case
from resolve import cpu_seconds, load_statements, peak_rss_mb, scale_population


def _md5(engine: Engine, table: str, columns: list[str], order: str) -> str:
    """md5 over the rows' text in ``order``, streamed (one string of 2.5M rows outgrows a 1 GB engine)."""
    row = " || '|' || ".join(f"coalesce(CAST({c} AS VARCHAR), '~')" for c in columns)
    digest = hashlib.md5()
    for batch in engine.batches(f"SELECT {row} || chr(10) AS line FROM {table} ORDER BY {order}"):
        digest.update("".join(batch.column(0).to_pylist()).encode())
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--memory-limit", default="1GB")
    parser.add_argument("--keep", type=Path, help="write the case here (to study its tables) instead of a temp dir")
    args = parser.parse_args(argv)
    table, _, _ = scale_population(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "case.duckdb"
        with Case(open_engine(path, memory_limit=args.memory_limit), path) as case:
            case.migrate()
            load_statements(case, table)
            wall, cpu = time.perf_counter(), cpu_seconds()
            result = resolve_case(case)
            wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
            engine = case.engine
            columns = [str(r[0]) for r in engine.rows(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'resolve_pairs' "
                "ORDER BY ordinal_position")]
            pairs = _md5(engine, "resolve_pairs", [c for c in columns if c != "run_id"], "left_id, right_id")
            clusters = _md5(engine, "entity_canonical", ["entity_id", "canonical_id"], "entity_id")
            print(f"rows {args.rows} candidates {result.candidate_pairs} matches {result.matches} "
                  f"review {result.review} clusters {result.clusters} model {result.model_id} "
                  f"pairs {pairs} clusters {clusters} | {wall:.1f} s wall / {cpu:.1f} s CPU, "
                  f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
