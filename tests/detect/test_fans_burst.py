"""The 6-day fans count a burst of one-off counterparties new to the hub, also when the hub is busy."""

from __future__ import annotations

from moneytrail.detect.run import run_detectors
from moneytrail.store import Case
from tests.detect.graphs import Insert, background, one_off_payers

# A busy payer: eight regular receivers, each paid every third day all month (54 transfers of 2,000), and in
# the middle a burst of six receivers seen nowhere else, on three days (hours 240-290: days 10, 11, 12).
REGULARS = [(f"reg{r}-{d}", 24 * d + r, "b:busy", f"b:supplier{r}", 2000.0)
            for r in range(8) for d in range(r % 3, 20, 3)]
BURST = [(f"mule{i}", 240 + 10 * i, "b:busy", f"b:mule{i}", 5000.0 + i) for i in range(6)]


def world() -> list:
    return background(base_amount=1500.0) + one_off_payers() + REGULARS + BURST


def test_a_busy_hubs_burst_of_new_receivers_is_found_counting_only_the_new(case: Case, insert: Insert) -> None:
    insert(world())
    found = [f for f in run_detectors(case, ["fan-out"]) if f.details["metrics"]["hub"] == "b:busy"]
    assert len(found) == 1
    f = found[0]
    # Windows reach 4 new receivers on day 11 and 6 on day 12: the episode is days 6-12 (a window back from
    # day 11). It counts the six new receivers, not the eight regulars, and cites all the hub's transfers in
    # those days: the mules' and the regulars' 19 (3 each for suppliers 0, 3, 6; 2 each for the other five).
    in_span = {t for t, hours, _, _, _ in REGULARS if 6 <= hours // 24 <= 12}
    assert len(in_span) == 19
    assert {r.ref_id for r in f.refs if r.kind == "transaction"} == {f"mule{i}" for i in range(6)} | in_span
    m = f.details["metrics"]
    assert (int(m["counterparties"]), int(m["recurring"]), int(m["arrival_days"])) == (6, 0, 3)
    # Own history: its six one-off receivers all fall in the window (expected 0, z_own 6 / sqrt(1)). Peers: the
    # 80 one-off senders each paid one receiver (median busiest window 1, spread 0): z_peer (6 - 1) / 1.
    assert (float(m["expected_own"]), float(m["z_own"])) == (0.0, 6.0)
    assert (float(m["peer_median"]), float(m["z_peer"])) == (1.0, 5.0)


def test_counting_every_new_counterparty_the_busy_hubs_burst_was_lost(case: Case, insert: Insert) -> None:
    # Near miss, the old reading (every new counterparty counts): the eight regulars, all new while the data
    # starts, make the hub's baseline 8 * 6 / 14 = 3.4 new receivers a window, so the burst's 6 score z_own
    # (6 - 3.4) / sqrt(4.4) = 1.2 < 2; and the start-of-data window (8 regulars, all recurring) is dropped by
    # max_recurring_share.
    insert(world())
    old = {"burst_only": 0, "max_life_days": 0}
    assert [f for f in run_detectors(case, ["fan-out"], {"fan-out": old}, store=False)
            if f.details["metrics"]["hub"] == "b:busy"] == []
    # With the recurring test off too, only the start-of-data episode shows: the eight regulars, no mule.
    loose = run_detectors(case, ["fan-out"], {"fan-out": {**old, "max_recurring_share": 1.0}}, store=False)
    (f,) = [f for f in loose if f.details["metrics"]["hub"] == "b:busy"]
    assert (int(f.details["metrics"]["counterparties"]), int(f.details["metrics"]["recurring"])) == (8, 8)
    assert not {r.ref_id for r in f.refs if r.kind == "transaction"} & {f"mule{i}" for i in range(6)}


def test_small_payments_to_new_receivers_are_no_fan(case: Case, insert: Insert) -> None:
    # Near miss: the same burst at 500 each, under min_amount (1,000).
    small = [(t, h, a, b, 500.0) for t, h, a, b, _ in BURST]
    insert(background(base_amount=1500.0) + one_off_payers() + REGULARS + small)
    assert run_detectors(case, ["fan-out"]) == []
