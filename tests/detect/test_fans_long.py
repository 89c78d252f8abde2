"""Fans over long windows: a slow trickle of one-off senders over months, at half weight."""

from __future__ import annotations

from moneytrail.detect.run import run_detectors
from moneytrail.store import Case
from tests.detect.graphs import Insert, background, one_off_payers


def _trickle(hub: str, n: int, days_apart: float, prefix: str = "sl") -> list:
    return [(f"{prefix}{i}", 24 * (5 + i * days_apart), f"b:{prefix}mule{i}", hub, 3000.0 + i) for i in range(n)]


def test_one_new_sender_a_week_for_three_months_is_a_slow_fan_in_but_no_fan_in(case: Case, insert: Insert) -> None:
    insert(background(days=140) + _trickle("b:slow", 13, 6.5))
    assert run_detectors(case, ["fan-in"], store=False) == []
    found = run_detectors(case, ["fan-in-long"])
    assert [f.details["metrics"]["hub"] for f in found] == ["b:slow"]
    f = found[0]
    assert {r.ref_id for r in f.refs if r.kind == "transaction" and r.ref_id.startswith("sl")} == \
        {f"sl{i}" for i in range(13)}
    assert f.details["metrics"]["variant"] == "long-window" and f.details["metrics"]["variant_of"] == "fan-in"
    assert "half weight" in f.explanation and f.score < 0.5


def test_a_fast_burst_is_seen_by_both_and_the_long_variant_stays_below_half(case: Case, insert: Insert) -> None:
    # Thirteen senders in two days: both see it; the long window's score is half the usual mapping, so < 0.5.
    # Above the 6-day fan's min_amount, with peers that have one-off senders too (``one_off_payers``).
    peers = background(days=140, base_amount=1500.0) + one_off_payers(days=140)
    insert(peers + _trickle("b:fast", 13, 0.15, prefix="fs"))
    short = run_detectors(case, ["fan-in"], store=False)
    long_ = run_detectors(case, ["fan-in-long"], store=False)
    assert [f.details["metrics"]["hub"] for f in short] == ["b:fast"]
    assert [f.details["metrics"]["hub"] for f in long_] == ["b:fast"]
    assert 0 < long_[0].score < 0.5 and 0 < short[0].score < 1


def test_too_few_senders_over_the_long_window_do_not_fire(case: Case, insert: Insert) -> None:
    insert(background(days=140) + _trickle("b:few", 8, 10))
    assert run_detectors(case, ["fan-in-long", "fan-out-long"], store=False) == []


def test_a_case_shorter_than_one_and_a_half_windows_makes_no_long_fans(case: Case, insert: Insert) -> None:
    # 13 senders over 78 days in a 140-day case: found; the same case read with 90-day windows needing 2
    # windows of history (180 days) is too short to say what is usual, so nothing.
    insert(background(days=140) + _trickle("b:slow", 13, 6.5))
    assert len(run_detectors(case, ["fan-in-long"], store=False)) == 1
    assert run_detectors(case, ["fan-in-long"], {"fan-in-long": {"min_history_windows": "2"}}, store=False) == []
