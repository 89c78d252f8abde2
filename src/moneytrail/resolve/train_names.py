"""The names' m and u among the candidate pairs, by EM, and the references of their frequencies.

Blocking chose the candidates by their names, so the name comparisons are trained on the candidates
themselves, anchored by the pairs whose other evidence speaks (``name_em``); the similar-name
levels' u is then counted over all candidates against all pairs (``count_similar_name_u``).
"""

from __future__ import annotations

import numpy as np

from moneytrail.engine import Engine
from moneytrail.resolve.em import TrainParams, expectation, m_step
from moneytrail.resolve.model import COMPARISONS, PARTLY_SIMILAR_LEVEL, ResolveModel

NAME_COMPARISONS = ("person_name", "org_name")
SIMILAR_NAMES = PARTLY_SIMILAR_LEVEL  # name levels up to "partly similar"
# Names agreeing down to "partly similar" are adjusted by how common the agreement is (scoring.tf_sql).
TRAINED_TF_LEVELS = SIMILAR_NAMES + 1


def name_key_references(engine: Engine, levels: str, population: int) -> dict[str, float]:
    """"<comparison>@<level>" -> the typical chance that another record shares the name key a
    candidate pair at that level shares (the geometric mean of (frequency - 1) / records over the
    level's candidates): the reference of the lower levels' term-frequency adjustment."""
    parts = [f"SELECT '{c}' AS comparison, {c} AS level, avg(log2(greatest(name_key_freq - 1, 1))) AS bits "
             f"FROM {levels} WHERE {c} BETWEEN 1 AND {TRAINED_TF_LEVELS - 1} AND name_key_freq IS NOT NULL "
             f"GROUP BY {c}" for c in NAME_COMPARISONS]
    return {f"{c}@{int(level)}": float(2.0 ** float(bits) / max(population, 1))
            for c, level, bits in engine.rows(" UNION ALL ".join(parts)) if bits is not None}


def count_similar_name_u(u: dict[str, tuple[float, ...]], patterns: np.ndarray, counts: np.ndarray,
                         post: np.ndarray, group_pairs: dict[str, float]) -> None:
    """Two records with similar names share a name key, so blocking made them a candidate: the
    similar-name levels' u is counted over all candidates (non-matches by their posterior) against
    all pairs of the group, exactly, where a random sample of pairs would hardly ever hit one."""
    for c, grp in zip(NAME_COMPARISONS, ("person", "org"), strict=True):
        k = COMPARISONS.index(c)
        pairs_of_group = group_pairs.get(grp, 0.0)
        if pairs_of_group <= 0:
            continue
        low = np.zeros(SIMILAR_NAMES + 1)
        for level in range(SIMILAR_NAMES + 1):
            at = patterns[:, k] == level
            low[level] = float(((1 - post[at]) * counts[at]).sum()) / pairs_of_group
        low = np.maximum(low, 0.5 / pairs_of_group)
        rest = np.array(u[c][SIMILAR_NAMES + 1:])
        rest = rest / max(rest.sum(), 1e-12) * max(1 - low.sum(), 1e-6)
        u[c] = tuple(float(x) for x in np.concatenate([low, rest]))


def name_em(patterns: np.ndarray, counts: np.ndarray, labels: np.ndarray, model: ResolveModel,
            params: TrainParams, also: tuple[int, ...] = (), also_on: np.ndarray | None = None
            ) -> tuple[dict[str, tuple[float, ...]], dict[str, tuple[float, ...]], float, int, np.ndarray]:
    """m and u of the name comparisons among the candidate pairs, and the share of matches among
    them, by EM over all candidates with the evidence comparisons held at their trained m and u.

    Blocking chose the candidates by their names, so a candidate non-match agrees on its names far
    more often than a random pair: the name u that fits scoring candidates is the candidates' own,
    which EM estimates here, anchored by the pairs whose evidence speaks. The model's prior is
    then the share of matches among candidates. Also returns each pattern's final posterior.

    ``also``: evidence comparisons (indices) whose m is estimated too, u held, from the patterns in
    ``also_on`` only (those with similar names: a candidate met by its birth date alone is not a
    random pair on that date). Their m is returned with the names'."""
    keys = list(range(len(COMPARISONS)))
    names = [COMPARISONS.index(c) for c in NAME_COMPARISONS]
    present = patterns >= 0
    idx = np.where(present, patterns, 0)
    m = [np.array(model.comparison(c).m, float) for c in COMPARISONS]
    u = [np.array(model.comparison(c).u, float) for c in COMPARISONS]
    for k in names:  # non-matches dominate candidates: start u from how all candidates fall
        start = m_step(idx[:, k], present[:, k], counts, len(u[k]))
        if start is not None:
            u[k] = start
    share = min(max(model.match_share, 1e-4), 0.9)
    iterations = 0
    post = np.full(len(counts), share)
    on = np.ones(len(counts), bool) if also_on is None else also_on
    start_m = {k: m[k].copy() for k in also}
    for iterations in range(1, params.max_iterations + 1):  # noqa: B007 (the count is reported)
        post = expectation(share, m, u, present, idx, keys, labels)
        new_share = float((post * counts).sum() / counts.sum()) if counts.sum() else share
        change = abs(new_share - share)
        for k in also:
            new_m = m_step(idx[:, k], present[:, k] & on, post * counts, len(m[k]), start_m[k])
            if new_m is not None:
                change = max(change, float(np.abs(new_m - m[k]).max()))
                m[k] = new_m
        for k in names:
            new_m = m_step(idx[:, k], present[:, k], post * counts, len(m[k]))
            new_u = m_step(idx[:, k], present[:, k], (1 - post) * counts, len(u[k]))
            if new_m is not None and new_u is not None:
                change = max(change, float(np.abs(new_m - m[k]).max()), float(np.abs(new_u - u[k]).max()))
                m[k], u[k] = new_m, new_u
        share = min(max(new_share, 1e-6), 1 - 1e-6)
        if change < params.tolerance:
            break
    out_m = {COMPARISONS[k]: tuple(float(x) for x in m[k]) for k in (*names, *also)}
    out_u = {COMPARISONS[k]: tuple(float(x) for x in u[k]) for k in names}
    return out_m, out_u, share, iterations, post
