"""Each end's statistics of every transaction in one vectorised pass over the time-ordered transactions.

The same values as ``features_sql.history_sql`` and ``features_sql.account_stats_sql`` define (that SQL is the
reference, and the one a cluster runs as a table; ``tests/detect/test_features_windows.py`` checks the two
agree), computed here for the learner's matrix, which lives in this process anyway. The SQL spends most of the
feature time in 21 window aggregates, each a segment tree over every end of every transaction; here each
account's payments and receipts are sorted once (by account; the rows are in time order already), and a
window's sum is the difference of two prefix sums at the window's ends, found by binary search:

- a window ``(t - W, t]`` of an end at ``t`` is the account's rows from the first at or after ``t - W + 1``
  to the last at ``t`` (ties included, as the SQL's ``RANGE`` frames have them), in each direction;
- counts are integer prefix sums (exact); amounts are prefix sums carried with each step's rounding error
  (``_Prefix``: a compensated running sum), so a window's sum is as exact as adding its own rows, whatever the
  size of everything summed before it (a plain difference of prefix sums would lose the small windows of an
  account behind the totals of every account before it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from moneytrail.detect import features_sql as fsql

_DAY = 86_400.0
_TIME_BITS = 32  # a sort key is (account << 32) | seconds since the case's first transaction


@dataclass
class _Prefix:
    """Running sums of a float column with each addition's rounding error carried beside it (TwoSum), so
    ``window(lo, hi)``, the sum of rows ``lo..hi-1``, is accurate to the window's own magnitude."""

    total: np.ndarray
    error: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray) -> _Prefix:
        total = np.empty(len(values) + 1)
        total[0] = 0.0
        np.cumsum(values, out=total[1:])  # one addition after another, so each step's error is recoverable
        before = total[:-1]
        step = total[1:] - before
        error = np.empty(len(values) + 1)
        error[0] = 0.0
        np.cumsum((before - (total[1:] - step)) + (values - step), out=error[1:])
        return cls(total, error)

    def window(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        out: np.ndarray = (self.total[hi] - self.total[lo]) + (self.error[hi] - self.error[lo])
        return out


@dataclass
class _Direction:
    """One direction of every account's transactions (payments, keyed by sender; or receipts, by receiver),
    sorted by account and time, with the prefix sums its windows read."""

    key: np.ndarray  # (account << 32) | seconds, ascending
    t: np.ndarray  # seconds, in that order
    ones: dict[str, np.ndarray]  # integer prefix sums (leading 0): fresh_<window>, first_pair
    amount: _Prefix
    square: _Prefix


def _count_prefix(flags: np.ndarray) -> np.ndarray:
    out = np.zeros(len(flags) + 1, dtype=np.int64)
    np.cumsum(flags, out=out[1:])
    return out


def _previous(values: np.ndarray, same: np.ndarray, k: int) -> np.ndarray:
    """``values`` k rows earlier within the same group (``same[i]``: group of row i; NaN before the group)."""
    out = np.full(len(values), np.nan)
    if len(values) > k:
        inside = same[k:] == same[:-k]
        out[k:] = np.where(inside, values[:-k], np.nan)
    return out


def _safe_divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den``, NaN where ``den`` is 0 (the SQL's ``nullif(den, 0)``) or NaN."""
    out = np.full(len(num), np.nan)
    np.divide(num, den, out=out, where=(den != 0) & ~np.isnan(den))
    return out


@dataclass
class EndBlock:
    """Columns ``names`` of one end (``side``: "s" the sender, "r" the receiver) for the rows ``rows``:
    ``values[k, j]`` is column ``names[j]`` of row ``rows[k]`` (float32, NaN where the SQL has NULL)."""

    side: str
    names: list[str]
    rows: np.ndarray
    values: np.ndarray


def end_features(s: np.ndarray, r: np.ndarray, t: np.ndarray, amt: np.ndarray, windows: dict[str, int]
                 ) -> Iterator[EndBlock]:
    """Blocks of each end's columns for every transaction, rows given in time order (``eid``): the pair's
    history (``first_pair``, ``pair_prev``, ``pair_gap_days``, the sender's side only), the amount against the
    end's usual one (``amt_vs_mean``) and the end's statistics (``features_sql.side_columns``). ``s`` and ``r``
    are integer account ids below 2^31, ``t`` epoch seconds. Blocks come one at a time, so a caller can place
    each and let it go."""
    n = len(t)
    rel = (t - (t.min() if n else 0)).astype(np.int64)
    if n and int(rel.max()) >= 1 << _TIME_BITS:
        raise ValueError("transactions span more than 136 years: seconds do not fit the window sort key")
    # The pair's history: its rows grouped in time order (a stable sort keeps eid order within a pair).
    pair_key = (s.astype(np.int64) << 31) | r.astype(np.int64)
    by_pair = np.argsort(pair_key, kind="stable")
    sorted_pair = pair_key[by_pair]
    prev_t = np.empty(n)
    prev_t[by_pair] = _previous(rel[by_pair].astype(np.float64), sorted_pair, 1)
    first_pair = np.isnan(prev_t)
    starts = np.flatnonzero(np.r_[True, sorted_pair[1:] != sorted_pair[:-1]]) if n else np.zeros(0, np.int64)
    rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    pair_prev = np.empty(n)
    pair_prev[by_pair] = rank
    fresh = {name: (first_pair | (prev_t <= rel - w)).astype(np.int8) for name, w in windows.items()}

    def direction(acct: np.ndarray) -> tuple[_Direction, np.ndarray]:
        order = np.argsort(acct, kind="stable")  # rows are in time order, so this is account, time, eid
        key = (acct[order].astype(np.int64) << _TIME_BITS) | rel[order]
        a = amt[order]
        ones = {f"fresh_{name}": _count_prefix(f[order]) for name, f in fresh.items()}
        ones["first_pair"] = _count_prefix(first_pair[order])
        return _Direction(key, rel[order], ones, _Prefix.of(a), _Prefix.of(a * a)), order

    out_dir, by_sender = direction(s)
    in_dir, by_receiver = direction(r)
    for side, own, other, order in (("s", out_dir, in_dir, by_sender), ("r", in_dir, out_dir, by_receiver)):
        yield from _side(side, own, other, order, windows, amt, prev_t, first_pair, pair_prev, rel)


def _side(side: str, own: _Direction, other: _Direction, order: np.ndarray, windows: dict[str, int],
          amt: np.ndarray, prev_t: np.ndarray, first_pair: np.ndarray, pair_prev: np.ndarray, rel: np.ndarray
          ) -> Iterator[EndBlock]:
    """One end's columns. Queries are the end's own rows in (account, time) order, so every binary search
    reads ascending keys; the blocks stay in that order (``rows`` = ``order``), placed by the caller."""
    n = len(order)
    query = own.key  # the end's rows, sorted: ``order[k]`` is the row of query k
    account_start = (query >> _TIME_BITS) << _TIME_BITS
    seconds = query - account_start
    way = {"out": own, "in": other} if side == "s" else {"out": other, "in": own}

    if side == "s":
        pair = np.column_stack([first_pair, pair_prev, (rel - prev_t) / _DAY]).astype(np.float32)
        yield EndBlock(side, ["first_pair", "pair_prev", "pair_gap_days"], np.arange(n), pair)
    ends = {d: np.searchsorted(w.key, query, side="right") for d, w in way.items()}
    firsts = {d: np.searchsorted(w.key, account_start, side="left") for d, w in way.items()}
    stats: dict[str, np.ndarray] = {}
    for name, w in windows.items():
        lo_key = account_start + np.maximum(seconds - (w - 1), 0)
        for d, data in way.items():
            hi = ends[d]
            lo = np.searchsorted(data.key, lo_key, side="left")
            cnt = (hi - lo).astype(np.float64)
            total, square = data.amount.window(lo, hi), data.square.window(lo, hi)
            stats[f"{d}_cnt_{name}"] = cnt
            stats[f"{d}_fan_{name}"] = (data.ones[f"fresh_{name}"][hi] - data.ones[f"fresh_{name}"][lo]).astype(float)
            stats[f"{d}_new_{name}"] = (data.ones["first_pair"][hi] - data.ones["first_pair"][lo]).astype(float)
            stats[f"{d}_sum_{name}"], stats[f"{d}_sq_{name}"] = total, square
            avg = _safe_divide(total, cnt)
            msq = _safe_divide(square, cnt)
            var = msq - avg * avg
            stats[f"{d}_avg_{name}"] = avg
            # No row that way: the SQL's CASE reads NULL as not above the noise, so the spread is 0.
            stats[f"{d}_std_{name}"] = np.sqrt(np.where(var > fsql.STD_NOISE * msq, var, 0.0))
        stats[f"gs_paths_{name}"] = stats[f"in_fan_{name}"] * stats[f"out_fan_{name}"]
        stats[f"flow_ratio_{name}"] = _safe_divide(stats[f"out_sum_{name}"], stats[f"in_sum_{name}"])
    last: dict[str, np.ndarray] = {}
    first_t = np.full(n, np.inf)
    for d, data in way.items():
        hi, lo = ends[d], firsts[d]
        stats[f"{d}_cnt_all"] = (hi - lo).astype(np.float64)
        stats[f"{d}_fan_all"] = (data.ones["first_pair"][hi] - data.ones["first_pair"][lo]).astype(np.float64)
        stats[f"{d}_mean_all"] = data.amount.window(lo, hi) / np.maximum(hi - lo, 1)
        seen = hi > lo
        last[d] = np.where(seen, data.t[np.maximum(hi - 1, 0)], np.nan)
        has = lo < len(data.key)
        mine = has & ((data.key[np.minimum(lo, len(data.key) - 1)] >> _TIME_BITS) == (query >> _TIME_BITS))
        first_t = np.where(mine, np.minimum(first_t, data.t[np.minimum(lo, len(data.t) - 1)]), first_t)
    mine_way, cross_way = ("out", "in") if side == "s" else ("in", "out")
    stats["age_days"] = (seconds - first_t) / _DAY
    stats["cross_gap_days"] = (seconds - last[cross_way]) / _DAY
    gaps = own.key >> _TIME_BITS
    sorted_t = own.t.astype(np.float64)
    stats["same_gap_days"] = (sorted_t - _previous(sorted_t, gaps, 1)) / _DAY
    stats["same_gap3_days"] = (sorted_t - _previous(sorted_t, gaps, 3)) / _DAY
    names = ["amt_vs_mean", *fsql.side_columns(windows)]
    stats["amt_vs_mean"] = _safe_divide(amt[order], stats[f"{mine_way}_mean_all"])
    block = np.empty((len(names), n), dtype=np.float32)  # column-major: each column written contiguously
    for j, name in enumerate(names):
        block[j] = stats.pop(name)
    yield EndBlock(side, names, order, block.T)
