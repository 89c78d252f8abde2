"""The planted state-sponsored financing network: attacks, per-casualty payments and their funding.

Money flows sponsor -> front company -> broker AE -> broker TR -> broker TJ -> cell commanders. Each
payment to a cell is funded down the chain within days of the attack it pays for, every broker keeping
a 3% commission and the front 2%, so money always reaches a hop before it leaves it. Some broker legs
are hawala and some cell payments cash: those exist only in documents (reported_transfers.csv).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from moneytrail.generate.accounts import Accounts, Bank, HexIds, Kind
from moneytrail.generate.cast import (
    BROKER_OWNERS,
    BROKERS,
    COMMANDERS,
    CONFUSABLES,
    CONTROL_COMMANDERS,
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
    control_income_rows: list[int] = field(default_factory=list)


def add_party_accounts(accounts: Accounts, hexids: HexIds, banks: dict[str, list[Bank]]) -> dict[str, int]:
    """One account per party that banks: the network, the broker owners, the namesakes and the control
    group's commanders (added last, so the other parties' account ids do not depend on them)."""
    parties: list[tuple[Party, str | None]] = [(SPONSOR, None), (OFFICER, None), (FRONT, "USD")]
    parties += [(NOMINEE, None)] + [(b, "USD") for b in BROKERS] + [(o, None) for o in BROKER_OWNERS]
    parties += [(c, None) for c in COMMANDERS]
    parties += [(namesake, None) for _, namesake in CONFUSABLES]
    out: dict[str, int] = {}
    for i, (party, currency) in enumerate(parties):
        bank = banks[party.country][i % len(banks[party.country])]
        out[party.key] = accounts.add(bank, hexids.take(1)[0], entity_id("kyc", party.key), party.names["kyc"],
                                      Kind.NAMED, currency=currency, with_iban=True)
    for i, party in enumerate((FRONT, *BROKERS)):  # day-to-day business runs on a second account
        bank = banks[party.country][(i + 1) % len(banks[party.country])]
        out[f"{party.key}_ops"] = accounts.add(bank, hexids.take(1)[0], entity_id("kyc", party.key),
                                               party.names["kyc"], Kind.NAMED, with_iban=True)
    for i, party in enumerate(CONTROL_COMMANDERS):
        bank = banks[party.country][(i + 1) % len(banks[party.country])]
        out[party.key] = accounts.add(bank, hexids.take(1)[0], entity_id("kyc", party.key), party.names["kyc"],
                                      Kind.NAMED, with_iban=True)
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
    # Most attacks are paid, a fixed price per casualty +-5%; a few payments answer no attack.
    unpaid = set(rng.choice(len(attacks), size=max(2, len(attacks) // 5), replace=False).tolist())
    orders: list[tuple[datetime, int, float, Attack | None]] = []
    for i, attack in enumerate(attacks):
        if i not in unpaid:
            orders.append((attack.date, account_of[COMMANDERS[attack.cell].key],
                           round(attack.casualties * price * float(rng.uniform(0.95, 1.05)), 2), attack))
    for _ in range(3):
        cell = COMMANDERS[int(rng.integers(0, len(COMMANDERS)))]
        orders.append((t0 + timedelta(days=int(rng.integers(0, (t1 - t0).days))), account_of[cell.key],
                       round(price * float(rng.integers(3, 9)), 2), None))
    orders.sort(key=lambda o: o[0])
    unattached: list[int] = []
    chains: list[dict[str, list[int]]] = []
    sponsor_usd = 0.0
    for k, (when, cell_account, usd, paid_attack) in enumerate(orders):
        rows, sent, paid_row = _chain(rng, ledger, rates, account_of, k, when, cell_account, usd)
        chains.append(rows)
        sponsor_usd += sent
        if paid_attack is None:
            unattached.append(paid_row)
        else:
            paid_attack.paid = True
            paid_attack.payment_rows.append(paid_row)
    cover = _cover(rng, ledger, accounts, rates, account_of, t0, t1)
    income = _control_income(rng, ledger, accounts, rates, account_of, t0, t1)
    return Network(account_of, attacks, control, unattached, chains, sponsor_usd,
                   sum(o[2] for o in orders), price, cover, income)


def _chain(rng: np.random.Generator, ledger: Ledger, rates: RateTable, account_of: dict[str, int], k: int,
           when: datetime, cell_account: int, usd: float) -> tuple[dict[str, list[int]], float, int]:
    """One payment's journey: sponsor -> front -> AE -> TR -> TJ -> cell, each hop hours after the last.

    Amounts are grossed up backwards for the front's 2% and each broker's 3%, so every hop forwards
    what arrived minus its fee and money always reaches a hop before it leaves it. Every second AE->TR
    leg is part hawala, every third TR->TJ leg all hawala, every fourth cell payment cash: those legs
    exist only in documents."""
    usd_i, rub_i = rates.index("USD"), rates.index("RUB")
    hops = [("sponsor", "front", 0.98), ("front", "broker_ae", 0.97), ("broker_ae", "broker_tr", 0.97),
            ("broker_tr", "broker_tj", 0.97)]
    amounts = [usd]
    for *_, keep in reversed(hops):
        amounts.insert(0, amounts[0] / keep)
    ts = int(when.timestamp()) + int(rng.integers(4 * 3600, 12 * 3600))
    rows: dict[str, list[int]] = {}
    edges = [int(m.timestamp()) for m in rates.months]
    for h, (src, dst, _) in enumerate(hops):
        a, b, amount = account_of[src], account_of[dst], round(amounts[h], 2)
        if src == "sponsor":  # the unit pays in roubles at the month's rate
            month = int(np.searchsorted(edges, ts, side="right") - 1)
            rows[f"{src}>{dst}"] = [ledger.add(ts, a, b, round(amount / float(rates.usd[rub_i, month]), 2),
                                               rub_i, "wire")]
        elif src == "broker_ae" and k % 2 == 1:
            wire = round(amount * 0.6, 2)
            rows[f"{src}>{dst}"] = [ledger.add(ts, a, b, wire, usd_i, "wire"),
                                    ledger.add(ts + 1800, a, b, round(amount - wire, 2), usd_i, "hawala", COURT_DOC)]
        elif src == "broker_tr" and k % 3 == 0:
            rows[f"{src}>{dst}"] = [ledger.add(ts, a, b, amount, usd_i, "hawala", COURT_DOC)]
        else:
            rows[f"{src}>{dst}"] = [ledger.add(ts, a, b, amount, usd_i, "wire")]
        if src != "sponsor":
            _sweep(rng, ledger, account_of, rows, src, ts, amounts[h - 1] - amounts[h], usd_i)
        ts += int(rng.integers(6 * 3600, 20 * 3600))
    ts += int(rng.integers(12 * 3600, 4 * 86_400))
    cash = k % 4 == 3
    paid = ledger.add(ts, account_of["broker_tj"], cell_account, usd, usd_i, "cash" if cash else "wire",
                      CASH_DOC if cash else "")
    rows["broker_tj>cell"] = [paid]
    _sweep(rng, ledger, account_of, rows, "broker_tj", ts, amounts[-2] - usd, usd_i)
    return rows, round(amounts[0], 2), paid


def _sweep(rng: np.random.Generator, ledger: Ledger, account_of: dict[str, int], rows: dict[str, list[int]],
           firm: str, after: int, fee: float, usd_i: int) -> None:
    """The firm moves its fee to its operating account soon after forwarding, so the conduit account
    is empty between payments and no old money is left for a taint rule to mix with."""
    ts = after + int(rng.integers(3600, 6 * 3600))
    rows[f"{firm}>fee"] = [ledger.add(ts, account_of[firm], account_of[f"{firm}_ops"], round(fee, 2), usd_i, "wire")]


def _cover(rng: np.random.Generator, ledger: Ledger, accounts: Accounts, rates: RateTable,
           account_of: dict[str, int], t0: datetime, t1: datetime) -> list[int]:
    """Ordinary business of the front and the brokers, on their operating accounts: customers pay in, the
    firm pays a supplier within days. The conduit accounts carry only the network's money, so any taint
    rule (FIFO, proportional) finds the same share reaching the cells."""
    pool = np.flatnonzero(accounts.kinds() == Kind.COMPANY)
    cur = accounts.currency_index()
    rows: list[int] = []
    span = int((t1 - t0).total_seconds())
    for key in ("front", "broker_ae", "broker_tr", "broker_tj"):
        firm = account_of[f"{key}_ops"]
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


def _control_income(rng: np.random.Generator, ledger: Ledger, accounts: Accounts, rates: RateTable,
                    account_of: dict[str, int], t0: datetime, t1: datetime, per_commander: int = 18) -> list[int]:
    """Ordinary money into the control group's commanders: family remittances and trade payments from
    many senders, at times drawn without regard to the group's attacks and in amounts unrelated to
    casualties. Some land days after an attack by chance, as in real books, which is what makes the
    control a real test of the link stage rather than an empty one."""
    people = np.flatnonzero(accounts.kinds() == Kind.INDIVIDUAL)
    firms = np.flatnonzero(accounts.kinds() == Kind.COMPANY)
    cur = accounts.currency_index()
    edges = [int(m.timestamp()) for m in rates.months]
    start, span = int(t0.timestamp()), int((t1 - t0).total_seconds())
    rows: list[int] = []
    for party in CONTROL_COMMANDERS:
        for k in range(per_commander):
            trade = k % 3 == 0  # one in three is a trade payment from a firm, the rest remittances
            sender = int(rng.choice(firms if trade else people))
            usd = float(rng.lognormal(8.8, 0.7) if trade else rng.lognormal(6.6, 0.6))
            ts = start + int(rng.integers(0, span))
            month = int(np.searchsorted(edges, ts, side="right") - 1)
            rows.append(ledger.add(ts, sender, account_of[party.key],
                                   round(usd / float(rates.usd[cur[sender], month]), 2), int(cur[sender]), "wire"))
    return rows
