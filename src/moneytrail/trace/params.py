"""What a trace is asked to do: where from, how far, how fast, and which taint rule applies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any


class Method(StrEnum):
    """How tainted money mixes with clean money inside an account.

    FIFO follows the order of receipt (Clayton's Case); PROPORTIONAL (haircut) taints each payment
    by the tainted share of the balance at that moment; POISON taints every payment made while the
    account holds any live taint.
    """

    FIFO = "fifo"
    PROPORTIONAL = "proportional"
    POISON = "poison"


class TraceError(ValueError):
    """A trace was asked for something that cannot be answered (unknown account, bad window...)."""


@dataclass(frozen=True)
class TraceParams:
    """Parameters of one trace. ``source``/``target`` are account keys ("bank:account") or entity ids
    (an entity stands for all the accounts it holds).

    Forward, every payment out of the source in the window is tainted in full and followed. With
    ``backward`` the same rules run on the time-reversed graph: every payment into the source is
    tainted and attributed to the payments that funded it, back to where the money came from.
    ``min_amount`` stops following payments and units of taint below it (they are still booked).
    Under FIFO each incoming payment is one lot; a lot that is partly tainted is spent evenly.
    """

    source: tuple[str, ...]
    target: tuple[str, ...] = ()
    backward: bool = False
    max_hops: int = 6
    max_gap: timedelta = timedelta(days=30)
    window_start: datetime | None = None
    window_end: datetime | None = None
    method: Method = Method.FIFO
    min_amount: float = 0.0
    # Known opening balances (untainted); otherwise the smallest balance that never goes negative.
    opening_balances: Mapping[str, float] = field(default_factory=dict)
    max_paths: int = 200

    def __post_init__(self) -> None:
        if isinstance(self.source, str):
            object.__setattr__(self, "source", (self.source,))
        if isinstance(self.target, str):
            object.__setattr__(self, "target", (self.target,))
        if not self.source:
            raise TraceError("a trace needs at least one source account or entity")
        if self.max_hops < 1:
            raise TraceError(f"max_hops must be at least 1, got {self.max_hops}")
        if self.max_gap <= timedelta(0):
            raise TraceError(f"max_gap must be positive, got {self.max_gap}")
        if self.min_amount < 0:
            raise TraceError(f"min_amount must not be negative, got {self.min_amount}")
        if self.window_start and self.window_end and self.window_start > self.window_end:
            raise TraceError(f"window start {self.window_start} is after its end {self.window_end}")
        if not isinstance(self.method, Method):
            object.__setattr__(self, "method", parse_method(str(self.method)))
        for account, amount in self.opening_balances.items():
            if amount < 0:
                raise TraceError(f"opening balance of {account} is negative ({amount})")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, stored with the finding so the trace can be re-run exactly."""
        return {
            "from": list(self.source), "to": list(self.target), "backward": self.backward,
            "max_hops": self.max_hops, "max_gap_seconds": self.max_gap.total_seconds(),
            "window_start": self.window_start.isoformat() if self.window_start else None,
            "window_end": self.window_end.isoformat() if self.window_end else None,
            "method": self.method.value, "min_amount": self.min_amount,
            "opening_balances": dict(sorted(self.opening_balances.items())), "max_paths": self.max_paths,
        }


def parse_method(text: str) -> Method:
    try:
        return Method(text.strip().lower())
    except ValueError:
        raise TraceError(f"unknown method {text!r}; use fifo, proportional or poison") from None


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_gap(text: str) -> timedelta:
    """'7d', '36h', '90m', '3600s' or a bare number of days."""
    cleaned = text.strip().lower()
    try:
        if cleaned and cleaned[-1] in _UNITS:
            return timedelta(seconds=float(cleaned[:-1]) * _UNITS[cleaned[-1]])
        return timedelta(days=float(cleaned))
    except ValueError:
        raise TraceError(f"cannot read gap {text!r}; use e.g. 7d, 36h, 90m") from None


def _parse_time(text: str, *, end: bool) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise TraceError(f"cannot read time {text!r}; use ISO 8601, e.g. 2021-03-01") from None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    if end and len(text.strip()) == 10:  # a bare date as end means the whole day
        value += timedelta(days=1) - timedelta(microseconds=1)
    return value


def parse_window(text: str) -> tuple[datetime | None, datetime | None]:
    """'START..END' with either side optional, ISO dates or times (UTC)."""
    if ".." not in text:
        raise TraceError(f"window {text!r} must look like START..END (either side may be empty)")
    left, right = text.split("..", 1)
    return (_parse_time(left, end=False) if left.strip() else None,
            _parse_time(right, end=True) if right.strip() else None)


def parse_opening(items: list[str]) -> dict[str, float]:
    """'ACCOUNT=AMOUNT' pairs; the account key may itself contain ':' but not '='."""
    result: dict[str, float] = {}
    for item in items:
        key, sep, amount = item.rpartition("=")
        if not sep or not key:
            raise TraceError(f"opening balance {item!r} must look like ACCOUNT=AMOUNT")
        try:
            result[key] = float(amount)
        except ValueError:
            raise TraceError(f"opening balance {item!r}: {amount!r} is not a number") from None
    return result
