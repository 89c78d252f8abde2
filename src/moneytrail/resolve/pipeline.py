"""``resolve_case``: blocking, comparison, scoring and clustering of a case's party entities.

The first run featurises every party entity; later runs featurise and compare only entities not
seen before (incremental), then re-cluster all stored matches with the judgements, which is cheap
because it reads pairs, not records. ``full=True`` forgets the features and pairs (never the
judgements) and starts over.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from moneytrail.model.ids import stable_id
from moneytrail.resolve.blocking import DEFAULT_MAX_BLOCK, self_pairs_sql
from moneytrail.resolve.cluster import canonical_ids, cluster_pairs
from moneytrail.resolve.features import extract_features
from moneytrail.resolve.scoring import Thresholds, score_pairs
from moneytrail.store.case import Case

PAIR_COLUMNS = ("left_id", "right_id", "grp", "name_score", "weight", "probability", "decision", "left_name",
                "right_name", "explanation")
_FEATURE_TABLES = ("resolve_records", "resolve_names", "resolve_keys", "resolve_props", "resolve_pairs")


@dataclass(frozen=True)
class ResolveResult:
    run_id: str
    mode: str
    entities: int
    new_entities: int
    candidate_pairs: int
    matches: int
    review: int
    clusters: int
    merged_entities: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _insert_arrow(case: Case, table: str, data: pa.Table, columns: list[str]) -> None:
    with case.engine.run() as run:
        rows = run.arrow(data, hint=f"rs_insert_{table}")
        case.engine.append(table, f"SELECT {', '.join(columns)} FROM {rows}", columns=columns)


def resolve_case(case: Case, *, full: bool = False, thresholds: Thresholds | None = None,
                 max_block: int = DEFAULT_MAX_BLOCK) -> ResolveResult:
    """Resolve the case's people and organisations and fill ``entity_canonical``."""
    thresholds = thresholds or Thresholds()
    engine = case.engine
    started = time.perf_counter()
    started_at = datetime.now(UTC).replace(tzinfo=None)
    run_id = stable_id("resolve", started_at.isoformat(), length=16)
    with engine.transaction(), engine.run() as run:
        if full:
            for table in _FEATURE_TABLES:
                engine.replace_partition(table, {})
        had_records = int(engine.scalar("SELECT count(*) FROM resolve_records")) > 0
        features = extract_features(engine, only_new=True)
        records = features.names.select(["entity_id", "grp"]).group_by(["entity_id", "grp"]).aggregate([])
        records = records.append_column("run_id", pa.array([run_id] * records.num_rows, pa.string()))
        _insert_arrow(case, "resolve_names", features.names, ["entity_id", "grp", "name", "norm", "nkey", "skey"])
        _insert_arrow(case, "resolve_keys", features.keys, ["entity_id", "grp", "block_key"])
        _insert_arrow(case, "resolve_props", features.props, ["entity_id", "prop_class", "value"])
        new_ids = run.arrow(records.select(["entity_id"]), hint="rs_new").name
        cand = run.materialise(self_pairs_sql("resolve_keys", max_block=max_block,
                                              new_ids=new_ids if had_records else None), hint="rs_cand").name
        _insert_arrow(case, "resolve_records", records, ["entity_id", "grp", "run_id"])
        candidates = int(engine.scalar(f"SELECT count(*) FROM {cand}"))
        scored = score_pairs(engine, run, cand, ("resolve_names", "resolve_props"),
                             ("resolve_names", "resolve_props"), thresholds, keep_below=thresholds.review,
                             population=int(engine.scalar("SELECT count(*) FROM resolve_records")))
        columns = ", ".join(PAIR_COLUMNS)
        engine.execute(f"INSERT INTO resolve_pairs ({columns}, run_id) SELECT {columns}, ? FROM {scored}", [run_id])
        clusters, merged = recluster(case)
        counts = engine.rows("SELECT sum(CASE WHEN decision = 'match' THEN 1 ELSE 0 END), "
                             "sum(CASE WHEN decision = 'review' THEN 1 ELSE 0 END) FROM resolve_pairs")[0]
        entities = int(engine.scalar("SELECT count(*) FROM resolve_records"))
        result = ResolveResult(run_id, "full" if full or not had_records else "incremental", entities,
                               records.num_rows, candidates, int(counts[0] or 0), int(counts[1] or 0), clusters,
                               merged, round(time.perf_counter() - started, 3))
        engine.execute("INSERT INTO resolve_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [run_id, result.mode, started_at, result.seconds, entities, result.new_entities,
                        candidates, result.matches, result.review, clusters,
                        json.dumps({"match": thresholds.match, "review": thresholds.review, "max_block": max_block})])
    return result


def recluster(case: Case) -> tuple[int, int]:
    """Rebuild ``entity_canonical`` from matched pairs and judgements; (clusters, merged entities)."""
    engine = case.engine
    judged = engine.rows("SELECT left_id, right_id, judgement FROM resolve_judgements")
    positive = [(str(a), str(b)) for a, b, j in judged if j == "positive"]
    negative = [(str(a), str(b)) for a, b, j in judged if j == "negative"]
    matched = engine.query(
        "SELECT p.left_id, p.right_id FROM resolve_pairs p WHERE p.decision = 'match' AND NOT EXISTS ("
        "SELECT 1 FROM resolve_judgements j WHERE j.left_id = p.left_id AND j.right_id = p.right_id "
        "AND j.judgement = 'negative') ORDER BY p.probability DESC, p.left_id, p.right_id")
    edges = positive + list(zip(matched.column("left_id").to_pylist(), matched.column("right_id").to_pylist(),
                                strict=True))
    clusters = cluster_pairs(edges, negative)
    previous = {str(a): str(b) for a, b in engine.rows("SELECT entity_id, canonical_id FROM entity_canonical")}
    mapping = canonical_ids(clusters.groups().values(), previous)
    table = pa.table({"entity_id": pa.array(list(mapping), pa.string()),
                      "canonical_id": pa.array(list(mapping.values()), pa.string())})
    with engine.transaction():
        engine.replace_partition("entity_canonical", {})
        _insert_arrow(case, "entity_canonical", table, ["entity_id", "canonical_id"])
    return len(set(mapping.values())), len(mapping)
