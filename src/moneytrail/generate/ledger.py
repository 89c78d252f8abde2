"""Transactions as columns of numbers until they are written: account indexes, epoch seconds, amounts.

The background comes in blocks of numpy arrays; planted transactions (typologies, the financing
network) are recorded one by one in a ``Ledger`` (they are few) and merged into the block of their
month, so the file stays in time order and every planted row gets an ordinary-looking id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

CHANNELS = ("wire", "ach", "card", "cash", "cheque", "hawala", "reinvestment", "bitcoin")
CHANNEL = {name: i for i, name in enumerate(CHANNELS)}


@dataclass
class Txns:
    ts: np.ndarray  # int64 epoch seconds, UTC
    src: np.ndarray  # int64 account index
    dst: np.ndarray
    amount: np.ndarray  # float64, in ``cur``, rounded to cents
    cur: np.ndarray  # int16 index into RateTable.codes
    channel: np.ndarray  # int8 index into CHANNELS
    tag: np.ndarray  # int64: -1 for background, else the Ledger row

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    def take(self, order: np.ndarray) -> Txns:
        return Txns(self.ts[order], self.src[order], self.dst[order], self.amount[order], self.cur[order],
                    self.channel[order], self.tag[order])

    @staticmethod
    def concat(parts: list[Txns]) -> Txns:
        return Txns(*(np.concatenate([getattr(p, f) for p in parts])
                      for f in ("ts", "src", "dst", "amount", "cur", "channel", "tag")))


@dataclass
class Ledger:
    """Planted transactions. ``reported`` rows exist only in documents (reported_transfers.csv)."""

    ts: list[int] = field(default_factory=list)
    src: list[int] = field(default_factory=list)
    dst: list[int] = field(default_factory=list)
    amount: list[float] = field(default_factory=list)
    cur: list[int] = field(default_factory=list)
    channel: list[int] = field(default_factory=list)
    reported: list[str] = field(default_factory=list)  # source id of the document, or ""

    def add(self, ts: int, src: int, dst: int, amount: float, cur: int, channel: str,
            reported: str = "") -> int:
        if amount <= 0:
            raise ValueError(f"planted amount must be positive, got {amount}")
        self.ts.append(int(ts))
        self.src.append(src)
        self.dst.append(dst)
        self.amount.append(round(float(amount), 2))
        self.cur.append(cur)
        self.channel.append(CHANNEL[channel])
        self.reported.append(reported)
        return len(self.ts) - 1

    def __len__(self) -> int:
        return len(self.ts)

    def txns(self, reported: bool) -> Txns:
        keep = np.asarray([bool(r) == reported for r in self.reported], dtype=bool)
        rows = np.flatnonzero(keep) if len(self.ts) else np.zeros(0, dtype=np.int64)
        return Txns(np.asarray(self.ts, dtype=np.int64)[rows], np.asarray(self.src, dtype=np.int64)[rows],
                    np.asarray(self.dst, dtype=np.int64)[rows], np.asarray(self.amount, dtype=np.float64)[rows],
                    np.asarray(self.cur, dtype=np.int16)[rows], np.asarray(self.channel, dtype=np.int8)[rows],
                    rows.astype(np.int64))
