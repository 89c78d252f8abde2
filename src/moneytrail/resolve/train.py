"""Training the resolution model on a case: u from random pairs, m and the prior by EM.

u (how often two records that are not the same fall into a level) is counted on random pairs of
records of one group, compared exactly as candidates are (``resolve.comparisons``), with add-one
smoothing so a level no random pair reached keeps a small u. m and the share of matches among the
candidate pairs are then estimated by expectation maximisation over the candidate pairs with u held
fixed, as Splink does (``resolve.em``); the names' m and u among the candidates by EM too
(``resolve.train_names``). Judged pairs are labelled data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moneytrail.engine import Engine
from moneytrail.resolve.comparisons import compare_evidence, compare_pairs, name_freq_sql
from moneytrail.resolve.em import DEFAULT_RANDOM_PAIRS, TrainParams, posteriors, run_em
from moneytrail.resolve.model import COMPARISONS, GRADED, ResolveModel, monotone_m
from moneytrail.resolve.train_names import (
    NAME_COMPARISONS,
    SIMILAR_NAMES,
    TRAINED_TF_LEVELS,
    count_similar_name_u,
    name_em,
    name_key_references,
)

__all__ = ["DEFAULT_RANDOM_PAIRS", "SIMILAR_NAMES", "TrainParams", "name_em", "train_model"]  # re-exported

MIN_EVIDENCE_PAIRS = 50  # fewer candidate pairs than this: EM has too little to go on
REFINE_ROUNDS = 4  # rounds of counting the similar-name u under the model's own posteriors
TRAINED_TF_CAP = 4.0
MAX_LOST_MATCHES = 0.05
# The trained model merges where its own posteriors expect at most this share of the merged pairs
# to be false (a false-discovery bound), and never below the Bayes decision, 0.5.
MAX_FALSE_MERGES = 0.05
BAYES_MATCH = 0.5


def random_pairs(engine: Engine, records: str, params: TrainParams) -> pa.Table:
    """(left_id, right_id, grp, key_freq, name_key_freq) of pairs of records drawn at random within each group, as
    many per group as its share of the records; drawn with numpy over the ids (vectorised)."""
    rng = np.random.default_rng(params.seed)
    ids = engine.query(f"SELECT DISTINCT grp, entity_id FROM {records} ORDER BY grp, entity_id")
    total = max(ids.num_rows, 1)
    parts = []
    for grp in pc.unique(ids.column("grp")).to_pylist():
        members = ids.filter(pc.equal(ids.column("grp"), grp)).column("entity_id").combine_chunks()
        n = len(members)
        if n < 2:
            continue
        k = max(1, round(params.random_pairs * n / total))
        i, j = rng.integers(0, n, k), rng.integers(0, n, k)
        keep = i != j
        a = pc.take(members, pa.array(np.minimum(i, j)[keep]))
        b = pc.take(members, pa.array(np.maximum(i, j)[keep]))
        parts.append(pa.table({"left_id": pc.min_element_wise(a, b), "right_id": pc.max_element_wise(a, b),
                               "grp": pa.array([grp] * len(a), pa.string()),
                               "key_freq": pa.array(np.zeros(len(a), np.int64)),
                               "name_key_freq": pa.nulls(len(a), pa.int64())}))
    if not parts:
        return pa.table({"left_id": pa.array([], pa.string()), "right_id": pa.array([], pa.string()),
                         "grp": pa.array([], pa.string()), "key_freq": pa.array([], pa.int64()),
                         "name_key_freq": pa.array([], pa.int64())})
    drawn = pa.concat_tables(parts).group_by(["left_id", "right_id", "grp"]) \
        .aggregate([("key_freq", "min"), ("name_key_freq", "min")]) \
        .rename_columns(["left_id", "right_id", "grp", "key_freq", "name_key_freq"])
    # a threaded group_by returns its groups in any order: sorted, the name subset below is reproducible
    return drawn.sort_by([("left_id", "ascending"), ("right_id", "ascending")])


def name_pair_subset(pairs: pa.Table, params: TrainParams) -> pa.Table:
    """``name_pairs`` of the random pairs, drawn with the training seed (numpy, so every engine
    compares the same pairs and a retrain on the same case gives the same u)."""
    if pairs.num_rows <= params.name_pairs:
        return pairs
    rng = np.random.default_rng([params.seed, 1])
    return pairs.take(pa.array(np.sort(rng.choice(pairs.num_rows, params.name_pairs, replace=False))))


def pattern_counts(engine: Engine, levels: str, where: str = "1 = 1") -> tuple[np.ndarray, np.ndarray]:
    """(patterns, counts): distinct level vectors (-1 for a missing value) and how many pairs have each."""
    cols = ", ".join(f"coalesce({c}, -1)" for c in COMPARISONS)
    rows = engine.rows(f"SELECT {cols}, count(*) FROM {levels} WHERE {where} GROUP BY {cols}")
    if not rows:
        return np.zeros((0, len(COMPARISONS)), np.int64), np.zeros(0)
    data = np.array(rows, dtype=np.int64)
    return data[:, :-1], data[:, -1].astype(float)


# estimate_u's answer: u per comparison, the random pairs drawn, the exact-agreement rate per comparison
UEstimate = tuple[dict[str, tuple[float, ...]], int, dict[str, float]]


def estimate_u(engine: Engine, records: str, names: str, props: str, model: ResolveModel, params: TrainParams,
               scratch: Callable[[str], str], *, exact: dict[str, float] | None = None) -> UEstimate:
    """u of every comparison level from random pairs (evidence on all of them, set-based SQL;
    names on ``name_pairs`` of them, as some need Python); also the number of random pairs and
    the exact-agreement rate per comparison from value frequencies (the term-frequency reference;
    records of one party count too): ``exact_u``'s, or ``exact`` when the caller has it already."""
    pairs, levels = scratch("random_pairs"), scratch("random_levels")
    # Names are compared in Python where no key settles them: a subset of the pairs is enough.
    named, named_levels = scratch("random_named"), scratch("random_name_levels")
    drawn = random_pairs(engine, records, params)
    with engine.run() as run:
        picks = run.arrow(drawn, hint="picks").name
        engine.create_scratch(pairs, f"SELECT * FROM {picks}")
        subset = run.arrow(name_pair_subset(drawn, params), hint="named_picks").name
        engine.create_scratch(named, f"SELECT * FROM {subset}")
    compare_evidence(engine, pairs, props, props, levels, scratch)
    patterns, counts = pattern_counts(engine, levels)
    # The names and evidence of the subset's records only: compare_pairs numbers and counts every name it
    # is given (a million at 1M records, for 10,000 pairs); a name's frequency is no part of its level.
    their_names, their_props = scratch("random_named_names"), scratch("random_named_props")
    theirs = f"entity_id IN (SELECT left_id FROM {named} UNION ALL SELECT right_id FROM {named})"
    engine.create_scratch(their_names, f"SELECT * FROM {names} WHERE {theirs}")
    engine.create_scratch(their_props, f"SELECT * FROM {props} WHERE {theirs}")
    compare_pairs(engine, named, (their_names, their_props), (their_names, their_props), named_levels, scratch)
    name_patterns, name_counts = pattern_counts(engine, named_levels)
    sampled = int(engine.scalar(f"SELECT count(*) FROM {pairs}"))
    for table in (pairs, levels, named, named_levels, their_names, their_props):
        engine.drop_scratch(table)
    exact = exact_u(engine, records, names, props) if exact is None else exact
    u: dict[str, tuple[float, ...]] = {}
    for k, name in enumerate(COMPARISONS):
        size = len(model.comparison(name).labels)
        pats, cnts = (name_patterns, name_counts) if name in NAME_COMPARISONS else (patterns, counts)
        seen = np.bincount(pats[:, k][pats[:, k] >= 0], weights=cnts[pats[:, k] >= 0], minlength=size)[:size]
        if seen.sum() <= 0:  # no random pair has this value (a case without addresses): keep the start
            u[name] = model.comparison(name).u
            continue
        u[name] = tuple(float(x) for x in (seen + 1.0) / (seen.sum() + size))  # add-one smoothing
    return u, sampled, exact


def exact_u(engine: Engine, records: str = "resolve_records", names: str = "resolve_names",
            props: str = "resolve_props", name_freq: str | None = None) -> dict[str, float]:
    """``exact_u_sql``'s rates by comparison; ``name_freq`` as there."""
    return {str(c): float(v) for c, v in engine.rows(exact_u_sql(records, names, props, name_freq))}


def exact_u_sql(records: str, names: str, props: str, name_freq: str | None = None) -> str:
    """(comparison, u0): the exact chance that two random records of one group agree exactly, per
    comparison, from value frequencies (sum of f(f-1) over N(N-1)), as Splink's term-frequency u
    is: a random sample rarely hits two equal rare names, the frequencies always do. ``name_freq``: the
    names' frequencies (``comparisons.name_freq_sql`` of ``names``: grp, name_key, n), when already counted.
    ``records`` holds one row per record and ``props`` each (record, class, value) once, as resolution stores
    them (``features.party_records_sql``, ``evidence_values.normalise_props``): a value's records are counted,
    not made distinct (two groupings of every value by record cost a third of the statement)."""
    evidence = ("CASE WHEN p.prop_class IN ('birth_date', 'country', 'address', 'address_number') THEN p.prop_class "
                "ELSE 'identifier' END")
    counted = f"({name_freq_sql(names)})" if name_freq is None else name_freq
    return f"""
        WITH vals AS (
            SELECT CASE WHEN grp = 'person' THEN 'person_name' ELSE 'org_name' END AS comparison, grp, n AS f
            FROM {counted} c
            UNION ALL
            SELECT {evidence} AS comparison, r.grp, count(*) AS f
            FROM {props} p JOIN {records} r ON r.entity_id = p.entity_id
            GROUP BY r.grp, p.prop_class, p.value
        ), filled AS (
            SELECT comparison, grp, count(DISTINCT entity_id) AS filled FROM (
                SELECT entity_id, grp, CASE WHEN grp = 'person' THEN 'person_name' ELSE 'org_name' END AS comparison
                FROM {names} UNION ALL
                SELECT p.entity_id, r.grp, {evidence} FROM {props} p JOIN {records} r ON r.entity_id = p.entity_id
            ) e GROUP BY 1, 2
        )
        SELECT v.comparison, sum(v.f * (v.f - 1.0)) / max(f.filled * (f.filled - 1.0)) AS u0
        FROM vals v JOIN filled f ON f.comparison = v.comparison AND f.grp = v.grp
        GROUP BY v.comparison HAVING max(f.filled) > 1"""


def train_model(engine: Engine, levels: str, start: ResolveModel, params: TrainParams,
                scratch: Callable[[str], str], *, records: str = "resolve_records", names: str = "resolve_names",
                props: str = "resolve_props", judgements: str = "resolve_judgements",
                estimated_u: UEstimate | None = None) -> ResolveModel:
    """Estimate a model on the compared candidate pairs in ``levels``.

    1. u of the evidence levels from random pairs.
    2. EM over the evidence comparisons (identifiers, birth dates, countries, addresses) with the
       names left out, on the candidates with similar names and two or more kinds of evidence (else
       the starting m stays): candidates were found by their names,
       while the evidence of a candidate non-match is as random as u assumes (Splink's reason for
       training sessions blocked on a field). Judged pairs enter with their posterior fixed.
    3. EM over all candidates for the names' m (``name_em``), evidence held fixed.
    4. The prior: the matches EM expects among candidates over all pairs (u is over random pairs).
    ``estimated_u``: ``estimate_u``'s answer for these records and ``start``'s comparisons, when the caller
    worked it out already (it reads no candidate pair: ``resolve_case`` runs it while edits are measured).
    """
    started = time.perf_counter()
    population = int(engine.scalar(f"SELECT count(*) FROM {records}"))
    candidate_count = int(engine.scalar(f"SELECT count(*) FROM {levels}"))
    if population < params.min_records or candidate_count < MIN_EVIDENCE_PAIRS:
        return replace(start, training={"trained": False, "reason": f"too small to train: {population} records, "
                                        f"{candidate_count} candidate pairs (need {params.min_records} and "
                                        f"{MIN_EVIDENCE_PAIRS}); the starting model scores"})
    u, sampled, exact = estimated_u or estimate_u(engine, records, names, props, start, params, scratch)
    u, exact = dict(u), dict(exact)  # adjusted below: a given estimate stays as it was
    judged = (f"EXISTS (SELECT 1 FROM {judgements} j WHERE j.left_id = l.left_id AND j.right_id = l.right_id "
              "AND j.judgement = '{}')")
    free = f"NOT {judged.format('positive')} AND NOT {judged.format('negative')}"
    parts = [(pattern_counts(engine, f"{levels} l", free), np.nan),
             (pattern_counts(engine, f"{levels} l", judged.format("positive")), 1.0),
             (pattern_counts(engine, f"{levels} l", judged.format("negative")), 0.0)]
    patterns = np.concatenate([p for (p, _), _ in parts])
    counts = np.concatenate([c for (_, c), _ in parts])
    labels = np.concatenate([np.full(len(c), label) for (_, c), label in parts])
    evidence = tuple(c for c in COMPARISONS if c not in NAME_COMPARISONS)
    ev_keys = [COMPARISONS.index(c) for c in evidence]
    m: dict[str, tuple[float, ...]] = {}
    iterations, share = 0, start.match_share
    sizes_rows = engine.rows(f"SELECT grp, count(DISTINCT entity_id) FROM {records} GROUP BY grp")
    group_pairs = {str(g): int(n) * (int(n) - 1) / 2 for g, n in sizes_rows}
    all_pairs = sum(group_pairs.values()) or 1.0
    # Session A trains on candidates with evidence whose names are at least partly similar: among them a non-match's
    # evidence is as random as u says; the candidates blocking found by a birth date or identifier
    # alone would teach EM that equal dates often belong to different parties.
    name_keys = [COMPARISONS.index(c) for c in NAME_COMPARISONS]
    similar = (np.where(patterns[:, name_keys] >= 0, patterns[:, name_keys], 99).min(axis=1) <= SIMILAR_NAMES
               if len(counts) else np.zeros(0, bool))
    # EM can only tell matches from non-matches on pairs with two or more comparisons: with one, any
    # share of matches fits (P(level) = share m + (1 - share) u has a solution for every share).
    session = ((patterns[:, ev_keys] >= 0).sum(axis=1) >= 2) & similar if len(counts) else similar
    if counts[session].sum() >= MIN_EVIDENCE_PAIRS:
        m, share, iterations, _ = run_em(patterns[session], counts[session], start, u, params,
                                         labels[session], use=evidence)
    trained = start.with_parameters(m, u, share, {})
    # Evidence the session above could not train (a case with birth dates as its only evidence) is
    # trained beside the names, on the candidates with similar names (``name_em``'s ``also``).
    untrained = tuple(COMPARISONS.index(c) for c in evidence if c not in m)
    names_m, _, share, name_iterations, post = name_em(patterns, counts, labels, trained, params,
                                                       also=untrained, also_on=similar)
    m.update(names_m)
    # Scores are odds over all pairs, as u is: the prior is the matches EM found among candidates
    # over all pairs. A random pair of a small case is now and then two records of one party, so
    # the matches' share is taken out of every level's u (P(level) = share m + (1 - share) u, at
    # least a twentieth of the raw rate kept); exact name agreement is read from name frequencies.
    expected_matches = share * counts.sum()
    random_share = min(max(expected_matches / all_pairs, 1e-12), 0.5)
    for c in COMPARISONS:
        raw = np.array(u[c])
        mc = np.array(m.get(c) or start.comparison(c).m)
        fixed = np.maximum((raw - random_share * mc) / (1 - random_share), raw / 20)
        u[c] = tuple(float(x) for x in fixed / fixed.sum())
    for _ in range(REFINE_ROUNDS):
        count_similar_name_u(u, patterns, counts, post, group_pairs)
        # the posteriors under the model as it now stands (prior over all pairs), for the next count
        post = posteriors(patterns, start.with_parameters(m, u, random_share, {}), labels)
    training = {"trained": True, "candidate_pairs": int(counts.sum()), "candidate_match_share": round(share, 6),
                "expected_matches": round(float(expected_matches), 1), "all_pairs": int(all_pairs),
                "patterns": len(counts), "random_pairs": sampled, "em_iterations": iterations,
                "name_em_iterations": name_iterations,
                "judged_pairs": int(counts[~np.isnan(labels)].sum()), "seed": params.seed,
                "seconds": round(time.perf_counter() - started, 3),
                "trained_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")}
    # A better level never weighs less than a worse one (pooled adjacent violators, model.monotone_m).
    for c in GRADED:
        m[c] = monotone_m(m.get(c) or start.comparison(c).m, u[c])
    # A trained model weighs name frequencies by its own reference, both ways (Splink's term frequencies).
    exact.update(name_key_references(engine, levels, population))
    trained_model = replace(start.with_parameters(m, u, random_share, training, tf_reference=exact),
                            tf_cap=TRAINED_TF_CAP, tf_rare_at=0.0, tf_floor=None, tf_levels=TRAINED_TF_LEVELS,
                            match_at=BAYES_MATCH, review_at=0.2)
    match_at, expected_false = calibrated_match_at(engine, levels, trained_model, population)
    trained_model = replace(trained_model, match_at=match_at,
                            training={**training, "expected_false_merges": round(expected_false, 4)})
    observed = {c for k, c in enumerate(COMPARISONS) if counts[patterns[:, k] >= 0].sum() > 0}
    problems = trained_model.implausible(observed)
    problems += kept_matches_problem(patterns, counts, labels, start, trained_model)
    if problems:  # EM went astray (few true pairs, a dominant class of shared dates): keep the start
        return replace(start, training={**training, "trained": False, "rejected": problems,
                                        "reason": "EM's estimate failed its plausibility checks; the starting "
                                                  "model scores"})
    return trained_model


def calibrated_match_at(engine: Engine, levels: str, model: ResolveModel, population: int,
                        max_false: float = MAX_FALSE_MERGES) -> tuple[float, float]:
    """(match_at, expected share of false merges there): the lowest probability, from the Bayes
    decision up in steps of 0.01, at which the pairs the model would merge hold at most ``max_false``
    expected false ones by its own posteriors (sum of 1 - p over them). Name evidence that EM
    treats as independent is not quite, so where many candidates sit just above 0.5 (names alike,
    nothing else known) the Bayes decision merges more false pairs than the target allows."""
    from moneytrail.resolve.scoring import pattern_weights_sql  # scoring imports the model, not training

    # a pair's probability depends on its levels and name frequencies alone: counted per combination of those
    rows = engine.rows(f"SELECT floor(probability * 100) AS b, sum(pairs), sum(pairs * (1.0 - probability)) "
                       f"FROM ({pattern_weights_sql(levels, model, population)}) w "
                       f"WHERE probability >= {BAYES_MATCH} GROUP BY floor(probability * 100)")
    buckets = sorted(((int(b), int(n), float(f)) for b, n, f in rows), reverse=True)
    pairs, false, match_at = 0, 0.0, BAYES_MATCH  # every pair above 0.5 within the bound: the Bayes decision
    for bucket, n, f in buckets:
        if (false + f) / (pairs + n) > max_false:
            match_at = round(bucket / 100 + 0.01, 2)  # the bucket above this one
            break
        pairs, false = pairs + n, false + f
    return max(BAYES_MATCH, min(match_at, 0.99)), false / pairs if pairs else 0.0


def kept_matches_problem(patterns: np.ndarray, counts: np.ndarray, labels: np.ndarray, start: ResolveModel,
                         trained: ResolveModel, match: float = 0.9) -> list[str]:
    """The starting model's matches among the candidates are a check sample: its weights encode
    what an identical transliterated name, an equal identifier or birth date mean anywhere. A
    trained model that turns more than MAX_LOST_MATCHES of them away learned another split than
    same/not the same (EM on few true pairs, a class of shared birth dates); it is not used."""
    before = posteriors(patterns, start, labels) >= match
    after = posteriors(patterns, trained, labels) >= match
    total = float(counts[before].sum())
    lost = float(counts[before & ~after].sum())
    if total and lost / total > MAX_LOST_MATCHES:
        return [f"turns away {lost:.0f} of the starting model's {total:.0f} matches ({lost / total:.0%})"]
    return []
