"""The bounty signature, in numpy: payments that follow events at a fixed price per casualty.

For every (payment, event) pair with the payment within ``window`` days after the event, the log
ratio amount / casualties is computed. A bounty shows as many payments whose ratio sits at one
value (the price). The statistic is the number of payments with a pair within ``tol`` of the
densest ratio; its null distribution comes from redrawing event dates uniformly within the actor's
active period (casualties stay with their events), many permutations at once, over sparse pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class SignatureTest:
    matched: int  # payments explained by the densest price
    in_window: int  # payments with any event in the window before them
    log_center: float
    p_value: float
    p_value_timing: float
    null_mean: float
    permutations: int
    pairs: list[tuple[int, int]]  # (payment index, event index) of the matched pairs


def _centers(perm: npt.NDArray[np.int64], bins: npt.NDArray[np.int64], n: int, nbins: int,
             half_width: int) -> npt.NDArray[np.int64]:
    """Per permutation, the bin with the most valid pairs within ``half_width`` bins either side."""
    counts = np.bincount(perm * nbins + bins, minlength=n * nbins).reshape(n, nbins)
    padded = np.concatenate([np.zeros((n, half_width + 1), np.int64), counts,
                             np.zeros((n, half_width), np.int64)], axis=1)
    csum = np.cumsum(padded, axis=1)
    smoothed = csum[:, 2 * half_width + 1:] - csum[:, :-(2 * half_width + 1)]
    return np.asarray(np.argmax(smoothed, axis=1), dtype=np.int64)


@dataclass(frozen=True)
class _Setup:
    log_a: FloatArray
    log_c: FloatArray
    usable: BoolArray  # events with casualties
    window: float
    tol_log: float
    lo: float
    width: float
    nbins: int
    half_width: int = 2


def _window_pairs(pay_days: FloatArray, event_days: FloatArray, window: float
                  ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(permutation, payment, event) of every pair with the event at most ``window`` days before the
    payment, for each row of ``event_days``. Sparse: one sorted search per payment and row, so the
    cost follows the pairs that exist, not payments x events."""
    n, n_pay = event_days.shape[0], len(pay_days)
    order = np.argsort(event_days, axis=1, kind="stable")
    ordered = np.take_along_axis(event_days, order, axis=1)
    base = min(float(ordered.min()), float(pay_days.min()))
    # Rows are laid end to end with a gap wider than any lag, so one search covers all of them.
    stride = max(float(ordered.max()), float(pay_days.max())) - base + 2 * window + 10
    offsets = np.arange(n, dtype=np.float64)[:, None] * stride
    flat = (ordered - base + offsets).ravel()
    queries = (pay_days[None, :] - base + offsets).ravel()
    first = np.searchsorted(flat, queries - window, side="left")
    last = np.searchsorted(flat, queries, side="right")
    count = last - first
    total = int(count.sum())
    row_pay = np.repeat(np.arange(n * n_pay, dtype=np.int64), count)
    starts = np.repeat(first - (np.cumsum(count) - count), count)
    position = starts + np.arange(total, dtype=np.int64)
    events = order.ravel()[position].astype(np.int64)
    return row_pay // n_pay, row_pay % n_pay, events


def _statistics(pay_days: FloatArray, event_days: FloatArray, s: _Setup
                ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], FloatArray]:
    """(matched, in_window, log centre) for each row of ``event_days`` (one row per permutation)."""
    n, n_pay = event_days.shape[0], len(pay_days)
    perm, pay, ev = _window_pairs(pay_days, event_days, s.window)
    timing = np.bincount(np.unique(perm * n_pay + pay) // n_pay, minlength=n)
    keep = s.usable[ev]
    perm, pay, ev = perm[keep], pay[keep], ev[keep]
    log_ratio = s.log_a[pay] - s.log_c[ev]
    bins = np.clip(((log_ratio - s.lo) / s.width).astype(np.int64), 0, s.nbins - 1)
    centers = _centers(perm, bins, n, s.nbins, s.half_width)
    center_val = np.asarray(s.lo + (centers + 0.5) * s.width, dtype=np.float64)
    near = np.abs(log_ratio - center_val[perm]) <= s.tol_log
    matched = np.bincount(np.unique(perm[near] * n_pay + pay[near]) // n_pay, minlength=n)
    return matched.astype(np.int64), timing.astype(np.int64), center_val


def signature_test(pay_days: FloatArray, amounts: FloatArray, event_days: FloatArray, casualties: FloatArray,
                   *, window: float, tol: float = 0.1, permutations: int = 999, seed: int = 0,
                   period: tuple[float, float] | None = None, pairs_per_chunk: int = 2_000_000) -> SignatureTest:
    """Test whether payments follow events at a fixed price per casualty more than chance gives."""
    ok = (casualties[None, :] > 0) & (amounts[:, None] > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_a = np.log(np.maximum(amounts, 1e-12))
        log_c = np.log(np.maximum(casualties, 1e-12))
    log_ratio = np.where(ok, log_a[:, None] - log_c[None, :], 0.0)
    if len(event_days) == 0 or len(pay_days) == 0:
        return SignatureTest(0, 0, 0.0, 1.0, 1.0, 0.0, 0, [])
    tol_log = float(np.log1p(tol))
    width = tol_log / 2
    lo = float(log_ratio[ok].min()) if ok.any() else 0.0
    hi = float(log_ratio[ok].max()) if ok.any() else 0.0
    setup = _Setup(log_a, log_c, casualties > 0, window, tol_log, lo, width,
                   max(1, int(np.ceil((hi - lo) / width)) + 1))
    obs_matched, obs_timing, obs_center = _statistics(pay_days, event_days[None, :], setup)
    start, end = period if period else (float(event_days.min()), float(event_days.max()))
    rng = np.random.default_rng(seed)
    null_matched: list[npt.NDArray[np.int64]] = []
    null_timing: list[npt.NDArray[np.int64]] = []
    # Permutations are computed together, as many at a time as keep the pair arrays near
    # ``pairs_per_chunk`` (chance gives about as many pairs per permutation as observed, or fewer).
    observed_pairs = int(_window_pairs(pay_days, event_days[None, :], window)[0].size)
    chunk = max(1, min(1024, pairs_per_chunk // max(1, observed_pairs)))
    for offset in range(0, permutations, chunk):
        n = min(chunk, permutations - offset)
        days = np.floor(rng.uniform(start, end + 1, size=(n, len(event_days))))
        m, t, _ = _statistics(pay_days, days, setup)
        null_matched.append(m)
        null_timing.append(t)
    nm = np.concatenate(null_matched) if null_matched else np.zeros(0, np.int64)
    nt = np.concatenate(null_timing) if null_timing else np.zeros(0, np.int64)
    p = float((1 + np.sum(nm >= obs_matched[0])) / (1 + len(nm)))
    p_t = float((1 + np.sum(nt >= obs_timing[0])) / (1 + len(nt)))
    pairs = matched_pairs(pay_days, event_days, log_ratio, ok, window, float(obs_center[0]), tol_log)
    return SignatureTest(int(obs_matched[0]), int(obs_timing[0]), float(obs_center[0]), p, p_t,
                         float(nm.mean()) if len(nm) else 0.0, len(nm), pairs)


def matched_pairs(pay_days: FloatArray, event_days: FloatArray, log_ratio: FloatArray, ok: BoolArray,
                  window: float, center: float, tol_log: float) -> list[tuple[int, int]]:
    """For each matched payment, the latest event in its window whose ratio fits the price; when two
    events fit (same casualties), the nearer one is the likelier reason to pay."""
    lag = pay_days[:, None] - event_days[None, :]
    fits = (lag >= 0) & (lag <= window) & ok & (np.abs(log_ratio - center) <= tol_log)
    nearest = np.argmin(np.where(fits, lag, np.inf), axis=1)
    hit = fits.any(axis=1)
    return [(int(p), int(nearest[p])) for p in np.flatnonzero(hit)]


@dataclass(frozen=True)
class PriceFit:
    price: float  # median of amount / casualties over matched pairs (robust)
    price_through_origin: float  # least squares amount = price * casualties
    median_abs_rel_dev: float  # how tightly amounts sit on price * casualties
    r_squared: float  # of the regression through the origin (uncentred)


def fit_price(amounts: FloatArray, casualties: FloatArray) -> PriceFit:
    ratios = amounts / casualties
    price = float(np.median(ratios))
    through = float(np.sum(amounts * casualties) / np.sum(casualties ** 2))
    dev = float(np.median(np.abs(amounts / (price * casualties) - 1)))
    resid = amounts - through * casualties
    r2 = float(1 - np.sum(resid ** 2) / np.sum(amounts ** 2))
    return PriceFit(price, through, dev, r2)
