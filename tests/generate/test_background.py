"""The background looks like an economy: heavy tails, merchants' fan-in, payroll fan-out, periodic payments."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tests.generate.conftest import GeneratedCase


def _keys(t: pa.Table, side: str) -> pa.Array:
    return pc.binary_join_element_wise(t[f"{side}_bank"], t[f"{side}_account"], ":")


def test_degrees_are_heavy_tailed(generated: GeneratedCase) -> None:
    t = generated.txns
    ends = pa.concat_arrays([_keys(t, "from").combine_chunks(), _keys(t, "to").combine_chunks()])
    counts = np.sort(pc.value_counts(ends).field("counts").to_numpy())[::-1]
    assert counts[0] >= 20 * np.median(counts)
    top = max(1, len(counts) // 100)
    assert counts[:top].sum() >= 0.08 * counts.sum(), "the top 1% of accounts carry a large share"


def test_merchants_have_heavy_fan_in(generated: GeneratedCase) -> None:
    t = generated.txns
    card = t.filter(pc.equal(t["channel"], "card"))
    pairs = pa.table({"to": _keys(card, "to"), "from": _keys(card, "from")})
    senders = pairs.group_by("to").aggregate([("from", "count_distinct")]).column("from_count_distinct").to_numpy()
    assert senders.max() >= 100
    assert senders.max() >= 10 * np.median(senders)


def test_payroll_fans_out_every_month(generated: GeneratedCase) -> None:
    t = generated.txns
    day = pc.utf8_slice_codeunits(t["timestamp"], 8, 10)
    ach = t.filter(pc.and_(pc.equal(t["channel"], "ach"), pc.equal(day, "25")))
    payroll = pa.table({"from": _keys(ach, "from"), "to": _keys(ach, "to"),
                        "month": pc.utf8_slice_codeunits(ach["timestamp"], 0, 7)})
    fan = payroll.group_by("from").aggregate([("to", "count_distinct")]).column("to_count_distinct").to_numpy()
    assert fan.max() >= 20
    months = payroll.group_by(["from", "to"]).aggregate([("month", "count_distinct")])
    assert np.median(months.column("month_count_distinct").to_numpy()) == 36, "salaries are paid monthly"


def test_amounts_currencies_and_banks_vary(generated: GeneratedCase) -> None:
    t = generated.txns
    wires = t.filter(pc.equal(t["channel"], "wire"))
    usd = wires.filter(pc.equal(wires["currency"], "USD"))["amount"].cast(pa.float64()).to_numpy()
    assert np.percentile(usd, 99) >= 20 * np.median(usd)
    assert len(pc.unique(t["currency"])) >= 8
    assert len(pc.unique(generated.accounts["country"])) >= 10
    assert set(pc.unique(t["channel"]).to_pylist()) >= {"wire", "ach", "card", "cash", "cheque"}


def test_loans_are_paid_out_then_repaid_monthly(generated: GeneratedCase) -> None:
    t = generated.txns
    day = pc.utf8_slice_codeunits(t["timestamp"], 8, 10)
    ach = t.filter(pc.and_(pc.equal(t["channel"], "ach"), pc.equal(day, "15")))
    repay = pa.table({"borrower": _keys(ach, "from"), "lender": _keys(ach, "to"),
                      "month": pc.utf8_slice_codeunits(ach["timestamp"], 0, 7)})
    monthly = repay.group_by(["borrower", "lender"]).aggregate([("month", "count_distinct")])
    loans = monthly.filter(pc.equal(monthly["month_count_distinct"], 36))
    assert loans.num_rows >= 5
    first = t.filter(pc.and_(pc.equal(t["channel"], "wire"),
                             pc.equal(pc.utf8_slice_codeunits(t["timestamp"], 0, 7), "2021-01")))
    payouts = set(zip(_keys(first, "from").to_pylist(), _keys(first, "to").to_pylist(), strict=True))
    pairs = list(zip(loans["lender"].to_pylist(), loans["borrower"].to_pylist(), strict=True))
    assert sum(p in payouts for p in pairs) >= 0.9 * len(pairs), "each loan was paid out in the first month"
