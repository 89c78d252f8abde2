"""Taint allocation over an extracted sub-graph: one ledger per account, replayed in time order.

The ledger runs in Python over the small sub-graph that the SQL frontier extracted (the
architecture allows loops there). Taint is kept in *units*: the taint a payment carries at one hop
depth. Every unit remembers which earlier units it was paid out of (``parents``), so paths can be
rebuilt afterwards, and how much of it stopped at its receiver (``retained``).

Time is "loop time": epoch microseconds, negated for a backward trace, so that "later" always
means a larger number and the same rules serve both directions.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from moneytrail.trace.params import Method

# Parts of a unit smaller than this stay where they are: they would only clutter the ledgers.
DUST = 1e-9


@dataclass
class Allocation:
    """Units of taint, their provenance and where each one stopped."""

    edge: list[int] = field(default_factory=list)
    depth: list[int] = field(default_factory=list)
    amount: list[float] = field(default_factory=list)
    parents: list[list[tuple[int, float]]] = field(default_factory=list)
    retained: list[float] = field(default_factory=list)

    def add(self, edge: int, depth: int, amount: float, parents: list[tuple[int, float]]) -> int:
        self.edge.append(edge)
        self.depth.append(depth)
        self.amount.append(amount)
        self.parents.append(parents)
        self.retained.append(0.0)
        return len(self.edge) - 1


class _Context:
    def __init__(self, alloc: Allocation, arrival: list[int], gap: int, max_hops: int) -> None:
        self.alloc = alloc
        self.arrival = arrival  # loop time at which each unit reached its receiver
        self.gap = gap
        self.max_hops = max_hops

    def live(self, unit: int, t: int) -> bool:
        """A unit may be passed on only after it arrived, within the gap, and below the hop limit."""
        return t - self.arrival[unit] <= self.gap and self.alloc.depth[unit] < self.max_hops

    def retain(self, unit: int, amount: float) -> None:
        self.alloc.retained[unit] += amount


class _Pool(Protocol):
    def deposit(self, money: float, taint: dict[int, float]) -> None: ...

    def draw(self, money: float, t: int) -> dict[int, float]:
        """Pay ``money`` out at loop time ``t``; returns the live taint it carries, per unit."""

    def close(self) -> None:
        """Whatever taint is still held stops here."""


class _FifoPool:
    """First in, first out: payments consume deposits in order of receipt, clean or tainted."""

    def __init__(self, ctx: _Context, opening: float) -> None:
        self.ctx = ctx
        self.lots: deque[list[object]] = deque()
        if opening > 0:
            self.lots.append([opening, {}])

    def deposit(self, money: float, taint: dict[int, float]) -> None:
        self.lots.append([money, taint])

    def draw(self, money: float, t: int) -> dict[int, float]:
        out: dict[int, float] = {}
        ctx = self.ctx
        while money > DUST and self.lots:
            lot = self.lots[0]
            have = float(lot[0])  # type: ignore[arg-type]
            comps: dict[int, float] = lot[1]  # type: ignore[assignment]
            take = min(money, have)
            frac = 1.0 if take >= have else take / have
            for unit, amount in list(comps.items()):
                part = amount * frac
                if ctx.live(unit, t):
                    out[unit] = out.get(unit, 0.0) + part
                else:
                    ctx.retain(unit, part)
                comps[unit] = amount - part
            money -= take
            if frac >= 1.0:
                self.lots.popleft()
            else:
                lot[0] = have - take
        return out

    def close(self) -> None:
        for lot in self.lots:
            for unit, amount in lot[1].items():  # type: ignore[attr-defined]
                self.ctx.retain(unit, amount)


class _ProportionalPool:
    """Haircut: each payment carries the tainted share of the balance at that moment."""

    def __init__(self, ctx: _Context, opening: float) -> None:
        self.ctx = ctx
        self.balance = opening
        self.comps: dict[int, float] = {}

    def deposit(self, money: float, taint: dict[int, float]) -> None:
        self.balance += money
        for unit, amount in taint.items():
            self.comps[unit] = self.comps.get(unit, 0.0) + amount

    def draw(self, money: float, t: int) -> dict[int, float]:
        out: dict[int, float] = {}
        if self.comps:
            frac = 1.0 if money >= self.balance else money / self.balance
            for unit, amount in list(self.comps.items()):
                if not self.ctx.live(unit, t):  # expired taint stays here for good
                    self.ctx.retain(unit, amount)
                    del self.comps[unit]
                    continue
                part = amount * frac
                out[unit] = part
                self.comps[unit] = amount - part
        self.balance -= money
        return out

    def close(self) -> None:
        for unit, amount in self.comps.items():
            self.ctx.retain(unit, amount)


class _PoisonPool:
    """Poison: while any live taint is held, every payment is tainted in full; taint is not used up."""

    def __init__(self, ctx: _Context, opening: float) -> None:
        self.ctx = ctx
        self.comps: dict[int, float] = {}

    def deposit(self, money: float, taint: dict[int, float]) -> None:
        for unit, amount in taint.items():
            self.comps[unit] = self.comps.get(unit, 0.0) + amount

    def draw(self, money: float, t: int) -> dict[int, float]:
        for unit in [u for u in self.comps if not self.ctx.live(u, t)]:
            self.ctx.retain(unit, self.comps.pop(unit))
        total = sum(self.comps.values())
        if total <= 0:
            return {}
        return {unit: money * amount / total for unit, amount in self.comps.items()}

    def close(self) -> None:
        for unit, amount in self.comps.items():
            self.ctx.retain(unit, amount)


_POOLS: dict[Method, Callable[[_Context, float], _Pool]] = {
    Method.FIFO: _FifoPool, Method.PROPORTIONAL: _ProportionalPool, Method.POISON: _PoisonPool}


@dataclass(frozen=True)
class LedgerInput:
    """The sub-graph, oriented so money flows src -> dst and sorted by loop time ``t``."""

    src: Sequence[str]
    dst: Sequence[str]
    t: Sequence[int]
    amount: Sequence[float]
    seeds: frozenset[str]
    targets: frozenset[str]
    # account -> (first, last) loop time at which its ledger is replayed, and its balance at ``first``
    ranges: dict[str, tuple[int, int]]
    start_balance: dict[str, float]


class _Books:
    """All ledgers of the sub-graph. An account that has never held taint is just a balance (its
    clean money would leave first under FIFO and dilutes the same under haircut), so the full
    ledger is only opened when the first taint lands; most accounts never need one."""

    def __init__(self, data: LedgerInput, pool_cls: Callable[[_Context, float], _Pool], ctx: _Context) -> None:
        self.data = data
        self.pool_cls = pool_cls
        self.ctx = ctx
        self.clean: dict[str, float] = {}
        self.pools: dict[str, _Pool] = {}

    def _in_span(self, account: str, now: int) -> bool:
        span = self.data.ranges.get(account)
        return span is not None and span[0] <= now <= span[1]

    def pay(self, account: str, money: float, now: int) -> dict[int, float]:
        if not self._in_span(account, now):
            return {}
        pool = self.pools.get(account)
        if pool is None:
            self.clean[account] = self.clean.get(account, self.data.start_balance.get(account, 0.0)) - money
            return {}
        return pool.draw(money, now)

    def receive(self, account: str, money: float, taint: dict[int, float], now: int) -> bool:
        """Book money in; False when the account's ledger is not replayed then (taint stops there)."""
        if account in self.data.seeds or account in self.data.targets or not self._in_span(account, now):
            return False
        pool = self.pools.get(account)
        if pool is None:
            held = self.clean.get(account, self.data.start_balance.get(account, 0.0))
            if not taint:
                self.clean[account] = held + money
                return True
            pool = self.pools[account] = self.pool_cls(self.ctx, max(held, 0.0))
        pool.deposit(money, taint)
        return True


def allocate(data: LedgerInput, method: Method, *, gap: int, max_hops: int, min_taint: float) -> Allocation:
    """Replay every ledger in time order and return the units of taint.

    At equal times all payments out are made before any money in arrives, so money never leaves
    an account at the moment it lands (each hop strictly follows the previous one).
    """
    alloc = Allocation()
    arrival: list[int] = []
    ctx = _Context(alloc, arrival, gap, max_hops)
    books = _Books(data, _POOLS[method], ctx)
    n = len(data.t)
    i = 0
    while i < n:
        now = data.t[i]
        j = i
        while j < n and data.t[j] == now:
            j += 1
        carried: list[list[int]] = []
        for e in range(i, j):  # payments out
            sender = data.src[e]
            if sender in data.seeds:
                units = [alloc.add(e, 1, float(data.amount[e]), [])]
            else:
                units = _split_by_depth(alloc, e, books.pay(sender, float(data.amount[e]), now))
            arrival.extend(now for _ in units)
            carried.append(units)
        for e, units in zip(range(i, j), carried, strict=True):  # money in
            live: dict[int, float] = {}
            for unit in units:
                if alloc.amount[unit] < min_taint or alloc.depth[unit] >= max_hops:
                    ctx.retain(unit, alloc.amount[unit])  # too small to follow, or out of hops
                else:
                    live[unit] = alloc.amount[unit]
            if not books.receive(data.dst[e], float(data.amount[e]), live, now):
                for unit, amount in live.items():
                    ctx.retain(unit, amount)
        i = j
    for pool in books.pools.values():
        pool.close()
    return alloc


def _split_by_depth(alloc: Allocation, edge: int, drawn: dict[int, float]) -> list[int]:
    """One new unit per depth: taint that travelled k hops to get here travels k + 1 from here."""
    if not drawn:
        return []
    by_depth: dict[int, list[tuple[int, float]]] = {}
    for parent, amount in drawn.items():
        if amount > DUST:
            by_depth.setdefault(alloc.depth[parent] + 1, []).append((parent, amount))
        elif amount > 0:
            alloc.retained[parent] += amount  # dust stays with the sender
    return [alloc.add(edge, depth, sum(a for _, a in parents), parents)
            for depth, parents in sorted(by_depth.items())]
