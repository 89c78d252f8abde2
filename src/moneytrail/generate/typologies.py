"""Planted laundering typologies: AMLworld's eight shapes plus structuring, pass-through, round-tripping.

Shapes, degrees, timing and amounts follow the attempts in AMLworld's HI-Medium_Patterns.txt: fan
degrees of 4-16, attempts lasting a few days to about two weeks, amounts of a few hundred to tens of
thousands of dollars, hops that shave a little off the amount. Accounts are ordinary background
accounts, so they also carry everyday activity. A loop per attempt is fine: attempts are few.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from moneytrail.generate.ledger import Ledger
from moneytrail.generate.money import RateTable

HOUR = 3600
DAY = 86_400


@dataclass
class Attempt:
    attempt_id: str
    typology: str
    detail: str
    rows: list[int] = field(default_factory=list)
    accounts: list[int] = field(default_factory=list)


@dataclass
class Planter:
    rng: np.random.Generator
    ledger: Ledger
    rates: RateTable
    pool: np.ndarray  # accounts that may take part (individuals and companies)
    currency: np.ndarray  # currency index per account
    desk_of: np.ndarray  # cash desk of each account's bank
    t_min: int
    t_max: int
    threshold: float

    def accounts(self, k: int) -> list[int]:
        return [int(a) for a in self.rng.choice(self.pool, size=k, replace=False)]

    def start(self, span_days: float) -> int:
        return int(self.rng.integers(self.t_min, self.t_max - int(span_days * DAY)))

    def pay(self, attempt: Attempt, ts: int, src: int, dst: int, usd: float, channel: str = "ach") -> None:
        month = int(np.searchsorted([int(m.timestamp()) for m in self.rates.months], ts, side="right") - 1)
        cur = int(self.currency[src])
        local = max(round(usd / float(self.rates.usd[cur, month]), 2), 0.01)
        attempt.rows.append(self.ledger.add(ts, src, dst, local, cur, channel))
        for a in (src, dst):
            if a not in attempt.accounts:
                attempt.accounts.append(a)

    def usd(self) -> float:
        """About 10,000 dollars at the median, as in AMLworld's attempts."""
        return float(np.clip(self.rng.lognormal(9.2, 0.8), 300, 80_000))

    def spread(self, t0: int, n: int, days: float) -> list[int]:
        """``n`` sorted times within ``days`` after ``t0``."""
        return sorted(t0 + int(x) for x in self.rng.uniform(0, days * DAY, size=n))

    def later(self, ts: int, lo_hours: float, hi_hours: float) -> int:
        return ts + int(self.rng.uniform(lo_hours, hi_hours) * HOUR)

    # -- the shapes ------------------------------------------------------------------------------
    def fan(self, a: Attempt, out: bool) -> None:
        k = int(self.rng.integers(4, 17))
        hub, *others = self.accounts(k + 1)
        a.detail = f"Max {k}-degree {'Fan-Out' if out else 'Fan-In'}"
        # AMLworld fans finish within about six days
        times = self.spread(self.start(7), k, float(self.rng.uniform(1, 6)))
        for t, other in zip(times, others, strict=True):
            self.pay(a, t, hub, other, self.usd()) if out else self.pay(a, t, other, hub, self.usd())

    def gather_scatter(self, a: Attempt) -> None:
        k_in, k_out = (int(x) for x in self.rng.integers(4, 13, size=2))
        hub, *others = self.accounts(k_in + k_out + 1)
        a.detail = f"Max {k_in}-degree Fan-In, {k_out}-degree Fan-Out"
        t0 = self.start(13)
        total = 0.0
        ins = self.spread(t0, k_in, float(self.rng.uniform(2, 6)))
        for t, sender in zip(ins, others[:k_in], strict=True):
            usd = self.usd()
            total += usd
            self.pay(a, t, sender, hub, usd)
        # scatter only after the last deposit arrived
        outs = self.spread(ins[-1] + HOUR, k_out, float(self.rng.uniform(1, 5)))
        for t, receiver in zip(outs, others[k_in:], strict=True):
            self.pay(a, t, hub, receiver, total * 0.97 / k_out * self.rng.uniform(0.8, 1.2))

    def scatter_gather(self, a: Attempt) -> None:
        k = int(self.rng.integers(3, 11))
        source, sink, *middle = self.accounts(k + 2)
        a.detail = f"{k} intermediaries"
        t0 = self.start(7)
        for m in middle:
            t_in = self.later(t0, 1, 72)
            usd = self.usd()
            self.pay(a, t_in, source, m, usd)
            self.pay(a, self.later(t_in, 2, 60), m, sink, usd * self.rng.uniform(0.95, 0.99))

    def chain(self, a: Attempt, hops: int, closed: bool, channel: str = "ach") -> None:
        """A time-ordered chain of ``hops`` payments; ``closed`` returns to the first account."""
        nodes = self.accounts(hops if closed else hops + 1)
        if closed:
            nodes.append(nodes[0])
        t = self.start(7)
        usd = self.usd()
        for src, dst in itertools.pairwise(nodes):
            t = self.later(t, 0.5, 12)  # a dozen hops still fit in AMLworld's ~6 days
            usd *= self.rng.uniform(0.96, 1.0)
            self.pay(a, t, src, dst, usd, channel)

    def bipartite(self, a: Attempt) -> None:
        m, n = (int(x) for x in self.rng.integers(2, 6, size=2))
        people = self.accounts(m + n)
        senders, receivers = people[:m], people[m:]
        a.detail = f"{m} senders, {n} receivers"
        t0 = self.start(4)
        for s in senders:
            for r in receivers:
                if self.rng.random() < 0.7 or r == receivers[0]:
                    self.pay(a, self.later(t0, 0, 72), s, r, self.usd())

    def stack(self, a: Attempt) -> None:
        """Payers -> relay accounts -> payees; each relay passes on about what it got (AMLworld: -3% to +6%)."""
        n_pay, n_relay, n_recv = (int(x) for x in (self.rng.integers(2, 5), self.rng.integers(3, 9),
                                                   self.rng.integers(2, 5)))
        people = self.accounts(n_pay + n_relay + n_recv)
        payers, relays, payees = people[:n_pay], people[n_pay:n_pay + n_relay], people[n_pay + n_relay:]
        a.detail = f"{n_pay} payers, {n_relay} relays, {n_recv} payees"
        t0 = self.start(6)
        for i, relay in enumerate(relays):
            t = self.later(t0, 0, 72)
            usd = self.usd()
            self.pay(a, t, payers[i % n_pay], relay, usd)
            self.pay(a, self.later(t, 1, 48), relay, payees[int(self.rng.integers(0, n_recv))],
                     usd * self.rng.uniform(0.97, 1.06))

    def structuring(self, a: Attempt) -> None:
        k = int(self.rng.integers(4, 11))
        # A dollar account, so the threshold (like the US $10,000 cash report) holds in both the account's
        # currency and the reporting currency.
        usd_i = self.rates.index("USD")
        dollar = self.pool[self.currency[self.pool] == usd_i]
        account = int(self.rng.choice(dollar if len(dollar) else self.pool))
        desk = int(self.desk_of[account])
        a.detail = f"{k} cash deposits under {self.threshold:,.0f}"
        t = self.start(12)
        cur = int(self.currency[account])
        for _ in range(k):  # just under the threshold in the account's own currency
            t = self.later(t, 3, 30)
            amount = round(self.threshold * float(self.rng.uniform(0.90, 0.999)), 2)
            a.rows.append(self.ledger.add(t, desk, account, amount, cur, "cash"))
        a.accounts.extend([account, desk])

    def pass_through(self, a: Attempt) -> None:
        k = int(self.rng.integers(2, 5))
        mule, *others = self.accounts(2 * k + 1)
        a.detail = f"{k} in-out pairs within hours"
        t = self.start(10)
        for i in range(k):
            t = self.later(t, 12, 60)
            usd = self.usd() * 2
            self.pay(a, t, others[2 * i], mule, usd, "wire")
            self.pay(a, self.later(t, 0.3, 5), mule, others[2 * i + 1], usd * self.rng.uniform(0.97, 0.999), "wire")

    def round_trip(self, a: Attempt) -> None:
        hops = int(self.rng.integers(3, 6))  # >= 2 intermediaries
        a.detail = f"returns to origin via {hops - 1} intermediaries"
        nodes = self.accounts(hops)
        nodes.append(nodes[0])
        t = self.start(14)
        usd = self.usd() * 5
        for src, dst in itertools.pairwise(nodes):
            t = self.later(t, 6, 60)  # the whole trip takes a day to two weeks
            usd *= self.rng.uniform(0.97, 0.995)
            self.pay(a, t, src, dst, usd, "wire")


def plant_typologies(planter: Planter, counts: dict[str, int]) -> list[Attempt]:
    attempts: list[Attempt] = []
    for typology, n in counts.items():
        for i in range(n):
            a = Attempt(f"{typology}-{i + 1:03d}", typology, "")
            if typology in ("fan-out", "fan-in"):
                planter.fan(a, out=typology == "fan-out")
            elif typology == "gather-scatter":
                planter.gather_scatter(a)
            elif typology == "scatter-gather":
                planter.scatter_gather(a)
            elif typology == "cycle":
                hops = int(planter.rng.integers(2, 13))
                a.detail = f"Max {hops} hops"
                planter.chain(a, hops, closed=True)
            elif typology == "random":
                hops = int(planter.rng.integers(3, 11))
                a.detail = f"Max {hops} hops"
                planter.chain(a, hops, closed=False)
            elif typology == "bipartite":
                planter.bipartite(a)
            elif typology == "stack":
                planter.stack(a)
            elif typology == "structuring":
                planter.structuring(a)
            elif typology == "pass-through":
                planter.pass_through(a)
            elif typology == "round-tripping":
                planter.round_trip(a)
            else:
                raise ValueError(f"unknown typology {typology!r}")
            attempts.append(a)
    return attempts
