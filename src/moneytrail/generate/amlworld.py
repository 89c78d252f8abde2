"""``--format amlworld --mix-patterns FILE``: AMLworld laundering attempts hidden in a fresh background.

Reads ``*_Patterns.txt`` attempts, draws N background transactions over the same dates, each day as
busy as the patterns make it (so a temporal split holds attempts in every part in proportion), with
AMLworld-style ids, gives every pattern account ordinary background activity too (so no detector can
key on accounts that only appear in patterns), and writes the mix in the 11-column ``*_Trans.csv``
format. truth.json lists each attempt with its rows' line numbers in transactions.csv.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from moneytrail.generate.accounts import Accounts, Bank, HexIds, Kind, add_background, background_size, make_banks
from moneytrail.generate.background import blocks, build_economy
from moneytrail.generate.config import GenerateConfig
from moneytrail.generate.ledger import CHANNEL, Txns
from moneytrail.generate.money import (
    AMLWORLD_COUNTRIES,
    AMLWORLD_NAMES,
    AMLWORLD_WEIGHTS,
    COUNTRY_CURRENCY,
    RateTable,
    build_rates,
    write_rates,
)
from moneytrail.generate.truth import write_truth
from moneytrail.generate.writer import TransactionWriter

FORMATS = {"ACH": "ach", "Wire": "wire", "Cheque": "cheque", "Credit Card": "card", "Cash": "cash",
           "Reinvestment": "reinvestment", "Bitcoin": "bitcoin"}
CURRENCY_COUNTRY = {cur: country for country, cur in COUNTRY_CURRENCY.items() if country in AMLWORLD_COUNTRIES}


@dataclass
class PatternRow:
    ts: datetime
    from_bank: str
    from_account: str
    to_bank: str
    to_account: str
    received: float
    received_cur: str
    paid: float
    paid_cur: str
    channel: str
    label: int


@dataclass
class PatternAttempt:
    attempt_id: str
    typology: str
    detail: str
    origin_file: str
    origin_line: int
    rows: list[PatternRow] = field(default_factory=list)


def _row(path: Path, line_no: int, line: str) -> PatternRow:
    parts = line.split(",")
    if len(parts) != 11:
        raise ValueError(f"{path}:{line_no}: expected 11 comma-separated fields, found {len(parts)}")
    try:
        ts = datetime.strptime(parts[0], "%Y/%m/%d %H:%M").replace(tzinfo=UTC)
        received, paid = float(parts[5]), float(parts[7])
    except ValueError as exc:
        raise ValueError(f"{path}:{line_no}: {exc}") from exc
    for cur in (parts[6], parts[8]):
        if cur not in AMLWORLD_NAMES:
            raise ValueError(f"{path}:{line_no}: unknown currency {cur!r}")
    if parts[9] not in FORMATS:
        raise ValueError(f"{path}:{line_no}: unknown payment format {parts[9]!r}")
    return PatternRow(ts, parts[1], parts[2], parts[3], parts[4], received, parts[6], paid, parts[8],
                      FORMATS[parts[9]], int(parts[10]))


def read_patterns(path: Path) -> list[PatternAttempt]:
    """Parse an AMLworld patterns file; malformed input raises ValueError naming file and line."""
    attempts: list[PatternAttempt] = []
    current: PatternAttempt | None = None
    with path.open(encoding="utf-8") as fh:
        for line_no, raw in enumerate(fh, start=1):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("BEGIN LAUNDERING ATTEMPT - "):
                if current is not None:
                    raise ValueError(f"{path}:{line_no}: BEGIN inside an open attempt")
                head = line.removeprefix("BEGIN LAUNDERING ATTEMPT - ")
                typology, _, detail = head.partition(":")
                current = PatternAttempt(f"{path.stem}:{len(attempts) + 1:05d}", typology.strip().lower(),
                                         detail.strip(), path.name, line_no)
            elif line.startswith("END LAUNDERING ATTEMPT"):
                if current is None:
                    raise ValueError(f"{path}:{line_no}: END without BEGIN")
                attempts.append(current)
                current = None
            elif current is None:
                raise ValueError(f"{path}:{line_no}: transaction outside a laundering attempt")
            else:
                current.rows.append(_row(path, line_no, line))
    if current is not None:
        raise ValueError(f"{path}: attempt starting at line {current.origin_line} has no END")
    return attempts


def generate_mixed(out: Path, config: GenerateConfig) -> dict[str, Any]:
    attempts = [a for p in config.mix_patterns for a in read_patterns(p)]
    rows = [r for a in attempts for r in a.rows]
    if not rows:
        raise ValueError("the pattern files hold no transactions")
    out.mkdir(parents=True, exist_ok=True)
    r_rates, r_accounts, r_bg = (np.random.default_rng(s) for s in np.random.SeedSequence(config.seed).spawn(3))
    first = min(r.ts for r in rows).replace(hour=0, minute=0)
    last = max(r.ts for r in rows).replace(hour=0, minute=0) + timedelta(days=1)
    monthly = build_rates(r_rates, first.replace(day=1), 1)
    rates = RateTable(monthly.codes, (first, last), monthly.usd)

    banks = make_banks(r_accounts, AMLWORLD_COUNTRIES, 3)
    weights = np.repeat(np.asarray(AMLWORLD_WEIGHTS) / 3, 3)
    accounts = Accounts(rates, banks)
    hexids = HexIds(r_accounts)
    hexids.reserve([r.from_account for r in rows] + [r.to_account for r in rows])
    add_background(accounts, r_accounts, hexids, background_size(config.transactions), banks, weights / weights.sum())
    # Pattern accounts join the economy as ordinary people and firms, in their own currency.
    index: dict[tuple[str, str], int] = {}
    for r in rows:
        for bank_id, account_id, cur in ((r.from_bank, r.from_account, r.paid_cur),
                                         (r.to_bank, r.to_account, r.received_cur)):
            if (bank_id, account_id) not in index:
                code = AMLWORLD_NAMES[cur]
                bank = Bank(bank_id, CURRENCY_COUNTRY.get(code, "us"), f"Bank {bank_id}")
                kind = Kind.COMPANY if r_accounts.random() < 0.2 else Kind.INDIVIDUAL
                index[(bank_id, account_id)] = accounts.add(bank, account_id, f"aml-{bank_id}-{account_id}",
                                                            account_id, kind, currency=code)
    kinds = accounts.kinds()
    bank_ids = sorted(set(accounts.bank_id))
    bank_pos = {b: i for i, b in enumerate(bank_ids)}
    bank_of = np.asarray([bank_pos[b] for b in accounts.bank_id], dtype=np.int64)
    desks = np.flatnonzero(kinds == Kind.CASH_DESK)
    desk_of_bank = np.full(len(bank_ids), desks[0], dtype=np.int64)  # pattern-only banks use the first desk
    desk_of_bank[bank_of[desks]] = desks
    planted = _pattern_txns(rows, index, rates)
    economy = build_economy(r_bg, kinds, bank_of, desk_of_bank, accounts.currency_index(), config.transactions, 1,
                            day_weights=pattern_day_weights(planted.ts, int(first.timestamp()),
                                                            (last - first).days))
    paid = (np.asarray([r.paid for r in rows]), np.asarray([rates.index(AMLWORLD_NAMES[r.paid_cur]) for r in rows]))
    labels = np.asarray([r.label for r in rows], dtype=bool)
    with TransactionWriter(out / "transactions.csv", accounts, rates, "amlworld", len(rows), labels, paid) as writer:
        for block in blocks(economy, rates, r_bg, planted, config.chunk_rows):
            writer.write(block)
    accounts.write_csv(out / "accounts.csv")
    write_rates(out / "rates.csv", rates)
    truth_attempts = []
    k = 0
    for a in attempts:
        ids = [writer.txn_id(k + j) for j in range(len(a.rows))]
        truth_attempts.append({
            "attempt_id": a.attempt_id, "typology": a.typology, "detail": a.detail, "txn_ids": ids,
            "lines": [writer.line(k + j) for j in range(len(a.rows))],
            "origin_file": a.origin_file, "origin_line": a.origin_line,
            "accounts": sorted({f"{r.from_bank}:{r.from_account}" for r in a.rows}
                               | {f"{r.to_bank}:{r.to_account}" for r in a.rows}),
            "rows": [[r.ts.strftime("%Y/%m/%d %H:%M"), r.from_bank, r.from_account, r.to_bank, r.to_account,
                      f"{r.received:.2f}"] for r in a.rows]})
        k += len(a.rows)
    truth = {"seed": config.seed, "transactions": writer.written, "format": "amlworld",
             "background_transactions": writer.written - len(rows),
             "pattern_files": [p.name for p in config.mix_patterns],
             "period": {"start": first.strftime("%Y-%m-%dT%H:%M:%SZ"), "end": last.strftime("%Y-%m-%dT%H:%M:%SZ")},
             "typologies": truth_attempts}
    write_truth(out / "truth.json", truth)
    return truth


def pattern_day_weights(ts: np.ndarray, start: int, days: int) -> np.ndarray:
    """Each day's share of the pattern rows, so the background is as busy as the laundering day by day.

    AMLworld's attempts crowd into the first three weeks of the window; an even background would leave the
    last fifth of the rows (a temporal split's test part) with almost none of them (LI-Medium: 11 of
    3,909). Days without pattern rows keep the smallest share any day has, so no day is empty."""
    counts = np.bincount((ts - start) // 86_400, minlength=days)[:days].astype(np.float64)
    counts[counts == 0] = counts[counts > 0].min()
    return np.asarray(counts / counts.sum())


def _pattern_txns(rows: list[PatternRow], index: dict[tuple[str, str], int], rates: RateTable) -> Txns:
    return Txns(
        ts=np.asarray([int(r.ts.timestamp()) for r in rows], dtype=np.int64),
        src=np.asarray([index[(r.from_bank, r.from_account)] for r in rows], dtype=np.int64),
        dst=np.asarray([index[(r.to_bank, r.to_account)] for r in rows], dtype=np.int64),
        amount=np.asarray([r.received for r in rows]),
        cur=np.asarray([rates.index(AMLWORLD_NAMES[r.received_cur]) for r in rows], dtype=np.int16),
        channel=np.asarray([CHANNEL[r.channel] for r in rows], dtype=np.int8),
        tag=np.arange(len(rows), dtype=np.int64))
