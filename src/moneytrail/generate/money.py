"""Banks, currencies and exchange rates of the synthetic world (all banks fictional)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from moneytrail.generate.csvfile import write_plain_csv

# ISO code -> (US dollars per unit at the start, AMLworld currency name or None).
CURRENCIES: dict[str, tuple[float, str | None]] = {
    "USD": (1.0, "US Dollar"), "EUR": (1.12, "Euro"), "GBP": (1.30, "UK Pound"), "CNY": (0.145, "Yuan"),
    "JPY": (0.0088, "Yen"), "INR": (0.0133, "Rupee"), "RUB": (0.0135, "Ruble"), "CHF": (1.05, "Swiss Franc"),
    "SAR": (0.2667, "Saudi Riyal"), "ILS": (0.30, "Shekel"), "AUD": (0.72, "Australian Dollar"),
    "CAD": (0.76, "Canadian Dollar"), "BRL": (0.19, "Brazil Real"), "MXN": (0.049, "Mexican Peso"),
    "AED": (0.2723, None), "TRY": (0.13, None), "TJS": (0.088, None), "AFN": (0.0125, None),
    "BTC": (20_000.0, "Bitcoin"),
}
AMLWORLD_NAMES = {name: code for code, (_, name) in CURRENCIES.items() if name}

COUNTRY_CURRENCY = {
    "us": "USD", "gb": "GBP", "de": "EUR", "fr": "EUR", "nl": "EUR", "cy": "EUR", "cn": "CNY", "jp": "JPY",
    "in": "INR", "ru": "RUB", "ch": "CHF", "sa": "SAR", "il": "ILS", "au": "AUD", "ca": "CAD", "br": "BRL",
    "mx": "MXN", "ae": "AED", "tr": "TRY", "tj": "TJS", "af": "AFN",
}
# Countries whose banks carry the background economy; weights make a few financial centres dominate.
BACKGROUND_COUNTRIES = ("us", "gb", "de", "fr", "nl", "cy", "ch", "ae", "tr", "ru", "cn", "in", "jp")
BACKGROUND_WEIGHTS = (0.24, 0.14, 0.10, 0.08, 0.05, 0.03, 0.04, 0.07, 0.06, 0.06, 0.05, 0.05, 0.03)
AMLWORLD_COUNTRIES = ("us", "de", "gb", "cn", "jp", "in", "ru", "ch", "sa", "il", "au", "ca", "br", "mx")
AMLWORLD_WEIGHTS = (0.40, 0.25, 0.06, 0.08, 0.04, 0.03, 0.05, 0.01, 0.01, 0.01, 0.02, 0.02, 0.01, 0.01)
# Country -> (letters, digits) of the BBAN; digit-only BBANs pass every national check.
IBAN_COUNTRIES = {"gb": (4, 14), "de": (0, 18), "cy": (0, 24), "ch": (0, 17), "ae": (0, 19), "tr": (0, 22),
                  "sa": (0, 20), "il": (0, 19)}


@dataclass(frozen=True)
class RateTable:
    """Monthly US-dollar rates per currency: ``usd[c, m]`` is the value of one unit of ``codes[c]``."""

    codes: tuple[str, ...]
    months: tuple[datetime, ...]  # first day of each month, plus the end of the last month
    usd: np.ndarray

    def index(self, code: str) -> int:
        return self.codes.index(code)

    def to_local(self, usd_amount: np.ndarray, currency: np.ndarray, month: np.ndarray) -> np.ndarray:
        """Convert dollar amounts to each row's currency at that month's rate, rounded to cents."""
        return np.asarray(np.round(usd_amount / self.usd[currency, month], 2))


def month_starts(start: datetime, months: int) -> tuple[datetime, ...]:
    out = []
    for m in range(months + 1):
        year, month = divmod(start.month - 1 + m, 12)
        out.append(start.replace(year=start.year + year, month=month + 1, day=1))
    return tuple(out)


def build_rates(rng: np.random.Generator, start: datetime, months: int) -> RateTable:
    """A random walk of about 1.5% a month around each currency's starting value (bitcoin: 12%)."""
    codes = tuple(CURRENCIES)
    base = np.array([CURRENCIES[c][0] for c in codes])
    vol = np.where(np.array(codes) == "BTC", 0.12, 0.015)
    steps = rng.normal(0.0, 1.0, size=(len(codes), months)) * vol[:, None]
    steps[codes.index("USD")] = 0.0
    usd = base[:, None] * np.exp(np.cumsum(steps, axis=1) - steps[:, :1])
    return RateTable(codes, month_starts(start, months), usd)


def write_rates(path: Path, rates: RateTable) -> None:
    n_cur, n_month = rates.usd.shape
    codes = [c for c in rates.codes for _ in range(n_month)]
    valid_from = [rates.months[m].strftime("%Y-%m-%d") for _ in range(n_cur) for m in range(n_month)]
    # valid_to is inclusive: the last day of the month
    valid_to = [(rates.months[m + 1] - timedelta(days=1)).strftime("%Y-%m-%d") for _ in range(n_cur)
                for m in range(n_month)]
    table = pa.table({"currency": codes, "valid_from": valid_from, "valid_to": valid_to,
                      "rate": pa.array(np.round(rates.usd.reshape(-1), 8))})
    write_plain_csv(table, path)


def iban(country: str, bank_id: str, account_id: str) -> str:
    """A syntactically valid IBAN (mod-97 check digits) for a fictional bank and account."""
    letters, width = IBAN_COUNTRIES[country]
    number = str(int(account_id, 16)) + bank_id
    bban = "".join(chr(65 + int(ch)) for ch in bank_id.zfill(letters)[:letters]) + number.zfill(width)[-width:]
    numeric = "".join(str(int(ch, 36)) for ch in bban + country.upper() + "00")
    check = 98 - int(numeric) % 97
    return f"{country.upper()}{check:02d}{bban}"
