"""The account book of the synthetic world: banks, accounts, holders and their roles.

Ids follow AMLworld's style in every format: bank ids are zero-padded digit strings of varying width
(leading zeros matter, so they must stay text) and account ids are 9 upper-case hex digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

import numpy as np
import pyarrow as pa

from moneytrail.generate.csvfile import write_plain_csv
from moneytrail.generate.money import COUNTRY_CURRENCY, IBAN_COUNTRIES, RateTable, iban
from moneytrail.generate.names import company_names, person_names
from moneytrail.model.ids import stable_id


class Kind(IntEnum):
    INDIVIDUAL = 0
    COMPANY = 1
    MERCHANT = 2
    LENDER = 3
    CASH_DESK = 4
    NAMED = 5  # parties of the planted network, with their own KYC records


@dataclass
class Bank:
    bank_id: str
    country: str
    name: str


@dataclass
class Accounts:
    """Columnar account table; indexes into it are what transactions carry until they are written."""

    rates: RateTable
    banks: list[Bank] = field(default_factory=list)
    bank_id: list[str] = field(default_factory=list)
    account_id: list[str] = field(default_factory=list)
    holder: list[str] = field(default_factory=list)
    holder_name: list[str] = field(default_factory=list)
    birth_date: dict[int, str] = field(default_factory=dict)  # background individuals: account -> DOB
    country: list[str] = field(default_factory=list)
    currency: list[str] = field(default_factory=list)
    iban: list[str] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    _used_ids: dict[str, None] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.account_id)

    def add(self, bank: Bank, account_id: str, holder: str, holder_name: str, kind: Kind,
            currency: str | None = None, with_iban: bool = False) -> int:
        key = f"{bank.bank_id}:{account_id}"
        if key in self._used_ids:
            raise ValueError(f"duplicate account {key}")
        self._used_ids[key] = None
        self.bank_id.append(bank.bank_id)
        self.account_id.append(account_id)
        self.holder.append(holder)
        self.holder_name.append(holder_name)
        self.country.append(bank.country)
        self.currency.append(currency or COUNTRY_CURRENCY[bank.country])
        self.iban.append(iban(bank.country, bank.bank_id, account_id)
                         if with_iban and bank.country in IBAN_COUNTRIES else "")
        self.kind.append(int(kind))
        return len(self.account_id) - 1

    def key(self, index: int) -> str:
        return f"{self.bank_id[index]}:{self.account_id[index]}"

    def kinds(self) -> np.ndarray:
        return np.asarray(self.kind, dtype=np.int8)

    def currency_index(self) -> np.ndarray:
        lookup = {c: i for i, c in enumerate(self.rates.codes)}
        return np.asarray([lookup[c] for c in self.currency], dtype=np.int16)

    def write_csv(self, path: Path) -> None:
        table = pa.table({"bank_id": self.bank_id, "account_id": self.account_id,
                          "holder_entity_id": self.holder, "country": self.country,
                          "currency": self.currency, "iban": self.iban})
        write_plain_csv(table, path)


def bank_id_text(number: int, width: int) -> str:
    return f"{number:0{width}d}"


def make_banks(rng: np.random.Generator, countries: tuple[str, ...], per_country: int) -> list[Bank]:
    """Banks with AMLworld-style ids: random numbers, zero-padded to a random width of 3 to 7."""
    numbers = rng.choice(300_000, size=len(countries) * per_country, replace=False)
    widths = rng.integers(3, 8, size=len(numbers))
    banks = []
    for i, (n, w) in enumerate(zip(numbers.tolist(), widths.tolist(), strict=True)):
        country = countries[i // per_country]
        stem = ("Aurel", "Vantor", "Calder", "Nyssa", "Orbis", "Tessel", "Mirov", "Halden")[i % 8]
        banks.append(Bank(bank_id_text(n, max(w, len(str(n)))), country, f"{stem} Bank {country.upper()}-{i}"))
    return banks


class HexIds:
    """Unique 9-digit hex account ids ('8' + 7 hex + '0', as in AMLworld), drawn without repeats."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._seen: dict[int, None] = {}

    def reserve(self, ids: list[str]) -> None:
        for text in ids:
            if len(text) == 9 and text.startswith("8"):
                self._seen[int(text[1:8], 16)] = None

    def take(self, n: int) -> list[str]:
        out: list[str] = []
        while len(out) < n:
            for v in self._rng.integers(0, 1 << 28, size=(n - len(out)) * 2).tolist():
                if v not in self._seen and len(out) < n:
                    self._seen[v] = None
                    out.append(f"8{v:07X}0")
        return out


def background_size(transactions: int) -> int:
    """About 30 transactions per account, like a retail bank's month-on-month book."""
    return int(min(max(transactions // 30, 300), 400_000))


def add_background(accounts: Accounts, rng: np.random.Generator, hexids: HexIds, n: int,
                   banks: list[Bank], bank_weights: np.ndarray) -> np.ndarray:
    """Add ``n`` ordinary accounts (individuals, companies, merchants, lenders) and one cash desk per bank.

    Built column-wise: at 10 million transactions there are a few hundred thousand accounts."""
    kinds = rng.choice(4, size=n, p=[0.78, 0.14, 0.07, 0.01])
    kinds[:4] = [0, 1, 2, 3]  # every role exists even in tiny worlds
    bank_idx = rng.choice(len(banks), size=n, p=bank_weights)
    ids = hexids.take(n)
    names = np.empty(n, dtype=object)
    start = len(accounts)
    people, firms, shops = (np.flatnonzero(kinds == k) for k in (Kind.INDIVIDUAL, Kind.COMPANY, Kind.MERCHANT))
    names[people] = person_names(rng, len(people))
    names[firms] = company_names(rng, len(firms))
    names[shops] = company_names(rng, len(shops), merchant=True)
    for row in np.flatnonzero(kinds == Kind.LENDER).tolist():
        names[row] = f"{banks[int(bank_idx[row])].name} Lending"
    bank_list = [banks[b] for b in bank_idx.tolist()]
    accounts.bank_id.extend(b.bank_id for b in bank_list)
    accounts.account_id.extend(ids)
    accounts.holder.extend(f"bg-{i}" for i in ids)  # hex ids are unique, so are these holder ids
    accounts.holder_name.extend(names.tolist())
    # Dates of birth between 1945 and 2004, so same-named background people can be told apart.
    births = np.datetime64("1945-01-01") + rng.integers(0, 60 * 365, size=len(people)).astype("timedelta64[D]")
    accounts.birth_date.update(zip((start + people).tolist(), np.datetime_as_string(births).tolist(), strict=True))
    accounts.country.extend(b.country for b in bank_list)
    accounts.currency.extend(COUNTRY_CURRENCY[b.country] for b in bank_list)
    accounts.iban.extend(iban(b.country, b.bank_id, a) if k % 3 == 0 and b.country in IBAN_COUNTRIES else ""
                         for k, (b, a) in enumerate(zip(bank_list, ids, strict=True)))
    accounts.kind.extend(kinds.tolist())
    for bank, account in zip(bank_list, ids, strict=True):
        accounts._used_ids[f"{bank.bank_id}:{account}"] = None
    for bank in banks:  # one cash desk per bank: cash deposits and withdrawals go through it
        accounts.add(bank, hexids.take(1)[0], "bank-" + stable_id("bank", bank.bank_id, length=16),
                     bank.name, Kind.CASH_DESK)
    return np.arange(start, len(accounts))
