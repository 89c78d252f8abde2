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
_SECONDS = (1 << _TIME_BITS) - 1


_LEVELS = 3  # running sums carried: the sum, its rounding errors, and theirs


def _compensated_prefix(values: np.ndarray) -> list[np.ndarray]:
    """Running sums of ``values`` (a leading 0), the running sum of each addition's rounding error (TwoSum), and
    the running sum of that sum's own errors. The sum of rows ``lo..hi-1`` is the sum of the three arrays'
    differences at ``hi`` and ``lo`` (``_Direction.window``), accurate to a few units in its last place however
    large the sums of the rows before: a small account's window after large accounts' rows keeps its cents, and
    equal amounts read no spread. One level of errors is not enough: its own running sum grows with the rows
    before (as the square root of their count times their size's rounding unit) and rounds a small window's
    sum of squares by more than ``STD_NOISE`` (``tests/detect/test_features_windows.py``)."""
    levels: list[np.ndarray] = []
    for _ in range(_LEVELS):
        total = np.zeros(len(values) + 1)
        np.cumsum(values, out=total[1:])  # one addition after another, so each step's error is recoverable
        levels.append(total)
        before = total[:-1]
        step = total[1:] - before
        values = (before - (total[1:] - step)) + (values - step)
    return levels


@dataclass
class _Direction:
    """One direction of every account's transactions (payments, keyed by sender; or receipts, by receiver),
    sorted by account and time, with the prefix sums its windows read."""

    order: np.ndarray  # row (eid - 1) of each sorted position
    key: np.ndarray  # (account << 32) | seconds, ascending
    offsets: np.ndarray  # offsets[a]: the first position of account a (offsets[a + 1] - offsets[a] rows)
    # Prefix sums (a leading 0 row), one row per position: the amount's levels (``_compensated_prefix``), the
    # square's, then ``fresh`` flags per window and the pair's first-transaction flag (integers, exact).
    prefix: np.ndarray

    @classmethod
    def of(cls, acct: np.ndarray, rel: np.ndarray, amt: np.ndarray, flags: list[np.ndarray], accounts: int
           ) -> _Direction:
        row = np.arange(len(acct), dtype=np.int64)
        # Rows are in time order, so (account, row) orders by account, time and eid; the keys are unique, so
        # the default (unstable, fastest) sort gives that order.
        order = np.argsort((acct.astype(np.int64) << _TIME_BITS) | row)
        sorted_acct = acct[order].astype(np.int64)
        t = rel[order]
        offsets = np.zeros(accounts + 1, dtype=np.int64)
        np.cumsum(np.bincount(sorted_acct, minlength=accounts), out=offsets[1:])
        a = amt[order]
        columns = [*_compensated_prefix(a), *_compensated_prefix(a * a)]
        for f in flags:
            c = np.zeros(len(acct) + 1)
            np.cumsum(f[order], out=c[1:])
            columns.append(c)
        return cls(order, (sorted_acct << _TIME_BITS) | t, offsets, np.column_stack(columns))

    def window(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sums over positions ``lo..hi-1``: of the amounts, of their squares, and of each flag (columns)."""
        d = np.take(self.prefix, hi, axis=0)
        d -= np.take(self.prefix, lo, axis=0)
        amount = d[:, 0] + (d[:, 1] + d[:, 2])
        square = d[:, 3] + (d[:, 4] + d[:, 5])
        return amount, square, d[:, 2 * _LEVELS:]


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


def end_features(s: np.ndarray, r: np.ndarray, t: np.ndarray, amt: np.ndarray, windows: dict[str, int], *,
                 chunk: int = 1 << 18) -> Iterator[EndBlock]:
    """Blocks of each end's columns for every transaction, rows given in time order (``eid``): the pair's
    history (``first_pair``, ``pair_prev``, ``pair_gap_days``, the sender's side only), the amount against the
    end's usual one (``amt_vs_mean``) and the end's statistics (``features_sql.side_columns``). ``s`` and ``r``
    are integer account ids from 0 to below 2^31, ``t`` epoch seconds. Blocks come one at a time, each end's
    in ``chunk`` rows at most, so a caller can place each and let it go."""
    n = len(t)
    if not n:
        return
    rel = (t - t.min()).astype(np.int64)
    if int(rel.max()) >= 1 << _TIME_BITS:
        raise ValueError("transactions span more than 136 years: seconds do not fit the window sort key")
    row = np.arange(n, dtype=np.int64)
    # The pair's history: its rows grouped, in time order within a pair (a pair number, then the row).
    pair = np.unique((s.astype(np.int64) << 31) | r.astype(np.int64), return_inverse=True)[1].reshape(-1)
    by_pair = np.argsort((pair.astype(np.int64) << _TIME_BITS) | row)
    sorted_pair = pair[by_pair]
    prev_t = np.empty(n)
    prev_t[by_pair] = _previous(rel[by_pair].astype(np.float64), sorted_pair, 1)
    first_pair = np.isnan(prev_t)
    starts = np.flatnonzero(np.r_[True, sorted_pair[1:] != sorted_pair[:-1]])
    pair_prev = np.empty(n)
    pair_prev[by_pair] = row - np.repeat(starts, np.diff(np.r_[starts, n]))
    yield EndBlock("s", ["first_pair", "pair_prev", "pair_gap_days"], row,
                   np.column_stack([first_pair, pair_prev, (rel - prev_t) / _DAY]).astype(np.float32))
    flags = [first_pair | (prev_t <= rel - w) for w in windows.values()] + [first_pair]
    accounts = int(max(s.max(), r.max())) + 1
    out_dir = _Direction.of(s, rel, amt, flags, accounts)
    in_dir = _Direction.of(r, rel, amt, flags, accounts)
    del flags, prev_t, pair_prev, by_pair, pair
    yield from _side("s", out_dir, in_dir, windows, amt, chunk)
    yield from _side("r", in_dir, out_dir, windows, amt, chunk)


def _side(side: str, own: _Direction, other: _Direction, windows: dict[str, int], amt: np.ndarray,
          chunk: int = 1 << 18) -> Iterator[EndBlock]:
    """One end's columns, in blocks of ``chunk`` rows (so the working arrays stay small on a large case).
    Queries are the end's own rows in (account, time) order, so every binary search reads ascending keys; a
    block stays in that order (``rows``: its slice of ``own.order``), placed by the caller."""
    names = ["amt_vs_mean", *fsql.side_columns(windows)]
    for start in range(0, len(own.order), chunk):
        part = slice(start, start + chunk)
        stats = _side_stats(side, own, other, windows, part, amt[own.order[part]])
        block = np.empty((len(names), len(stats["amt_vs_mean"])), dtype=np.float32)  # each column contiguous
        for j, name in enumerate(names):
            block[j] = stats.pop(name)
        yield EndBlock(side, names, own.order[part], block.T)


def _side_stats(side: str, own: _Direction, other: _Direction, windows: dict[str, int], part: slice,
                amt: np.ndarray) -> dict[str, np.ndarray]:
    """The columns of the end's sorted rows ``part`` (``amt``: their amounts)."""
    query = own.key[part]
    acct = query >> _TIME_BITS
    account_start = acct << _TIME_BITS
    seconds = query - account_start
    # Positions at or before the query's time (ties included, as a RANGE frame has them) in each direction,
    # from the account's first position on.
    ends = {"own": np.searchsorted(own.key, query, side="right"),
            "other": np.searchsorted(other.key, query, side="right")}
    firsts = {"own": own.offsets[acct], "other": other.offsets[acct]}
    data = {"own": own, "other": other}
    way = {"out": "own", "in": "other"} if side == "s" else {"out": "other", "in": "own"}
    stats: dict[str, np.ndarray] = {}
    for k, (name, w) in enumerate(windows.items()):
        lo_key = account_start + np.maximum(seconds - (w - 1), 0)
        for d, which in way.items():
            hi = ends[which]
            lo = np.searchsorted(data[which].key, lo_key, side="left")
            total, square, flags = data[which].window(lo, hi)
            cnt = (hi - lo).astype(np.float64)
            stats[f"{d}_cnt_{name}"] = cnt
            stats[f"{d}_fan_{name}"] = flags[:, k]
            stats[f"{d}_new_{name}"] = flags[:, -1]
            stats[f"{d}_sum_{name}"], stats[f"{d}_sq_{name}"] = total, square
            with np.errstate(invalid="ignore"):  # no row that way: 0 / 0, NaN, as the SQL's NULL
                avg = total / cnt
                msq = square / cnt
            var = msq - avg * avg
            stats[f"{d}_avg_{name}"] = avg
            # No row that way: the SQL's CASE reads NULL as not above the noise, so the spread is 0.
            stats[f"{d}_std_{name}"] = np.sqrt(np.where(var > fsql.STD_NOISE * msq, var, 0.0))
        stats[f"gs_paths_{name}"] = stats[f"in_fan_{name}"] * stats[f"out_fan_{name}"]
        stats[f"flow_ratio_{name}"] = _safe_divide(stats[f"out_sum_{name}"], stats[f"in_sum_{name}"])
    for d, which in way.items():
        hi, lo = ends[which], firsts[which]
        total, _, flags = data[which].window(lo, hi)
        stats[f"{d}_cnt_all"] = (hi - lo).astype(np.float64)
        stats[f"{d}_fan_all"] = flags[:, -1]
        stats[f"{d}_mean_all"] = total / np.maximum(hi - lo, 1)
    # The account's first time in either direction (its own direction always holds the query row), and its
    # last time the other way up to now.
    o = other
    has_other = o.offsets[acct + 1] > firsts["other"]
    other_first = np.where(has_other, o.key[np.minimum(firsts["other"], len(o.key) - 1)] & _SECONDS, _SECONDS)
    stats["age_days"] = (seconds - np.minimum(own.key[firsts["own"]] & _SECONDS, other_first)) / _DAY
    seen = ends["other"] > firsts["other"]
    last = np.where(seen, o.key[np.maximum(ends["other"] - 1, 0)] & _SECONDS, -1)
    stats["cross_gap_days"] = np.where(seen, (seconds - last) / _DAY, np.nan)
    # The same way's previous and third previous time: positions before, if the account's.
    at = np.arange(part.start, part.start + len(query))
    for name, back in (("same_gap_days", 1), ("same_gap3_days", 3)):
        prior = at - back
        inside = prior >= firsts["own"]
        earlier = own.key[np.maximum(prior, 0)] & _SECONDS
        stats[name] = np.where(inside, (seconds - earlier) / _DAY, np.nan)
    stats["amt_vs_mean"] = _safe_divide(amt, stats[f"{'out' if side == 's' else 'in'}_mean_all"])
    return stats
