"""``generate_case``: build a whole synthetic case folder (layout in docs/architecture.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from moneytrail.generate.accounts import Accounts, HexIds, Kind, add_background, background_size, make_banks
from moneytrail.generate.background import blocks, build_economy
from moneytrail.generate.cast import (
    BROKERS,
    COMMANDERS,
    CONTROL_COMMANDERS,
    CONTROL_GROUP,
    FRONT,
    GROUP,
    OFFICER,
    SPONSOR,
    Party,
)
from moneytrail.generate.config import GenerateConfig
from moneytrail.generate.csvfile import write_plain_csv
from moneytrail.generate.documents import build_documents, write_claims, write_documents
from moneytrail.generate.entities import (
    confusable_pairs,
    identity_clusters,
    kyc_entities,
    registry_copies,
    registry_entities,
    sanctions_entities,
    write_jsonl,
)
from moneytrail.generate.events import write_events
from moneytrail.generate.ledger import CHANNELS, Ledger
from moneytrail.generate.money import BACKGROUND_COUNTRIES, BACKGROUND_WEIGHTS, build_rates, write_rates
from moneytrail.generate.network import ROUTE, Network, add_party_accounts, entity_id, plant_network
from moneytrail.generate.truth import write_truth
from moneytrail.generate.typologies import Attempt, Planter, plant_typologies
from moneytrail.generate.writer import TransactionWriter, money_text, time_text

BANKS_PER_COUNTRY = 2


def generate_case(out: Path, config: GenerateConfig) -> dict[str, Any]:
    """Write a synthetic case into ``out`` and return its truth (also written to ``out/truth.json``)."""
    if config.mix_patterns:
        from moneytrail.generate.amlworld import generate_mixed

        return generate_mixed(out, config)
    out.mkdir(parents=True, exist_ok=True)
    r_rates, r_accounts, r_network, r_typ, r_bg, r_events = (
        np.random.default_rng(s) for s in np.random.SeedSequence(config.seed).spawn(6))
    rates = build_rates(r_rates, config.start, config.months)
    countries = (*BACKGROUND_COUNTRIES, "tj", "af")
    banks = make_banks(r_accounts, countries, BANKS_PER_COUNTRY)
    weights = np.repeat(np.asarray([*BACKGROUND_WEIGHTS, 0.0, 0.0]) / BANKS_PER_COUNTRY, BANKS_PER_COUNTRY)
    accounts = Accounts(rates, banks)
    hexids = HexIds(r_accounts)
    add_background(accounts, r_accounts, hexids, background_size(config.transactions), banks, weights / weights.sum())
    by_country: dict[str, list[Any]] = {}
    for bank in banks:
        by_country.setdefault(bank.country, []).append(bank)
    account_of = add_party_accounts(accounts, hexids, by_country)

    kinds = accounts.kinds()
    currency = accounts.currency_index()
    bank_index = {b.bank_id: i for i, b in enumerate(banks)}
    bank_of = np.asarray([bank_index[b] for b in accounts.bank_id], dtype=np.int64)
    desk_of_bank = np.zeros(len(banks), dtype=np.int64)
    desks = np.flatnonzero(kinds == Kind.CASH_DESK)
    desk_of_bank[bank_of[desks]] = desks

    ledger = Ledger()
    network = plant_network(r_network, ledger, accounts, rates, account_of, config.attacks, config.control_attacks,
                            config.price_per_casualty)
    pool = np.flatnonzero((kinds == Kind.INDIVIDUAL) | (kinds == Kind.COMPANY))
    t_min = int(rates.months[0].timestamp()) + 86_400
    t_max = int(rates.months[-1].timestamp()) - 86_400
    planter = Planter(r_typ, ledger, rates, pool, currency, desk_of_bank[bank_of], t_min, t_max,
                      config.reporting_threshold)
    attempts = plant_typologies(planter, config.typology_counts)

    written = ledger.txns(reported=False)
    n_background = config.transactions - len(written)
    if n_background < config.transactions // 10:
        raise ValueError(f"{len(written)} planted rows leave too little background in {config.transactions} "
                         "transactions: ask for more transactions or fewer typologies")
    economy = build_economy(r_bg, kinds, bank_of, desk_of_bank, currency, n_background, config.months)
    labelled = np.zeros(len(ledger), dtype=bool)
    for a in attempts:
        labelled[a.rows] = True
    with TransactionWriter(out / "transactions.csv", accounts, rates, config.fmt, len(ledger), labelled) as writer:
        for block in blocks(economy, rates, r_bg, written, config.chunk_rows):
            writer.write(block)
    reported_ids = _write_reported(out / "reported_transfers.csv", ledger, accounts)

    accounts.write_csv(out / "accounts.csv")
    (out / "entities").mkdir(exist_ok=True)
    copies, copy_pairs = registry_copies(accounts)
    write_jsonl(out / "entities" / "registry.jsonl", registry_entities() + copies)
    write_jsonl(out / "entities" / "bank_kyc.jsonl", kyc_entities(accounts))
    write_jsonl(out / "entities" / "sanctions.jsonl", sanctions_entities())
    write_events(out / "events.csv", network, r_events)
    docs = build_documents(network, ledger, accounts, rates.months[-1])
    write_documents(out, docs)
    write_claims(out / "claims.csv", network, ledger)
    write_rates(out / "rates.csv", rates)

    def txn(row: int) -> str:
        return reported_ids[row] if row in reported_ids else writer.txn_id(row)

    truth = {
        "seed": config.seed, "transactions": writer.written, "format": config.fmt,
        "period": {"start": rates.months[0].strftime("%Y-%m-%dT%H:%M:%SZ"),
                   "end": rates.months[-1].strftime("%Y-%m-%dT%H:%M:%SZ")},
        "reporting_threshold": config.reporting_threshold,
        "network": _network_truth(network, accounts, txn, sorted(reported_ids.values())),
        "attacks": [{"event_id": a.event_id, "date": a.date.strftime("%Y-%m-%d"), "casualties": a.casualties,
                     "paid": a.paid, "payment_txn_ids": [txn(r) for r in a.payment_rows],
                     "cell": COMMANDERS[a.cell].key} for a in network.attacks],
        "control_attacks": [{"event_id": a.event_id, "date": a.date.strftime("%Y-%m-%d"),
                             "casualties": a.casualties} for a in network.control_attacks],
        "typologies": [_attempt_truth(a, accounts, txn, writer.line) for a in attempts],
        "identities": identity_clusters() + copy_pairs,
        "confusables": confusable_pairs(),
        "documents": [{"source_id": d.source_id, "cites": d.cites, "original": not d.cites,
                       "root": _root(d.source_id, {x.source_id: x.cites for x in docs})} for d in docs],
    }
    write_truth(out / "truth.json", truth)
    return truth


def _root(source_id: str, cites: dict[str, list[str]]) -> str:
    while cites.get(source_id):
        source_id = cites[source_id][0]
    return source_id


def _ids(party: Party) -> list[str]:
    return [entity_id(s, party.key) for s in ("registry", "kyc", "sanctions") if s in party.names]


def _network_truth(net: Network, accounts: Accounts, txn: Any, reported: list[str]) -> dict[str, Any]:
    def member(p: Party) -> dict[str, Any]:
        keys = [accounts.key(net.account_of[p.key])] if p.key in net.account_of else []
        ops = [accounts.key(net.account_of[f"{p.key}_ops"])] if f"{p.key}_ops" in net.account_of else []
        return {"entity_ids": _ids(p), "accounts": keys, "operating_accounts": ops, "name": p.names.get("docs", "")}

    brokers = [dict(member(b), country=b.country) for b in BROKERS]
    # The control group's commanders bank like the paid cells; only their income differs.
    control_members = [member(c) for c in CONTROL_COMMANDERS]
    control = dict(member(CONTROL_GROUP), members=control_members,
                   member_entity_ids=[e for m in control_members for e in m["entity_ids"]],
                   accounts=[a for m in control_members for a in m["accounts"]],
                   income_txn_ids=[txn(r) for r in net.control_income_rows])
    return {
        "sponsor": member(SPONSOR), "officer": member(OFFICER), "front": member(FRONT), "brokers": brokers,
        "cells": [member(c) for c in COMMANDERS], "group": member(GROUP), "control_group": control,
        "price_per_casualty": net.price_per_casualty, "currency": "USD",
        "sponsor_usd": round(net.sponsor_usd, 2), "cells_usd": round(net.cells_usd, 2),
        "share_to_cells": round(net.cells_usd / net.sponsor_usd, 6), "country_route": list(ROUTE),
        "tranches": [{hop: [txn(r) for r in rows] for hop, rows in t.items()} for t in net.tranche_rows],
        "unattached_payment_txn_ids": [txn(r) for r in net.unattached_rows],
        "reported_txn_ids": reported,
    }


def _attempt_truth(a: Attempt, accounts: Accounts, txn: Any, line: Any) -> dict[str, Any]:
    return {"attempt_id": a.attempt_id, "typology": a.typology, "detail": a.detail,
            "txn_ids": [txn(r) for r in a.rows], "lines": [line(r) for r in a.rows],
            "accounts": [accounts.key(i) for i in a.accounts]}


def _write_reported(path: Path, ledger: Ledger, accounts: Accounts) -> dict[int, str]:
    """Cash and hawala legs known only from documents, with the document's source id."""
    rep = ledger.txns(reported=True)
    order = np.argsort(rep.ts, kind="stable")
    rep = rep.take(order)
    ids = {int(row): f"r{k + 1:06d}" for k, row in enumerate(rep.tag.tolist())}
    src, dst = rep.src.tolist(), rep.dst.tolist()
    table = pa.table({
        "txn_id": [ids[int(r)] for r in rep.tag.tolist()], "timestamp": time_text(rep.ts, "iso"),
        "from_bank": [accounts.bank_id[i] for i in src], "from_account": [accounts.account_id[i] for i in src],
        "to_bank": [accounts.bank_id[i] for i in dst], "to_account": [accounts.account_id[i] for i in dst],
        "amount": money_text(rep.amount), "currency": [accounts.rates.codes[c] for c in rep.cur.tolist()],
        "channel": [CHANNELS[c] for c in rep.channel.tolist()],
        "source_ref": [ledger.reported[int(r)] for r in rep.tag.tolist()],
    })
    write_plain_csv(table, path)
    return ids
