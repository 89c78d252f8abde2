"""Expectation maximisation of Fellegi-Sunter m over patterns of comparison levels, with numpy.

EM runs on the distinct patterns of levels with their counts (a few hundred rows however many
pairs there are). A missing value (-1) contributes nothing to a pattern's odds. Judged pairs are
labelled data: they join the E-step with their posterior fixed (1 for positive, 0 for negative).
``resolve.train`` runs the sessions; ``resolve.train_names`` the names' EM among candidates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from moneytrail.resolve.model import COMPARISONS, ResolveModel

DEFAULT_RANDOM_PAIRS = 100_000
PSEUDO_PAIRS = 5.0  # weight of the starting m when smoothing EM's m
M_FLOOR = 1e-6


@dataclass(frozen=True)
class TrainParams:
    random_pairs: int = DEFAULT_RANDOM_PAIRS
    max_iterations: int = 50
    tolerance: float = 1e-5
    seed: int = 1
    name_pairs: int = 10_000
    min_records: int = 500  # fewer records than this: the starting model scores, nothing is estimated


def run_em(patterns: np.ndarray, counts: np.ndarray, model: ResolveModel, u: dict[str, tuple[float, ...]],
           params: TrainParams, labelled: np.ndarray | None = None,
           use: tuple[str, ...] = COMPARISONS) -> tuple[dict[str, tuple[float, ...]], float, int, np.ndarray]:
    """m per comparison in ``use`` and the match share by EM with u fixed; comparisons not in
    ``use`` take no part (as in a Splink training session blocked on them). ``labelled`` gives a
    fixed posterior per pattern row (NaN where unlabelled). Returns (m, match share, iterations,
    the final posterior of each pattern)."""
    keys = [k for k, c in enumerate(COMPARISONS) if c in use]
    sizes = [len(model.comparison(c).labels) for c in COMPARISONS]
    m = [np.array(model.comparison(c).m, float) for c in COMPARISONS]
    start_m = [x.copy() for x in m]
    uu = [np.array(u[c], float) for c in COMPARISONS]
    share = min(max(model.match_share, 1e-4), 0.9)
    present = patterns >= 0
    idx = np.where(present, patterns, 0)
    iterations = 0
    post = np.full(len(counts), share)
    for iterations in range(1, params.max_iterations + 1):  # noqa: B007 (the count is reported)
        post = expectation(share, m, uu, present, idx, keys, labelled)
        weighted = post * counts
        new_share = float(weighted.sum() / counts.sum()) if counts.sum() else share
        change = abs(new_share - share)
        for k in keys:
            new_m = m_step(idx[:, k], present[:, k], weighted, sizes[k], start_m[k])
            if new_m is not None:
                change = max(change, float(np.abs(new_m - m[k]).max()))
                m[k] = new_m
        share = min(max(new_share, 1e-6), 1 - 1e-6)
        if change < params.tolerance:
            break
    return {COMPARISONS[k]: tuple(float(x) for x in m[k]) for k in keys}, share, iterations, post


def expectation(share: float, m: list[np.ndarray], u: list[np.ndarray], present: np.ndarray, idx: np.ndarray,
                keys: list[int], labels: np.ndarray | None) -> np.ndarray:
    """EM's E-step: each pattern's P(match) from the match share and the m and u of the comparisons in
    ``keys`` (a missing value contributes nothing); labelled patterns (not NaN in ``labels``) keep
    their label."""
    log_m = np.full(len(idx), np.log(share))
    log_u = np.full(len(idx), np.log(1 - share))
    for k in keys:
        log_m += np.where(present[:, k], np.log(m[k][idx[:, k]]), 0.0)
        log_u += np.where(present[:, k], np.log(u[k][idx[:, k]]), 0.0)
    post = 1.0 / (1.0 + np.exp(np.clip(log_u - log_m, -700, 700)))
    return post if labels is None else np.asarray(np.where(np.isnan(labels), post, labels))


def m_step(levels: np.ndarray, present: np.ndarray, weighted: np.ndarray, size: int,
           prior: np.ndarray | None = None) -> np.ndarray | None:
    """m of one comparison from posterior-weighted level counts (None when no pair has a value),
    smoothed towards ``prior`` by PSEUDO_PAIRS pairs, so a level no trained pair reached keeps a
    plausible m instead of a near-zero one (an identifier typo is rare, not impossible)."""
    sums = np.bincount(levels[present], weights=weighted[present], minlength=size)[:size]
    if sums.sum() <= 0:
        return None
    if prior is not None:
        sums = sums + PSEUDO_PAIRS * np.asarray(prior) / np.sum(prior)
    new_m = np.maximum(sums / sums.sum(), M_FLOOR)
    return np.asarray(new_m / new_m.sum())


def posteriors(patterns: np.ndarray, model: ResolveModel, labels: np.ndarray) -> np.ndarray:
    """P(match) of each pattern under ``model`` (judged patterns keep their label)."""
    present = patterns >= 0
    idx = np.where(present, patterns, 0)
    odds = np.full(len(patterns), model.prior * np.log(2))
    for k, c in enumerate(COMPARISONS):
        weights = np.array(model.comparison(c).weights()) * np.log(2)
        odds += np.where(present[:, k], weights[idx[:, k]], 0.0)
    post = 1.0 / (1.0 + np.exp(-np.clip(odds, -700, 700)))
    return np.asarray(np.where(np.isnan(labels), post, labels))
