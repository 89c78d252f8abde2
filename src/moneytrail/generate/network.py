"""The planted state-sponsored financing network: attacks, per-casualty payments and their funding.

Money flows sponsor -> front company -> broker AE -> broker TR -> broker TJ -> cell commanders. Each
quarter's payments to cells are funded by one tranche sent down the chain 40 to 15 days before the
quarter starts, every broker keeping a 3% commission and the front 2%, so money always reaches a hop
before it leaves it. Some broker legs are hawala and some cell payments cash: those exist only in
documents (reported_transfers.csv).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from moneytrail.generate.accounts import Accounts, Bank, HexIds, Kind
from moneytrail.generate.cast import (
    BROKER_OWNERS,
    BROKERS,
    COMMANDERS,
    CONFUSABLES,
    FRONT,
    NOMINEE,
    OFFICER,
    SPONSOR,
    Party,
)
from moneytrail.generate.ledger import Ledger
from moneytrail.generate.money import RateTable
from moneytrail.model.ids import stable_id

DAY = 86_400
ROUTE = ("ru", "ae", "tr", "tj", "af")
COURT_DOC = "doc-court-hawala"
CASH_DOC = "doc-observatory-cash"
PROVINCES = (("Kandahar", 31.61, 65.71), ("Helmand", 31.58, 64.36), ("Zabul", 32.10, 66.90),
             ("Uruzgan", 32.93, 66.63), ("Ghazni", 33.55, 68.42), ("Paktika", 32.26, 68.52))


def entity_id(source: str, key: str) -> str:
    return f"{source}-{stable_id(source, key, length=16)}"


@dataclass
class Attack:
    event_id: str
    date: datetime
    casualties: int
    cell: int  # index into COMMANDERS; -1 for the control group
    province: str
    lat: float
    lon: float
    paid: bool = False
    payment_rows: list[int] = field(default_factory=list)


@dataclass
class Network:
    account_of: dict[str, int]
    attacks: list[Attack]
    control_attacks: list[Attack]
    unattached_rows: list[int]
    tranche_rows: list[dict[str, list[int]]]
    sponsor_usd: float
    cells_usd: float
    price_per_casualty: float
    cover_rows: list[int]


def add_party_accounts(accounts: Accounts, hexids: HexIds, banks: dict[str, list[Bank]]) -> dict[str, int]:
    """One account per party that banks: the network, the broker owners and the namesakes."""
    parties: list[tuple[Party, str | None]] = [(SPONSOR, None), (OFFICER, None), (FRONT, "USD")]
    parties += [(NOMINEE, None)] + [(b, "USD") for b in BROKERS] + [(o, None) for o in BROKER_OWNERS]
    parties += [(c, None) for c in COMMANDERS]
    parties += [(namesake, None) for _, namesake in CONFUSABLES]
    out: dict[str, int] = {}
    for i, (party, currency) in enumerate(parties):
        bank = banks[party.country][i % len(banks[party.country])]
        out[party.key] = accounts.add(bank, hexids.take(1)[0], entity_id("kyc", party.key), party.names["kyc"],
                                      Kind.NAMED, currency=currency, with_iban=True)
    return out


def _attacks(rng: np.random.Generator, n: int, t0: datetime, t1: datetime, cells: bool, prefix: int) -> list[Attack]:
    days = np.sort(rng.choice((t1 - t0).days, size=n, replace=False))
    out = []
    for i, d in enumerate(days.tolist()):
        casualties = int(min(1 + rng.poisson(rng.gamma(2.0, 4.0)), 60))
        cell = i % len(COMMANDERS) if cells else -1
        province = PROVINCES[cell] if cells else PROVINCES[4 + i % 2]
        out.append(Attack(f"AFG{prefix + i:05d}", t0 + timedelta(days=d, hours=int(rng.integers(4, 20))),
                          casualties, cell, province[0], province[1], province[2]))
    return out


def plant_network(rng: np.random.Generator, ledger: Ledger, accounts: Accounts, rates: RateTable,
                  account_of: dict[str, int], n_attacks: int, n_control: int, price: float) -> Network:
    t0 = rates.months[0] + timedelta(days=100)
    t1 = rates.months[-1] - timedelta(days=30)
    attacks = _attacks(rng, n_attacks, t0, t1, cells=True, prefix=10_001)
    control = _attacks(rng, n_control, t0, t1, cells=False, prefix=20_001)
    usd_i = rates.index("USD")
    tj = account_of["broker_tj"]
    # Cell payments: most attacks are paid a few days later, a fixed price per casualty +-5%.
    unpaid = set(rng.choice(len(attacks), size=max(2, len(attacks) // 5), replace=False).tolist())
    payments: list[tuple[int, int, float, Attack | None]] = []
    for i, paid_attack in enumerate(attacks):
        if i in unpaid:
            continue
        ts = int((paid_attack.date + timedelta(days=float(rng.uniform(2, 9)))).timestamp())
        payments.append((ts, account_of[COMMANDERS[paid_attack.cell].key],
                         round(paid_attack.casualties * price * float(rng.uniform(0.95, 1.05)), 2), paid_attack))
    for _ in range(3):  # payments tied to no attack
        day = int(rng.integers(0, (t1 - t0).days))
        cell = COMMANDERS[int(rng.integers(0, len(COMMANDERS)))]
        payments.append((int((t0 + timedelta(days=day)).timestamp()), account_of[cell.key],
                         round(price * float(rng.integers(3, 9)), 2), None))
    payments.sort(key=lambda p: p[0])
    unattached: list[int] = []
    quarter_need: dict[int, float] = {}
    for k, (ts, cell_account, usd, attack) in enumerate(payments):
        cash = k % 4 == 3
        row = ledger.add(ts, tj, cell_account, usd, usd_i, "cash" if cash else "wire", CASH_DOC if cash else "")
        if attack is None:
            unattached.append(row)
        else:
            attack.paid = True
            attack.payment_rows.append(row)
        q = _quarter(datetime.fromtimestamp(ts, UTC))
        quarter_need[q] = quarter_need.get(q, 0.0) + usd
    tranches, sponsor_usd = _fund(rng, ledger, rates, account_of, quarter_need)
    cover = _cover(rng, ledger, accounts, rates, account_of, t0, t1)
    return Network(account_of, attacks, control, unattached, tranches, sponsor_usd,
                   sum(p[2] for p in payments), price, cover)


def _quarter(d: datetime) -> int:
    return d.year * 4 + (d.month - 1) // 3


def _quarter_start(q: int) -> datetime:
    return datetime(q // 4, (q % 4) * 3 + 1, 1, tzinfo=UTC)


def _fund(rng: np.random.Generator, ledger: Ledger, rates: RateTable, account_of: dict[str, int],
          quarter_need: dict[int, float]) -> tuple[list[dict[str, list[int]]], float]:
    """One tranche per quarter, sized backwards from what the cells are paid that quarter."""
    usd_i, rub_i = rates.index("USD"), rates.index("RUB")
    edges = [int(m.timestamp()) for m in rates.months]
    hops = [("sponsor", "front", 40, 0.98), ("front", "broker_ae", 32, 0.97),
            ("broker_ae", "broker_tr", 24, 0.97), ("broker_tr", "broker_tj", 15, 0.97)]
    tranches: list[dict[str, list[int]]] = []
    sponsor_usd = 0.0
    for n, q in enumerate(sorted(quarter_need)):
        amounts = [quarter_need[q]]
        for *_, keep in reversed(hops):
            amounts.insert(0, amounts[0] / keep)
        rows: dict[str, list[int]] = {}
        for h, (src, dst, days_before, _) in enumerate(hops):
            ts = int((_quarter_start(q) - timedelta(days=days_before)).timestamp()) + int(rng.integers(0, 6 * 3600))
            usd = round(amounts[h], 2)
            a, b = account_of[src], account_of[dst]
            if src == "sponsor":
                month = int(np.searchsorted(edges, ts, side="right") - 1)
                local = round(usd / float(rates.usd[rub_i, month]), 2)
                rows[f"{src}>{dst}"] = [ledger.add(ts, a, b, local, rub_i, "wire")]
                sponsor_usd += usd
            elif src == "broker_ae" and n % 2 == 1:  # part wire, part hawala known only from the court file
                wire = round(usd * 0.6, 2)
                rows[f"{src}>{dst}"] = [ledger.add(ts, a, b, wire, usd_i, "wire"),
                                        ledger.add(ts + 3600, a, b, round(usd - wire, 2), usd_i, "hawala", COURT_DOC)]
            elif src == "broker_tr" and n % 3 == 0:
                rows[f"{src}>{dst}"] = [ledger.add(ts, a, b, usd, usd_i, "hawala", COURT_DOC)]
            else:
                rows[f"{src}>{dst}"] = [ledger.add(ts, a, b, usd, usd_i, "wire")]
        tranches.append(rows)
    return tranches, sponsor_usd


def _cover(rng: np.random.Generator, ledger: Ledger, accounts: Accounts, rates: RateTable,
           account_of: dict[str, int], t0: datetime, t1: datetime) -> list[int]:
    """Ordinary business of the front and the brokers: customers pay in, the firm pays a supplier within days."""
    pool = np.flatnonzero(accounts.kinds() == Kind.COMPANY)
    cur = accounts.currency_index()
    rows: list[int] = []
    span = int((t1 - t0).total_seconds())
    for key in ("front", "broker_ae", "broker_tr", "broker_tj"):
        firm = account_of[key]
        for _ in range(20):
            ts = int(t0.timestamp()) + int(rng.integers(0, span))
            customer, supplier = (int(x) for x in rng.choice(pool, size=2, replace=False))
            usd = float(rng.lognormal(8.5, 0.7))
            month = int(np.searchsorted([int(m.timestamp()) for m in rates.months], ts, side="right") - 1)
            rows.append(ledger.add(ts, customer, firm, round(usd / float(rates.usd[cur[customer], month]), 2),
                                   int(cur[customer]), "wire"))
            rows.append(ledger.add(ts + int(rng.integers(1, 5)) * DAY, firm, supplier,
                                   round(usd * 0.8 / float(rates.usd[cur[firm], month]), 2), int(cur[firm]), "wire"))
    return rows
