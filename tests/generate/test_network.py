"""The financing network: identifiable cells, per-casualty payments after attacks, a time-respecting route."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
import yaml

from tests.generate.conftest import GeneratedCase, read_text_csv

Row = dict[str, str]


@pytest.fixture(scope="module")
def usd_rate(generated: GeneratedCase) -> dict[tuple[str, str], float]:
    return {(r["currency"], r["valid_from"][:7]): float(r["rate"])
            for r in read_text_csv(generated.out / "rates.csv").to_pylist()}


def _usd(row: Row, rates: dict[tuple[str, str], float]) -> float:
    return float(row["amount"]) * rates[(row["currency"], row["timestamp"][:7])]


def _key(row: Row, side: str) -> str:
    return f"{row[side + '_bank']}:{row[side + '_account']}"


def test_cells_are_identifiable(generated: GeneratedCase) -> None:
    net = generated.truth["network"]
    holders = dict(zip((f"{b}:{a}" for b, a in zip(generated.accounts["bank_id"].to_pylist(),
                                                  generated.accounts["account_id"].to_pylist(), strict=True)),
                       generated.accounts["holder_entity_id"].to_pylist(), strict=True))
    sanctions = [json.loads(line) for line in (generated.out / "entities" / "sanctions.jsonl").open(encoding="utf-8")]
    members = {(m["properties"]["member"][0], m["properties"]["organization"][0])
               for m in sanctions if m["schema"] == "Membership"}
    group_id = next(i for i in net["group"]["entity_ids"] if i.startswith("sanctions-"))
    assert len(net["cells"]) == 4
    for cell in net["cells"]:
        (account,) = cell["accounts"]
        assert holders[account] in cell["entity_ids"], "accounts.csv links the account to the commander"
        sanctioned = next(i for i in cell["entity_ids"] if i.startswith("sanctions-"))
        assert (sanctioned, group_id) in members, "the commander is a member of the armed group"


def test_payments_follow_attacks_priced_per_casualty(generated: GeneratedCase,
                                                     usd_rate: dict[tuple[str, str], float]) -> None:
    truth = generated.truth
    price = truth["network"]["price_per_casualty"]
    rows = generated.rows_by_id()
    cell_accounts = {c["accounts"][0] for c in truth["network"]["cells"]}
    paid = [a for a in truth["attacks"] if a["paid"]]
    assert len(truth["attacks"]) >= 15
    assert len({a["date"][:4] for a in truth["attacks"]}) >= 2, "attacks spread over several years"
    assert 0 < len(paid) < len(truth["attacks"]), "some attacks go unpaid"
    assert truth["network"]["unattached_payment_txn_ids"], "some payments are tied to no attack"
    for attack in paid:
        (txn,) = attack["payment_txn_ids"]
        row = rows[txn]
        days = (date.fromisoformat(row["timestamp"][:10]) - date.fromisoformat(attack["date"])).days
        assert 1 <= days <= 10
        assert _key(row, "to") in cell_accounts
        assert abs(_usd(row, usd_rate) / (attack["casualties"] * price) - 1) <= 0.0501
    for attack in truth["attacks"]:
        if not attack["paid"]:
            assert attack["payment_txn_ids"] == []
    assert truth["control_attacks"] and all("payment_txn_ids" not in a for a in truth["control_attacks"])


def test_control_group_banks_but_is_not_paid_per_casualty(generated: GeneratedCase,
                                                        usd_rate: dict[tuple[str, str], float]) -> None:
    """A real negative control: commanders with accounts and ordinary income, unrelated to attacks."""
    truth = generated.truth
    net, ctl = truth["network"], truth["network"]["control_group"]
    holders = dict(zip((f"{b}:{a}" for b, a in zip(generated.accounts["bank_id"].to_pylist(),
                                                  generated.accounts["account_id"].to_pylist(), strict=True)),
                       generated.accounts["holder_entity_id"].to_pylist(), strict=True))
    sanctions = [json.loads(line) for line in (generated.out / "entities" / "sanctions.jsonl").open(encoding="utf-8")]
    members = {(m["properties"]["member"][0], m["properties"]["organization"][0])
               for m in sanctions if m["schema"] == "Membership"}
    group_id = next(i for i in ctl["entity_ids"] if i.startswith("sanctions-"))
    assert len(ctl["members"]) >= 2
    assert ctl["accounts"] == [a for m in ctl["members"] for a in m["accounts"]]
    assert ctl["member_entity_ids"] == [e for m in ctl["members"] for e in m["entity_ids"]]
    for member in ctl["members"]:
        (account,) = member["accounts"]
        assert holders[account] in member["entity_ids"]
        assert (next(i for i in member["entity_ids"] if i.startswith("sanctions-")), group_id) in members
    rows = generated.rows_by_id()
    income = [rows[t] for t in ctl["income_txn_ids"]]
    assert len(income) >= 30
    assert {_key(r, "to") for r in income} == set(ctl["accounts"])
    assert len({_key(r, "from") for r in income}) >= 0.8 * len(income), "many different senders"
    network_accounts = {a for k in ("sponsor", "front") for a in net[k]["accounts"] + net[k]["operating_accounts"]}
    network_accounts |= {a for b in net["brokers"] for a in b["accounts"] + b["operating_accounts"]}
    assert not {_key(r, "from") for r in income} & network_accounts, "no network money reaches the control"
    assert len({r["timestamp"][:4] for r in income}) >= 2, "income spread over the years"
    assert set(ctl["income_txn_ids"]) <= set(generated.txns["txn_id"].to_pylist()), "bank rows, not hearsay"
    # Amounts are not priced per casualty: few, if any, sit within 5% of the price times an attack's toll.
    price = net["price_per_casualty"]
    tolls = {a["casualties"] for a in truth["control_attacks"]}
    priced = [r for r in income if any(abs(_usd(r, usd_rate) / (c * price) - 1) <= 0.05 for c in tolls)]
    assert len(priced) <= len(income) // 5


def test_money_reaches_each_hop_before_it_leaves(generated: GeneratedCase,
                                                 usd_rate: dict[tuple[str, str], float]) -> None:
    truth = generated.truth
    net = truth["network"]
    rows = generated.rows_by_id()
    ids = {t for tr in net["tranches"] for v in tr.values() for t in v}
    ids |= {t for a in truth["attacks"] for t in a["payment_txn_ids"]} | set(net["unattached_payment_txn_ids"])
    flows = sorted((rows[t] for t in ids), key=lambda r: r["timestamp"])
    sponsor = net["sponsor"]["accounts"][0]
    balance: dict[str, float] = {}
    for row in flows:
        src, dst, amount = _key(row, "from"), _key(row, "to"), _usd(row, usd_rate)
        if src != sponsor:
            assert balance.get(src, 0.0) >= amount * 0.98, f"{row['txn_id']} leaves {src} before money arrived"
        balance[src] = balance.get(src, 0.0) - amount
        balance[dst] = balance.get(dst, 0.0) + amount
    sent = -balance[sponsor]
    to_cells = sum(balance[c["accounts"][0]] for c in net["cells"])
    assert to_cells / sent == pytest.approx(net["share_to_cells"], rel=0.03)
    assert 0.8 < net["share_to_cells"] < 1.0


def test_country_route(generated: GeneratedCase) -> None:
    net = generated.truth["network"]
    country = dict(zip((f"{b}:{a}" for b, a in zip(generated.accounts["bank_id"].to_pylist(),
                                                  generated.accounts["account_id"].to_pylist(), strict=True)),
                       generated.accounts["country"].to_pylist(), strict=True))
    route = [country[net["sponsor"]["accounts"][0]], *(country[b["accounts"][0]] for b in net["brokers"]),
             *sorted({country[c["accounts"][0]] for c in net["cells"]})]
    assert route == net["country_route"]


def test_reported_transfers_are_described_in_their_documents(generated: GeneratedCase) -> None:
    sources = yaml.safe_load((generated.out / "documents" / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    paths = {s["id"]: generated.out / "documents" / s["path"] for s in sources}
    reported = generated.reported.to_pylist()
    assert {r["channel"] for r in reported} == {"cash", "hawala"}
    assert sorted(r["txn_id"] for r in reported) == generated.truth["network"]["reported_txn_ids"]
    for r in reported:
        text = paths[r["source_ref"]].read_text(encoding="utf-8")
        when = datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00"))
        assert f"{r['currency']} {float(r['amount']):,.2f}" in text
        assert when.strftime("%d %B %Y") in text
