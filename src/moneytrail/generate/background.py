"""The ordinary economy that hides the planted money: salaries, rent, loans, card spending, suppliers.

Everything is drawn with numpy, a month at a time, so memory is bounded by one month's rows.
Heavy tails come from Pareto weights: a few merchants take most card payments (fan-in), a few
employers pay most salaries (fan-out), a few companies dominate supplier payments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from moneytrail.generate.accounts import Kind
from moneytrail.generate.ledger import CHANNEL, Txns
from moneytrail.generate.money import RateTable

DAY = 86_400
# Shares of the non-periodic rows: card, supplier, person-to-person, cash, reinvestment.
RANDOM_SHARES = np.array([0.55, 0.20, 0.15, 0.08, 0.02])


def _pareto_weights(rng: np.random.Generator, n: int, alpha: float) -> np.ndarray:
    w = rng.pareto(alpha, size=n) + 1.0
    return np.asarray(w / w.sum())


@dataclass
class Economy:
    """Who pays whom regularly, and how likely each account is to be picked for random payments."""

    individuals: np.ndarray
    payers: np.ndarray  # companies and merchants: pay suppliers
    companies: np.ndarray
    merchants: np.ndarray
    desks_by_account: np.ndarray  # the cash desk of each account's bank
    currency: np.ndarray  # per account
    person_w: np.ndarray
    payer_w: np.ndarray
    supplier_w: np.ndarray
    merchant_w: np.ndarray
    employee: np.ndarray
    employer: np.ndarray
    salary_usd: np.ndarray
    renter: np.ndarray
    landlord: np.ndarray
    rent_usd: np.ndarray
    borrower: np.ndarray
    lender: np.ndarray
    repayment_usd: np.ndarray
    random_per_month: np.ndarray
    # Share of the background on each day of a window shorter than a month (an AMLworld mix), or None for
    # even days and the usual monthly schedule.
    day_weights: np.ndarray | None = None


def build_economy(rng: np.random.Generator, kinds: np.ndarray, bank_of: np.ndarray, desk_of_bank: np.ndarray,
                  currency: np.ndarray, rows: int, months: int, day_weights: np.ndarray | None = None) -> Economy:
    """Fix the recurring relationships and split ``rows`` background rows over ``months``.

    ``day_weights`` (one month only) gives each day's share of the background: every row, scheduled or not,
    falls on a day drawn from it (an employer pays all its staff on one day; each renter and borrower pays
    on their own day)."""
    if day_weights is not None and months != 1:
        raise ValueError("day_weights describe the days of a one-month window")
    ind = np.flatnonzero(kinds == Kind.INDIVIDUAL)
    comp = np.flatnonzero(kinds == Kind.COMPANY)
    merch = np.flatnonzero(kinds == Kind.MERCHANT)
    lend = np.flatnonzero(kinds == Kind.LENDER)
    payers = np.sort(np.concatenate([comp, merch]))
    per_month = rows / months
    n_emp = int(min(len(ind), 0.20 * per_month))
    n_rent = int(min(len(ind), 0.08 * per_month))
    n_loan = int(min(len(comp), 0.02 * per_month))
    employee = rng.choice(ind, size=n_emp, replace=False)
    employer = rng.choice(comp, size=n_emp, p=_pareto_weights(rng, len(comp), 1.1))
    renter = rng.choice(ind, size=n_rent, replace=False)
    landlords = np.concatenate([comp, rng.choice(ind, size=max(1, len(ind) // 20), replace=False)])
    landlord = rng.choice(landlords, size=n_rent, p=_pareto_weights(rng, len(landlords), 1.3))
    borrower = rng.choice(comp, size=n_loan, replace=False)
    lender = rng.choice(lend, size=n_loan)
    periodic = n_emp + n_rent + n_loan
    random_total = rows - periodic * months - n_loan  # each loan is paid out once, in the first month
    if random_total < 0:
        raise ValueError(f"{rows} background rows cannot hold {periodic} periodic payments a month")
    random_per_month = np.full(months, random_total // months, dtype=np.int64)
    random_per_month[: random_total % months] += 1
    return Economy(
        individuals=ind, payers=payers, companies=comp, merchants=merch,
        desks_by_account=desk_of_bank[bank_of], currency=currency,
        person_w=_pareto_weights(rng, len(ind), 1.6), payer_w=_pareto_weights(rng, len(payers), 1.2),
        supplier_w=_pareto_weights(rng, len(payers), 1.1), merchant_w=_pareto_weights(rng, len(merch), 1.05),
        employee=employee, employer=employer, salary_usd=rng.lognormal(8.0, 0.45, size=n_emp),
        renter=renter, landlord=landlord, rent_usd=rng.lognormal(6.9, 0.35, size=n_rent),
        borrower=borrower, lender=lender, repayment_usd=rng.lognormal(8.3, 0.9, size=n_loan),
        random_per_month=random_per_month, day_weights=day_weights,
    )


def _weighted_days(rng: np.random.Generator, n: int, weights: np.ndarray) -> np.ndarray:
    return np.asarray(rng.choice(len(weights), size=n, p=weights / weights.sum()), dtype=np.int64)


def _block(eco: Economy, rates: RateTable, month: int, ts: np.ndarray, src: np.ndarray, dst: np.ndarray,
           usd: np.ndarray, channel: np.ndarray) -> Txns:
    cur = eco.currency[src]
    amount = np.maximum(rates.to_local(usd, cur, np.full(len(src), month)), 0.01)
    return Txns(ts.astype(np.int64), src.astype(np.int64), dst.astype(np.int64), amount, cur.astype(np.int16),
                channel.astype(np.int8), np.full(len(src), -1, dtype=np.int64))


def periodic_block(eco: Economy, rates: RateTable, rng: np.random.Generator, month: int) -> Txns:
    """The month's scheduled payments (payroll, rent, loans), unsorted."""
    t0 = int(rates.months[month].timestamp())
    span = int(rates.months[month + 1].timestamp()) - t0
    day = _weighted_schedule(eco, rng) if eco.day_weights is not None else _monthly_schedule(rng, span // DAY - 1)
    parts: list[Txns] = []
    # Payroll in the early-morning batch; fixed salary with a small monthly wobble.
    n = len(eco.employee)
    ts = t0 + day("payroll", n) * DAY + rng.integers(3600, 5 * 3600, size=n)
    parts.append(_block(eco, rates, month, ts, eco.employer, eco.employee,
                        eco.salary_usd * rng.uniform(0.99, 1.01, size=n), np.full(n, CHANNEL["ach"])))
    n = len(eco.renter)
    ts = t0 + day("rent", n) * DAY + rng.integers(6 * 3600, 22 * 3600, size=n)
    parts.append(_block(eco, rates, month, ts, eco.renter, eco.landlord, eco.rent_usd,
                        np.full(n, CHANNEL["wire"])))
    n = len(eco.borrower)
    ts = t0 + day("repayment", n) * DAY + rng.integers(0, 6 * 3600, size=n)
    parts.append(_block(eco, rates, month, ts, eco.borrower, eco.lender, eco.repayment_usd,
                        np.full(n, CHANNEL["ach"])))
    if month == 0:  # loans are paid out at the start, then repaid monthly
        ts = t0 + day("payout", n) * DAY + rng.integers(9 * 3600, 17 * 3600, size=n)
        parts.append(_block(eco, rates, month, ts, eco.lender, eco.borrower, eco.repayment_usd * 30,
                            np.full(n, CHANNEL["wire"])))
    return Txns.concat(parts)


ScheduleDay = Callable[[str, int], np.ndarray | int]


def _monthly_schedule(rng: np.random.Generator, last_day: int) -> ScheduleDay:
    """Day of the month (from 0) of each scheduled payment: payroll on the 25th, rent in the first three
    days, repayments on the 15th, pay-outs in the first ten; windows shorter than a month (AMLworld mixes)
    keep every row inside."""
    def day(kind: str, n: int) -> np.ndarray | int:
        if kind == "payroll":
            return min(24, last_day)
        if kind == "repayment":
            return min(14, last_day)
        return rng.integers(0, min(3 if kind == "rent" else 10, last_day + 1), size=n)
    return day


def _weighted_schedule(eco: Economy, rng: np.random.Generator) -> ScheduleDay:
    """Day of a short window of each scheduled payment, drawn from the window's day weights: an employer pays
    all its staff on one day; each renter and borrower pays on their own day."""
    assert eco.day_weights is not None
    weights = eco.day_weights
    employers, which = np.unique(eco.employer, return_inverse=True)

    def day(kind: str, n: int) -> np.ndarray | int:
        if kind == "payroll":
            return _weighted_days(rng, len(employers), weights)[which]
        return _weighted_days(rng, n, weights)
    return day


def random_block(eco: Economy, rates: RateTable, rng: np.random.Generator, month: int, lo: int, hi: int,
                 rows: int, day_weights: np.ndarray | None = None) -> Txns:
    """``rows`` unscheduled payments (cards, suppliers, transfers, cash) between whole days ``lo`` and ``hi``,
    on days drawn from ``day_weights`` (one per day from ``lo``) when given, else evenly."""
    span = hi - lo
    parts: list[Txns] = []
    counts = rng.multinomial(rows, RANDOM_SHARES)
    # Card spending: heavy-tailed merchants receive from many distinct people.
    n = int(counts[0])
    parts.append(_block(eco, rates, month, lo + _daytime(rng, n, span, day_weights),
                        rng.choice(eco.individuals, size=n, p=eco.person_w),
                        rng.choice(eco.merchants, size=n, p=eco.merchant_w),
                        rng.lognormal(3.4, 1.0, size=n), np.full(n, CHANNEL["card"])))
    n = int(counts[1])
    src = rng.choice(eco.payers, size=n, p=eco.payer_w)
    dst = rng.choice(eco.payers, size=n, p=eco.supplier_w)
    dst = np.where(dst == src, eco.payers[(np.searchsorted(eco.payers, src) + 1) % len(eco.payers)], dst)
    parts.append(_block(eco, rates, month, lo + _daytime(rng, n, span, day_weights), src, dst,
                        rng.lognormal(7.8, 1.6, size=n), rng.choice([CHANNEL["wire"], CHANNEL["cheque"]], size=n)))
    n = int(counts[2])
    src = rng.choice(eco.individuals, size=n, p=eco.person_w)
    dst = rng.choice(eco.individuals, size=n)
    dst = np.where(dst == src, eco.individuals[(np.searchsorted(eco.individuals, src) + 1) % len(eco.individuals)],
                   dst)
    parts.append(_block(eco, rates, month, lo + _daytime(rng, n, span, day_weights), src, dst,
                        rng.lognormal(4.8, 1.3, size=n), np.full(n, CHANNEL["wire"])))
    # Cash at the counter: withdrawals (person -> desk) and deposits (desk -> person), some near 10,000.
    n = int(counts[3])
    who = rng.choice(eco.individuals, size=n, p=eco.person_w)
    desk = eco.desks_by_account[who]
    deposit = rng.random(n) < 0.4
    usd = np.where(rng.random(n) < 0.03, rng.uniform(5_000, 9_999, size=n), rng.lognormal(5.3, 0.8, size=n))
    parts.append(_block(eco, rates, month, lo + _daytime(rng, n, span, day_weights), np.where(deposit, desk, who),
                        np.where(deposit, who, desk), usd, np.full(n, CHANNEL["cash"])))
    # Reinvestment: companies moving money to themselves, as AMLworld's background does.
    n = int(counts[4])
    src = rng.choice(eco.payers, size=n, p=eco.payer_w)
    parts.append(_block(eco, rates, month, lo + _daytime(rng, n, span, day_weights), src, src,
                        rng.lognormal(7.0, 1.2, size=n), np.full(n, CHANNEL["reinvestment"])))
    return Txns.concat(parts)


def _daytime(rng: np.random.Generator, n: int, span: int, day_weights: np.ndarray | None = None) -> np.ndarray:
    """Seconds into a window of whole days, mostly in business hours."""
    day = rng.integers(0, span // DAY, size=n) if day_weights is None else _weighted_days(rng, n, day_weights)
    hour = np.clip(rng.normal(13.0, 3.5, size=n), 0, 23.99)
    return np.asarray(day * DAY + (hour * 3600).astype(np.int64))


def blocks(eco: Economy, rates: RateTable, rng: np.random.Generator, planted: Txns,
           chunk_rows: int = 500_000) -> Iterator[Txns]:
    """Background plus planted rows in time order, a month at a time, and a month in runs of whole days
    when it holds more than ``chunk_rows`` rows, so memory stays bounded at any size."""
    for month in range(len(rates.months) - 1):
        t0, t1 = int(rates.months[month].timestamp()), int(rates.months[month + 1].timestamp())
        days = max(1, (t1 - t0) // DAY)
        parts = int(max(1, min(days, -(-int(eco.random_per_month[month]) // chunk_rows))))
        edges = t0 + (np.arange(parts + 1) * days // parts) * DAY
        edges[-1] = t1
        counts = np.full(parts, int(eco.random_per_month[month]) // parts, dtype=np.int64)
        counts[: int(eco.random_per_month[month]) % parts] += 1
        weights = eco.day_weights
        if weights is not None:  # each run of days gets its share of the rows
            bounds = (edges - t0) // DAY
            mass = np.diff(np.concatenate([[0.0], np.cumsum(weights)])[bounds])
            counts = np.floor(mass / mass.sum() * int(eco.random_per_month[month])).astype(np.int64)
            counts[: int(eco.random_per_month[month]) - int(counts.sum())] += 1
        scheduled = periodic_block(eco, rates, rng, month)
        for k in range(parts):
            lo, hi = int(edges[k]), int(edges[k + 1])
            mine = [scheduled.take(np.flatnonzero((scheduled.ts >= lo) & (scheduled.ts < hi))),
                    random_block(eco, rates, rng, month, lo, hi, int(counts[k]),
                                 None if weights is None else weights[(lo - t0) // DAY:(hi - t0) // DAY]),
                    planted.take(np.flatnonzero((planted.ts >= lo) & (planted.ts < hi)))]
            block = Txns.concat(mine)
            yield block.take(np.argsort(block.ts, kind="stable"))
