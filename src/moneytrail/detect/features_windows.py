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

import itertools
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
    """One direction of a range of accounts' transactions (payments, keyed by sender; or receipts, by receiver),
    sorted by account and time, with the prefix sums its windows read."""

    order: np.ndarray  # row (eid - 1) of each sorted position
    key: np.ndarray  # (account << 32) | seconds, ascending
    first_account: int
    offsets: np.ndarray  # offsets[a - first_account]: the first position of account a (the next's: its end)
    # Prefix sums (a leading 0 row), one row per position: the amount's levels (``_compensated_prefix``), the
    # square's, then ``fresh`` flags per window and the pair's first-transaction flag (integers, exact).
    prefix: np.ndarray

    @classmethod
    def of(cls, order: np.ndarray, acct: np.ndarray, rel: np.ndarray, amt: np.ndarray, flags: list[np.ndarray],
           accounts: tuple[int, int]) -> _Direction:
        """The rows ``order`` (sorted by account and time), whose accounts ``acct[order]`` are in ``accounts``
        (first, last + 1)."""
        sorted_acct = acct[order].astype(np.int64)
        offsets = np.zeros(accounts[1] - accounts[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(sorted_acct - accounts[0], minlength=accounts[1] - accounts[0]), out=offsets[1:])
        a = amt[order]
        prefix = np.empty((len(order) + 1, 2 * _LEVELS + len(flags)))
        for j, level in enumerate([*_compensated_prefix(a), *_compensated_prefix(a * a)]):
            prefix[:, j] = level
        for j, f in enumerate(flags, start=2 * _LEVELS):
            prefix[0, j] = 0.0
            np.cumsum(f[order], out=prefix[1:, j])
        return cls(order, (sorted_acct << _TIME_BITS) | rel[order], accounts[0], offsets, prefix)

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


def _seconds_at(key: np.ndarray, positions: np.ndarray, ok: np.ndarray, fill: int) -> np.ndarray:
    """The seconds of ``key`` at ``positions`` where ``ok``, else ``fill`` (``key`` may be empty)."""
    if not len(key):
        return np.full(len(positions), fill, dtype=np.int64)
    out: np.ndarray = np.where(ok, key[np.clip(positions, 0, len(key) - 1)] & _SECONDS, fill)
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
    are integer account ids from 0 to below 2^31, ``t`` epoch seconds.

    Accounts are independent, so they are taken in ranges of about ``chunk`` rows each way (an account is never
    split): a range's sorted rows, prefix sums and answers are all the working memory, whatever the case's
    size. Blocks come one at a time, so a caller can place each and let it go."""
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
    del pair
    prev_t = np.empty(n)
    prev_t[by_pair] = _previous(rel[by_pair].astype(np.float64), sorted_pair, 1)
    first_pair = np.isnan(prev_t)
    starts = np.flatnonzero(np.r_[True, sorted_pair[1:] != sorted_pair[:-1]])
    history = np.empty((n, 3), dtype=np.float32)
    history[:, 0] = first_pair
    history[by_pair, 1] = row - np.repeat(starts, np.diff(np.r_[starts, n]))
    history[:, 2] = (rel - prev_t) / _DAY
    del by_pair, sorted_pair, starts
    yield EndBlock("s", ["first_pair", "pair_prev", "pair_gap_days"], row, history)
    flags = [first_pair | (prev_t <= rel - w) for w in windows.values()] + [first_pair]
    del history, prev_t
    # Each direction's rows by account, time and eid: rows are in time order, so a unique (account, row) key
    # sorts them with the default (fastest, unstable) sort.
    accounts = int(max(s.max(), r.max())) + 1
    by_sender = np.argsort((s.astype(np.int64) << _TIME_BITS) | row)
    by_receiver = np.argsort((r.astype(np.int64) << _TIME_BITS) | row)
    senders = np.r_[0, np.cumsum(np.bincount(s, minlength=accounts))]  # positions of each account's rows
    receivers = np.r_[0, np.cumsum(np.bincount(r, minlength=accounts))]
    del row
    both = senders + receivers  # rows either way of the accounts before each
    cuts = np.unique(np.searchsorted(both, np.arange(0, 2 * n, 2 * max(chunk, 1)), side="right"))
    bounds = [0, *(int(c) for c in cuts if 0 < c < accounts), accounts]
    for first, last in itertools.pairwise(bounds):
        span = (first, last)
        out_dir = _Direction.of(by_sender[senders[first]:senders[last]], s, rel, amt, flags, span)
        in_dir = _Direction.of(by_receiver[receivers[first]:receivers[last]], r, rel, amt, flags, span)
        yield from _side("s", out_dir, in_dir, windows, amt)
        yield from _side("r", in_dir, out_dir, windows, amt)


def _side(side: str, own: _Direction, other: _Direction, windows: dict[str, int], amt: np.ndarray
          ) -> Iterator[EndBlock]:
    """One end's columns for a range of accounts. Queries are the end's own rows in (account, time) order, so
    every binary search reads ascending keys; the block stays in that order (``rows`` = ``own.order``), placed
    by the caller."""
    if not len(own.order):
        return
    names = ["amt_vs_mean", *fsql.side_columns(windows)]
    stats = _side_stats(side, own, other, windows, amt[own.order])
    block = np.empty((len(names), len(own.order)), dtype=np.float32)  # each column written contiguously
    for j, name in enumerate(names):
        block[j] = stats.pop(name)
    yield EndBlock(side, names, own.order, block.T)


def _side_stats(side: str, own: _Direction, other: _Direction, windows: dict[str, int], amt: np.ndarray
                ) -> dict[str, np.ndarray]:
    """The columns of the end's sorted rows (``amt``: their amounts)."""
    query = own.key
    acct = query >> _TIME_BITS
    account_start = acct << _TIME_BITS
    seconds = query - account_start
    local = acct - own.first_account
    # Positions at or before the query's time (ties included, as a RANGE frame has them) in each direction,
    # from the account's first position on.
    ends = {"own": np.searchsorted(own.key, query, side="right"),
            "other": np.searchsorted(other.key, query, side="right")}
    firsts = {"own": own.offsets[local], "other": other.offsets[local]}
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
    has_other = o.offsets[local + 1] > firsts["other"]
    other_first = _seconds_at(o.key, firsts["other"], has_other, _SECONDS)
    stats["age_days"] = (seconds - np.minimum(own.key[firsts["own"]] & _SECONDS, other_first)) / _DAY
    seen = ends["other"] > firsts["other"]
    last = _seconds_at(o.key, ends["other"] - 1, seen, -1)
    stats["cross_gap_days"] = np.where(seen, (seconds - last) / _DAY, np.nan)
    # The same way's previous and third previous time: positions before, if the account's.
    at = np.arange(len(query))
    for name, back in (("same_gap_days", 1), ("same_gap3_days", 3)):
        prior = at - back
        inside = prior >= firsts["own"]
        earlier = own.key[np.maximum(prior, 0)] & _SECONDS
        stats[name] = np.where(inside, (seconds - earlier) / _DAY, np.nan)
    stats["amt_vs_mean"] = _safe_divide(amt, stats[f"{'out' if side == 's' else 'in'}_mean_all"])
    return stats
