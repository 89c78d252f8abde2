"""Writing transactions: native CSV or AMLworld's 11-column format, a block at a time with pyarrow."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import TracebackType

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from moneytrail.generate.accounts import Accounts
from moneytrail.generate.csvfile import write_plain_csv
from moneytrail.generate.ledger import CHANNELS, Txns
from moneytrail.generate.money import CURRENCIES, RateTable

NATIVE_COLUMNS = ("txn_id", "timestamp", "from_bank", "from_account", "to_bank", "to_account", "amount",
                  "currency", "channel")
AMLWORLD_HEADER = ("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,"
                   "Amount Paid,Payment Currency,Payment Format,Is Laundering")
AMLWORLD_FORMATS = {"wire": "Wire", "ach": "ACH", "card": "Credit Card", "cash": "Cash", "cheque": "Cheque",
                    "hawala": "Cash", "reinvestment": "Reinvestment", "bitcoin": "Bitcoin"}


def money_text(amount: np.ndarray) -> pa.Array:
    """Amounts as decimal text with exactly two decimals (no float artefacts such as 0.30000000000000004)."""
    cents = np.round(amount * 100).astype(np.int64)
    whole = pa.array(cents // 100).cast(pa.string())
    frac = pc.utf8_lpad(pa.array(cents % 100).cast(pa.string()), width=2, padding="0")
    return pc.binary_join_element_wise(whole, frac, ".")


def _fixed_width(chars: np.ndarray) -> pa.Array:
    """An arrow string array from an (n, width) uint8 matrix of ASCII characters, without Python strings."""
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(chars)))


def time_text(ts: np.ndarray, fmt: str) -> pa.Array:
    """Epoch seconds as ``2021-03-04T05:06:07Z`` (fmt ``iso``) or AMLworld's ``2021/03/04 05:06`` (``amlworld``).

    Arrow casts timestamps to fixed-width ``YYYY-MM-DD hh:mm:ss`` quickly; the rest is byte surgery in
    numpy, several times faster than strftime."""
    n = len(ts)
    text = pa.array(ts, type=pa.int64()).cast(pa.timestamp("s")).cast(pa.string())
    raw = np.frombuffer(text.buffers()[2], dtype=np.uint8)[: n * 19].reshape(n, 19)
    if fmt == "iso":
        out = np.empty((n, 20), dtype=np.uint8)
        out[:, :19] = raw
        out[:, 10] = ord("T")
        out[:, 19] = ord("Z")
    elif fmt == "amlworld":
        out = raw[:, :16].copy()
        out[:, [4, 7]] = ord("/")
    else:
        raise ValueError(f"unknown time format {fmt!r}")
    return _fixed_width(out)


def txn_id_text(start: int, n: int) -> pa.Array:
    """``t`` and ten digits: ``t0000000042``."""
    numbers = np.arange(start, start + n, dtype=np.int64)
    powers = 10 ** np.arange(9, -1, -1, dtype=np.int64)
    out = np.empty((n, 11), dtype=np.uint8)
    out[:, 0] = ord("t")
    out[:, 1:] = (numbers[:, None] // powers) % 10 + ord("0")
    return _fixed_width(out)


class TransactionWriter:
    """Appends blocks to a CSV; ``ids[tag]`` afterwards holds the id (or line) each planted row got."""

    def __init__(self, path: Path, accounts: Accounts, rates: RateTable, fmt: str, planted_rows: int,
                 labelled: np.ndarray | None = None, paid: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        self.path = path
        self.fmt = fmt
        self.rates = rates
        self.written = 0
        self.file_prefix = ""
        self.ids = np.full(planted_rows, -1, dtype=np.int64)
        self._labelled = labelled if labelled is not None else np.ones(planted_rows, dtype=bool)
        self._paid = paid  # per planted row: (amount paid, currency index) where it differs from received
        self._bank = pa.array(accounts.bank_id)
        self._account = pa.array(accounts.account_id)
        self._codes = pa.array(list(rates.codes))
        self._aml_codes = pa.array([CURRENCIES[c][1] or "US Dollar" for c in rates.codes])
        self._channels = pa.array(list(CHANNELS))
        self._aml_channels = pa.array([AMLWORLD_FORMATS[c] for c in CHANNELS])
        self._file = path.open("wb")
        self._file.write(((AMLWORLD_HEADER if fmt == "amlworld" else ",".join(NATIVE_COLUMNS)) + "\n").encode())

    def write(self, block: Txns) -> None:
        n = len(block)
        if n == 0:
            return
        planted = block.tag >= 0
        self.ids[block.tag[planted]] = self.written + np.flatnonzero(planted)
        table = self._native(block) if self.fmt == "native" else self._amlworld(block)
        write_plain_csv(table, self._file, header=False)
        self.written += n

    def _native(self, b: Txns) -> pa.Table:
        src, dst = pa.array(b.src), pa.array(b.dst)
        return pa.table({
            "txn_id": txn_id_text(self.written, len(b)),
            "timestamp": time_text(b.ts, "iso"),
            "from_bank": self._bank.take(src), "from_account": self._account.take(src),
            "to_bank": self._bank.take(dst), "to_account": self._account.take(dst),
            "amount": money_text(b.amount), "currency": self._codes.take(pa.array(b.cur)),
            "channel": self._channels.take(pa.array(b.channel)),
        })

    def _amlworld(self, b: Txns) -> pa.Table:
        # Currencies AMLworld does not know (AED, TRY, ...) are written as their dollar value.
        known = np.asarray([CURRENCIES[c][1] is not None for c in self.rates.codes])[b.cur]
        month = np.clip(np.searchsorted([int(m.timestamp()) for m in self.rates.months], b.ts, side="right") - 1,
                        0, self.rates.usd.shape[1] - 1)
        usd_index = self.rates.index("USD")
        amount = np.where(known, b.amount, np.round(b.amount * self.rates.usd[b.cur, month], 2))
        cur = pa.array(np.where(known, b.cur, usd_index).astype(np.int16))
        src, dst = pa.array(b.src), pa.array(b.dst)
        label = np.zeros(len(b), dtype=np.int8)
        tagged = b.tag >= 0
        label[tagged] = self._labelled[b.tag[tagged]]
        paid_amount, paid_cur = amount.copy(), np.asarray(cur).astype(np.int16)
        if self._paid is not None:
            rows = b.tag[tagged]
            paid_amount[tagged] = self._paid[0][rows]
            paid_cur[tagged] = self._paid[1][rows]
        return pa.table({
            "Timestamp": time_text(b.ts, "amlworld"),
            "From Bank": self._bank.take(src), "Account": self._account.take(src),
            "To Bank": self._bank.take(dst), "Account.1": self._account.take(dst),
            "Amount Received": money_text(amount), "Receiving Currency": self._aml_codes.take(cur),
            "Amount Paid": money_text(paid_amount), "Payment Currency": self._aml_codes.take(pa.array(paid_cur)),
            "Payment Format": self._aml_channels.take(pa.array(b.channel)), "Is Laundering": pa.array(label),
        })

    def line(self, tag: int) -> int:
        """The line of transactions.csv a planted row was written to (the header is line 1)."""
        pos = int(self.ids[tag])
        if pos < 0:
            raise KeyError(f"planted row {tag} was not written")
        return pos + 2

    def txn_id(self, tag: int) -> str:
        """The id a planted row has once ingested: its ``txn_id`` natively; for AMLworld files, which carry
        no ids, the ingest's positional id ``<sha1 of the file, 12 hex>:<line>`` (available after close)."""
        if self.fmt == "native":
            return f"t{self.line(tag) - 2:010d}"
        if not self.file_prefix:
            raise RuntimeError("AMLworld ids are known only after the file is closed")
        return f"{self.file_prefix}:{self.line(tag)}"

    def close(self) -> None:
        if self._file.closed:
            return
        self._file.close()
        if self.fmt == "amlworld":
            digest = hashlib.sha1()
            with self.path.open("rb") as fh:
                while chunk := fh.read(1 << 22):
                    digest.update(chunk)
            self.file_prefix = digest.hexdigest()[:12]

    def __enter__(self) -> TransactionWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
