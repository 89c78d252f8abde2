"""``resolve_case``: blocking, comparison, a trained model's scoring, and clustering of a case's parties.

The first run featurises every party entity, compares the candidate pairs, trains a model on them
(``resolve.train``: u from random pairs, m by EM) unless one is given, and scores the pairs with it.
Later runs featurise and compare only entities not seen before (incremental) with the same model,
then re-cluster all stored pairs with the judgements, which is cheap because it reads pairs, not
records. A run with another model than the stored pairs were scored with (``--train``, ``--model``)
compares everything again, so pairs of two models never mix; ``full=True`` does so anyway. Judgements
are never forgotten: they are labelled data for training and override the model when clustering.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moneytrail.model.ids import stable_id
from moneytrail.resolve.attach import alone_sql, attached_sql, compared_below_sql, facing_sql, lone_edges_sql
from moneytrail.resolve.blocking import DEFAULT_MAX_BLOCK, self_pairs_sql
from moneytrail.resolve.bridges import unbridged_mask
from moneytrail.resolve.cluster import HARD_CANNOT_LINK
from moneytrail.resolve.cluster_params import ClusterParams
from moneytrail.resolve.comparisons import compare_pairs, prepare_names
from moneytrail.resolve.components import NumberedEdges, canonical_sql, consistent_components
from moneytrail.resolve.dated import dated_conflicts_sql
from moneytrail.resolve.features import extract_features
from moneytrail.resolve.fragments import join_fragments
from moneytrail.resolve.identified import identifier_conflicts
from moneytrail.resolve.model import DEFAULT_MODEL, ResolveModel
from moneytrail.resolve.model_store import latest_model, store_model
from moneytrail.resolve.scoring import LEVEL_COLUMNS, PAIR_COLUMNS, Thresholds, pattern_weights_sql, scored_sql
from moneytrail.resolve.train import MIN_EVIDENCE_PAIRS, TrainParams, UEstimate, estimate_u, exact_u, train_model
from moneytrail.resolve.variant_edits import relevel
from moneytrail.resolve.vouching import in_one_group
from moneytrail.store.case import Case

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
    model_id: str = ""
    trained: bool = False
    training: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _insert_arrow(case: Case, table: str, data: pa.Table, columns: list[str]) -> None:
    with case.engine.run() as run:
        rows = run.arrow(data, hint=f"rs_insert_{table}")
        case.engine.append(table, f"SELECT {', '.join(columns)} FROM {rows}", columns=columns)


@contextmanager
def system_allocator() -> Iterator[None]:
    """pyarrow's allocations on the system allocator while resolution runs: its default pool (mimalloc)
    takes fresh pages for the many short-lived arrays of millions of rows, each page a fault (11-16 s
    of system time at 1M records); the system allocator reuses what was freed (about 200 MB lower peak
    at 1M). Arrays keep the pool they came from, so the switch back is safe."""
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def resolve_case(case: Case, *, full: bool = False, thresholds: Thresholds | None = None,
                 max_block: int = DEFAULT_MAX_BLOCK, model: ResolveModel | None = None, train: bool = False,
                 train_params: TrainParams | None = None, cluster: ClusterParams | None = None) -> ResolveResult:
    """Resolve the case's people and organisations and fill ``entity_canonical``.

    ``model``: score with this model; ``train``: estimate a new one on the case. Without either,
    the case's latest model is reused, and the first run trains one. ``thresholds``: the model's
    own (``ResolveModel.match_at``, ``review_at``) unless given. ``cluster``: the clustering's parameters
    (``resolve.cluster_params``), recorded with the run's.
    """
    engine = case.engine
    started = time.perf_counter()
    cluster = cluster or ClusterParams()
    started_at = datetime.now(UTC).replace(tzinfo=None)
    run_id = stable_id("resolve", started_at.isoformat(), length=16)

    def scratch(stem: str) -> str:
        return engine.scratch_name(f"rs_{stem}")

    current = model if model is not None else (None if train else latest_model(case))
    scored_with = {str(r[0]) for r in engine.rows("SELECT DISTINCT coalesce(model_id, '') FROM resolve_pairs")}
    must_train = train or current is None
    model_changed = current is not None and bool(scored_with - {current.model_id})
    full = full or must_train or model_changed
    # Resolution writes millions of pairs: no FSST analysis, no insertion order.
    with system_allocator(), engine.bulk_load(), engine.transaction():
        if full:
            for table in _FEATURE_TABLES:
                engine.replace_partition(table, {})
        had_records = int(engine.scalar("SELECT count(*) FROM resolve_records")) > 0
        # the records and their keys are worked out in threads while the engine stores the names and evidence
        # and writes the records' tables the comparison reads (prepare_names): on two cores they overlap
        # the evidence is stored while the names are still featurised in a thread
        features = extract_features(engine, only_new=True, keys_pending=True, with_props=lambda props: _insert_arrow(
            case, "resolve_props", props, ["entity_id", "prop_class", "value", "checksum"]))
        _insert_arrow(case, "resolve_names", features.names, ["entity_id", "grp", "name", "norm", "nkey", "skey"])
        names_table, case_tables = scratch("names"), ("resolve_names", "resolve_props")
        prepared = prepare_names(engine, case_tables, case_tables, scratch, names_into=names_table)
        records = features.records  # one row per record (features.party_records_sql groups by entity)
        records = records.append_column("run_id", pa.array([run_id] * records.num_rows, pa.string()))
        _insert_arrow(case, "resolve_records", records, ["entity_id", "grp", "run_id"])
        _insert_arrow(case, "resolve_keys", features.all_keys(), ["entity_id", "grp", "block_key"])
        del features  # in the engine now: its arrow tables are not held through the run
        candidates_table = scratch("cand")
        with engine.run() as run:
            new_ids = run.arrow(records.select(["entity_id"]), hint="rs_new").name
            engine.create_scratch(candidates_table, self_pairs_sql(
                "resolve_keys", max_block=max_block, new_ids=new_ids if had_records else None,
                names=prepared.named[0]))
        new_entities = records.num_rows
        del records
        candidates = int(engine.scalar(f"SELECT count(*) FROM {candidates_table}"))
        population = int(engine.scalar("SELECT count(*) FROM resolve_records"))
        train_params = train_params or TrainParams()
        trains = must_train and population >= train_params.min_records and candidates >= MIN_EVIDENCE_PAIRS
        # training's u reads the records, not the candidates: it is worked out while one core runs Python, the
        # exact rates while names are scored (compare_pairs; from the name frequencies it counted), the random
        # pairs' u while edits are measured (relevel)
        exact: list[dict[str, float]] = []
        estimated: list[UEstimate] = []
        levels = compare_pairs(engine, candidates_table, case_tables, case_tables, scratch("levels"), scratch,
                               explain=False, names_into=names_table, prepared=prepared,
                               beside=(lambda: exact.append(exact_u(engine, name_freq=prepared.freq)))
                               if trains else None)
        engine.drop_scratch(candidates_table)  # read into the levels: its memory is the training's and the insert's
        # the spelling edits the case shows to be variants (learned before EM weighs the levels they move)
        start = current or DEFAULT_MODEL  # u reads the comparisons' levels, which learned edits leave as they are
        levels, current = relevel(engine, levels, names_table, start, scratch, learn=must_train, beside=(
            lambda: estimated.append(estimate_u(engine, "resolve_records", "resolve_names", "resolve_props", start,
                                                train_params, scratch, exact=exact[0]))) if trains else None)
        if must_train:
            current = train_model(engine, levels, current, train_params, scratch,
                                  estimated_u=estimated[0] if estimated else None)
        assert current is not None
        # Scored with the parameters as stored under its id (rounded): this run and every later one that reads
        # the model back weigh each pair alike (unrounded, 13,000 pairs weighing about 0 at 5M records changed
        # decision between a first run and a rerun with the same model id).
        current = ResolveModel.from_json(current.to_json())
        thresholds = thresholds or Thresholds(current.match_at, current.review_at)
        store_model(case, current, "given" if model is not None else "trained" if current.training.get("trained")
                    else "starting values")
        columns = ", ".join((*PAIR_COLUMNS, *LEVEL_COLUMNS))
        # straight into resolve_pairs: the scored rows are written once, not copied from a scratch table;
        # with their levels, not their explanations' text (``resolve.explain`` builds those when asked);
        # the names' text read by id for the pairs kept only
        # the weights of each combination of levels and name frequencies, worked out once (scoring.weighed_sql)
        weights = scratch("weights")
        engine.create_scratch(weights, pattern_weights_sql(levels, current, population))
        scored = scored_sql(levels, current, population, thresholds.review, thresholds, explain=False, name_ids=True,
                            weights=weights)
        values = ", ".join("a.name" if c == "left_name" else "b.name" if c == "right_name" else f"s.{c}"
                           for c in (*PAIR_COLUMNS, *LEVEL_COLUMNS))
        # the hash tables on the few thousand weights and on the names, as written: the engine guesses the
        # pairs kept a tenth of what they are, and would build on 2M wide rows
        with engine.joins_as_written():
            engine.execute(f"INSERT INTO resolve_pairs ({columns}, run_id, model_id) "
                           f"SELECT {values}, ?, ? FROM ({scored}) s "
                           f"LEFT JOIN {names_table} a ON a.name_id = s.left_name_id "
                           f"LEFT JOIN {names_table} b ON b.name_id = s.right_name_id", [run_id, current.model_id])
        for table in (levels, names_table, weights):
            engine.drop_scratch(table)
        clusters, merged = recluster(case, run_id=run_id, model_id=current.model_id, params=cluster,
                                     max_block=max_block)
        counts = engine.rows("SELECT sum(CASE WHEN decision = 'match' THEN 1 ELSE 0 END), "
                             "sum(CASE WHEN decision = 'review' THEN 1 ELSE 0 END) FROM resolve_pairs")[0]
        entities = int(engine.scalar("SELECT count(*) FROM resolve_records"))
        mode = "full" if full or not had_records else "incremental"
        if model_changed:
            mode += " (model changed: every pair scored again)"
        result = ResolveResult(run_id, mode, entities, new_entities, candidates, int(counts[0] or 0),
                               int(counts[1] or 0), clusters, merged, round(time.perf_counter() - started, 3),
                               current.model_id, bool(must_train and current.training.get("trained")),
                               dict(current.training) if must_train else {})
        engine.execute("INSERT INTO resolve_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [run_id, result.mode, started_at, result.seconds, entities, result.new_entities,
                        candidates, result.matches, result.review, clusters,
                        json.dumps({"match": thresholds.match, "review": thresholds.review, "max_block": max_block,
                                    "trained": result.trained, **cluster.to_dict()}), current.model_id])
    return result


def recluster(case: Case, *, run_id: str | None = None, model_id: str | None = None,
              params: ClusterParams | None = None, max_block: int | None = None) -> tuple[int, int]:
    """Rebuild the clusters from matched pairs and judgements; (clusters, merged entities).

    Judgements override the model: positive ones are the strongest edges, negative ones forbid a
    join. A pair the model kept as ``distinct`` (similar names, contradicting identifiers or birth
    dates) weighs against a join unless an analyst judged it positive: only a join whose strongest
    pair has more evidence beyond names (``support``) than the contradiction weighs outweighs it
    (``cluster.WeighedClusters``). Two members of one component whose birth dates contradict, though
    no pair compared them, are such a contradiction too, and so are two whose identifiers contradict
    (``resolve.dated``, ``resolve.identified``). A record with an initial
    whose matches go into several clusters joins none of them through those matches (``resolve.bridges``).
    A record left alone then joins the one cluster its best pair points to when nothing rivals or
    contradicts it there (``resolve.attach``). ``params``: the margins and attach's least weight those rules
    use (``resolve.cluster_params``); ``max_block``: the block size blocking compared records in (attach
    reads which pairs were compared and fell below review). Both the case's latest resolve run's when not given.
    """
    engine = case.engine
    latest = _latest_run_params(case) if params is None or max_block is None else {}
    params = params or ClusterParams.from_dict(latest)
    max_block = max_block or int(latest.get("max_block", DEFAULT_MAX_BLOCK))
    run_id = run_id or stable_id("recluster", datetime.now(UTC).isoformat(), length=16)
    if model_id is None:
        found = engine.rows("SELECT model_id FROM resolve_pairs WHERE model_id IS NOT NULL LIMIT 1")
        model_id = str(found[0][0]) if found else None
    judged = engine.rows("SELECT left_id, right_id, judgement FROM resolve_judgements")
    positive = [(str(a), str(b)) for a, b, j in judged if j == "positive"]
    negative = [(str(a), str(b)) for a, b, j in judged if j == "negative"]
    not_judged = ("NOT EXISTS (SELECT 1 FROM resolve_judgements j WHERE j.left_id = p.left_id "
                  "AND j.right_id = p.right_id AND j.judgement IN ('negative', 'positive'))")
    matched = engine.query(f"SELECT p.left_id, p.right_id, p.weight, coalesce(p.support, 0.0) AS support, "
                           f"p.person_name FROM resolve_pairs p WHERE p.decision = 'match' "
                           f"AND {not_judged} ORDER BY p.weight DESC, p.left_id, p.right_id")
    contradicted = engine.query(f"SELECT p.left_id, p.right_id, p.weight FROM resolve_pairs p "
                                f"WHERE p.decision = 'distinct' AND {not_judged}")
    with engine.run() as run, ThreadPoolExecutor(1, thread_name_prefix="mt-cluster") as pool:
        # the records' ids hashed to numbers once, the contradicted pairs' with them: bridges, dated, identified
        # and the clusters renumber from the integers and share the plain components; in a thread (one core)
        # while the engine reads what attach needs of the records in no matched pair or positive judgement, left
        # alone whatever the bridges keep (resolve.attach)
        numbering = pool.submit(NumberedEdges.of, matched.column("left_id"), matched.column("right_id"),
                                contradicted.column("left_id"), contradicted.column("right_id"))
        paired = run.arrow(pa.table({"entity_id": pa.chunked_array(
            [*matched.column("left_id").chunks, *matched.column("right_id").chunks,
             pa.array([x for pair in positive for x in pair], matched.schema.field("left_id").type)],
            matched.schema.field("left_id").type)}), hint="rs_paired")
        unpaired = run.materialise(alone_sql(paired.name), hint="rs_unpaired")
        unpaired_edges = run.materialise(lone_edges_sql(unpaired.name), hint="rs_unpaired_edges")
        numbered = numbering.result()
        # a record with an initial never joins two clusters (resolve.bridges)
        kept_pairs = unbridged_mask(engine, matched, numbered, margin=params.bridge_margin)
        # Python works out the plain components while the engine reads the same of the few records the bridges
        # leave alone: in matched pairs, in no kept one
        grouping = pool.submit(_plain_groups, numbered, kept_pairs)
        alone, edges = unpaired, unpaired_edges
        unbridged = _records_left_alone(numbered, kept_pairs, positive)
        if len(unbridged):
            listed = run.arrow(pa.table({"entity_id": unbridged}), hint="rs_unbridged").name
            left = run.materialise(_listed_records_sql(listed), hint="rs_left_alone")
            alone = run.materialise(f"SELECT entity_id FROM {unpaired.name} UNION ALL "
                                    f"SELECT entity_id FROM {left.name}", hint="rs_alone")
            edges = run.materialise(f"SELECT * FROM {unpaired_edges.name} UNION ALL "
                                    f"SELECT * FROM ({lone_edges_sql(left.name)}) e", hint="rs_lone_edges")
        matched, (numbered, plain) = matched.filter(pa.array(kept_pairs, pa.bool_())), grouping.result()
        # members of one component whose birth dates or identifiers contradict, though no pair compared them
        # (resolve.dated, resolve.identified)
        groups = run.arrow(plain, hint="rs_match_groups").name
        unscored = pa.concat_tables([t.cast(contradicted.schema) for t in (
            engine.query(dated_conflicts_sql(groups)), identifier_conflicts(engine, groups))])
        clustering = pool.submit(_clustered, numbered, matched, contradicted, unscored, positive, negative, params)
        # a cluster splits a plain component, never joins two, but for an analyst's positive judgement
        # the stored pairs of the records alone are their edges (both ways): "never stored" is read there, not
        # in the 2M pairs
        compared = run.materialise(compared_below_sql(f"({facing_sql(edges.name, alone.name)}) facing",
                                                      pairs=edge_pairs_sql(edges.name), max_block=max_block,
                                                      within=None if positive else (edges.name, groups)),
                                   hint="rs_compared_below")
        components = clustering.result()
        members = run.arrow(components, hint="rs_components").name
        # records left alone join the one cluster their evidence points to (resolve.attach)
        joined = engine.query(attached_sql(members, min_weight=params.attach_min_weight,
                                           margin=params.attach_margin, skip_levels=params.attach_skip_levels,
                                           max_block=max_block, prepared=(edges.name, compared.name)))
        if joined.num_rows:
            members = run.arrow(pa.concat_tables([components, joined.cast(components.schema)]),
                                hint="rs_attached").name
        # small clusters join the one a learned spelling variant points to (resolve.fragments)
        if params.fragment_levels:
            members = join_fragments(lambda sql, hint: run.materialise(sql, hint=hint).name, members,
                                     levels=params.fragment_levels, max_size=params.fragment_size)
        # written from the engine's own table: the canonical ids never travel out as arrow and back
        canonical = run.materialise(canonical_sql(members), hint="rs_canonical")
        with engine.transaction():
            # in key order: its primary key index takes sorted keys at two thirds of the CPU of shuffled ones
            engine.replace_partition("entity_canonical", {}, f"SELECT entity_id, canonical_id FROM {canonical} "
                                     "ORDER BY entity_id", columns=["entity_id", "canonical_id"])
            engine.replace_partition("resolve_clusters", {}, f"SELECT entity_id, canonical_id, CAST(? AS VARCHAR), "
                                     f"CAST(? AS VARCHAR) FROM {canonical}", [model_id, run_id],
                                     columns=["entity_id", "canonical_id", "model_id", "run_id"])
        clusters, merged = engine.rows(f"SELECT count(DISTINCT canonical_id), count(*) FROM {canonical}")[0]
    return int(clusters), int(merged)


def edge_pairs_sql(edges: str) -> str:
    """(left_id, right_id) of ``edges`` (``attach.lone_edges_sql``: every stored pair of a record alone, from its
    side): for a record alone, the stored pairs it is in, as ``resolve_pairs`` holds them or turned round."""
    return f"(SELECT rec AS left_id, other AS right_id FROM {edges})"


def _plain_groups(numbered: NumberedEdges, kept: np.ndarray) -> tuple[NumberedEdges, pa.Table]:
    """The kept edges renumbered, and their plain components (entity_id, component)."""
    numbered = numbered.subset(kept)
    return numbered, numbered.component_table()


def _clustered(numbered: NumberedEdges, matched: pa.Table, contradicted: pa.Table, unscored: pa.Table,
               positive: list[tuple[str, str]], negative: list[tuple[str, str]], params: ClusterParams) -> pa.Table:
    """``consistent_components`` of the kept matched pairs (``numbered``) and the analyst's positive judgements,
    the contradicted pairs, the conflicts no pair scored (``unscored``) and the negative judgements kept apart."""
    cannot_numbers = tuple(np.concatenate([numbered.numbers(pa.array([pair[side] for pair in negative], pa.string())),
                                           numbered.others[side], numbered.numbers(unscored.column(column))])
                           for side, column in enumerate(("left_id", "right_id")))
    contradicted = pa.concat_tables([contradicted, unscored])
    # The model's negative evidence gives way where the analyst's positive judgements join the two.
    strings = pa.string()
    c_left = contradicted.column("left_id").combine_chunks().cast(strings)
    c_right = contradicted.column("right_id").combine_chunks().cast(strings)
    c_weight = contradicted.column("weight").to_numpy().astype(float)
    if positive:
        none = pa.array([], strings)
        judged_same = consistent_components(pa.array([a for a, _ in positive], strings),
                                            pa.array([b for _, b in positive], strings),
                                            np.full(len(positive), np.inf), none, none)
        ids = judged_same.column("entity_id").combine_chunks()
        kept = ~in_one_group(judged_same.column("component").to_numpy(),
                             pc.fill_null(pc.index_in(c_left, value_set=ids), -1).to_numpy(),
                             pc.fill_null(pc.index_in(c_right, value_set=ids), -1).to_numpy())
        c_left, c_right = c_left.filter(pa.array(kept, pa.bool_())), c_right.filter(pa.array(kept, pa.bool_()))
        c_weight = c_weight[kept]
    left = pa.concat_arrays([pa.array([a for a, _ in positive], strings),
                             matched.column("left_id").combine_chunks().cast(strings)])
    right = pa.concat_arrays([pa.array([b for _, b in positive], strings),
                              matched.column("right_id").combine_chunks().cast(strings)])
    weights = np.concatenate([np.full(len(positive), np.inf),
                              matched.column("weight").to_numpy(zero_copy_only=False).astype(float)])
    return consistent_components(left, right, weights,
                                 pa.concat_arrays([pa.array([a for a, _ in negative], strings), c_left]),
                                 pa.concat_arrays([pa.array([b for _, b in negative], strings), c_right]),
                                 np.concatenate([np.full(len(negative), HARD_CANNOT_LINK), c_weight]),
                                 np.concatenate([np.full(len(positive), np.inf),
                                                 matched.column("support").to_numpy().astype(float)]),
                                 levels=np.concatenate([np.full(len(positive), -1), pc.fill_null(
                                     matched.column("person_name"), -1).to_numpy().astype(np.int64)]),
                                 numbered=None if positive else numbered,
                                 cannot_numbers=None if positive else (cannot_numbers[0], cannot_numbers[1]),
                                 margin=params.rebuild_margin, place_margin=params.place_margin,
                                 shared_bonus=params.shared_bonus)


def _records_left_alone(numbered: NumberedEdges, kept: np.ndarray, positive: list[tuple[str, str]]) -> pa.Array:
    """The records of the matched pairs (``numbered``) in no kept pair (where ``kept``) nor positive judgement:
    those the bridges leave alone (the records in no matched pair are alone already); in no order."""
    held = np.zeros(len(numbered.ids), bool)
    held[numbered.left[kept]] = held[numbered.right[kept]] = True
    ids = numbered.ids.filter(pa.array(~held, pa.bool_()))
    if not positive or not len(ids):
        return ids
    judged = pa.array([x for pair in positive for x in pair], ids.type)
    return ids.filter(pc.invert(pc.is_in(ids, value_set=judged)))


def _listed_records_sql(listed: str, records: str = "resolve_records") -> str:
    """(entity_id) of the records in ``records`` among ``listed`` (entity_id), once each."""
    return (f"SELECT DISTINCT r.entity_id FROM {records} r "
            f"WHERE r.entity_id IN (SELECT entity_id FROM {listed})")


def _latest_run_params(case: Case) -> dict[str, Any]:
    found = case.engine.rows("SELECT params FROM resolve_runs ORDER BY started_at DESC LIMIT 1")
    return dict(json.loads(str(found[0][0]))) if found and found[0][0] else {}


def latest_cluster_params(case: Case) -> ClusterParams:
    """The clustering parameters the case's latest resolve run recorded (the defaults before any run), so
    re-clustering after a judgement clusters as that run did."""
    return ClusterParams.from_dict(_latest_run_params(case))
