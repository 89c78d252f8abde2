"""The case as a whole: layout, determinism, and agreement between truth.json and the files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from moneytrail.generate import GenerateConfig, generate_case
from tests.generate.conftest import GeneratedCase

LAYOUT = ["transactions.csv", "reported_transfers.csv", "accounts.csv", "entities/registry.jsonl",
          "entities/bank_kyc.jsonl", "entities/sanctions.jsonl", "events.csv", "documents/sources.yaml",
          "claims.csv", "rates.csv", "truth.json"]


def _digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_layout_and_headers(generated: GeneratedCase) -> None:
    for name in LAYOUT:
        assert (generated.out / name).is_file(), name
    header = (generated.out / "transactions.csv").read_text().split("\n", 1)[0]
    assert header == "txn_id,timestamp,from_bank,from_account,to_bank,to_account,amount,currency,channel"
    assert generated.txns.num_rows == 30_000
    assert generated.reported.column_names[-1] == "source_ref"
    assert generated.accounts.column_names == ["bank_id", "account_id", "holder_entity_id", "country", "currency",
                                               "iban"]


def test_values_are_well_formed(generated: GeneratedCase) -> None:
    ts = generated.txns["timestamp"].to_pylist()
    assert all(len(t) == 20 and t.endswith("Z") and t[10] == "T" for t in ts[:1000])
    assert ts == sorted(ts), "transactions are written in time order"
    amounts = generated.txns["amount"].to_pylist()
    assert all(a.count(".") == 1 and len(a.split(".")[1]) == 2 for a in amounts)
    assert min(float(a) for a in amounts) > 0
    ids = generated.txns["txn_id"].to_pylist()
    assert len(set(ids)) == len(ids)
    assert any(b.startswith("0") for b in generated.txns["from_bank"].to_pylist()), "bank ids keep leading zeros"


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    config = GenerateConfig(transactions=4_000, seed=3)
    generate_case(tmp_path / "a", config)
    generate_case(tmp_path / "b", config)
    generate_case(tmp_path / "c", GenerateConfig(transactions=4_000, seed=4))
    a, b, c = (_digests(tmp_path / x) for x in "abc")
    assert a == b
    assert set(a) == set(c)
    assert a["transactions.csv"] != c["transactions.csv"]
    assert a["truth.json"] != c["truth.json"]


def test_every_truth_txn_id_exists(generated: GeneratedCase) -> None:
    found = generated.rows_by_id()
    truth = generated.truth
    ids = [t for a in truth["typologies"] for t in a["txn_ids"]]
    ids += [t for a in truth["attacks"] for t in a["payment_txn_ids"]]
    assert ids and all(t in found for t in ids)
    keys = {f"{b}:{a}" for b, a in zip(generated.accounts["bank_id"].to_pylist(),
                                       generated.accounts["account_id"].to_pylist(), strict=True)}
    for attempt in truth["typologies"]:
        assert set(attempt["accounts"]) <= keys
        rows = [found[t] for t in attempt["txn_ids"]]
        touched = {f"{r['from_bank']}:{r['from_account']}" for r in rows} | {f"{r['to_bank']}:{r['to_account']}"
                                                                             for r in rows}
        assert touched == set(attempt["accounts"]), attempt["attempt_id"]


def test_smallest_case(tmp_path: Path) -> None:
    truth = generate_case(tmp_path / "small", GenerateConfig(transactions=1_000))
    lines = (tmp_path / "small" / "transactions.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1_001 == truth["transactions"] + 1
    assert len(truth["typologies"]) == 44 and len(truth["attacks"]) == 20


def test_small_chunks_keep_time_order_and_counts(tmp_path: Path) -> None:
    truth = generate_case(tmp_path / "chunked", GenerateConfig(transactions=8_000, chunk_rows=100))
    lines = (tmp_path / "chunked" / "transactions.csv").read_text(encoding="utf-8").splitlines()[1:]
    stamps = [line.split(",")[1] for line in lines]
    assert len(lines) == 8_000 and stamps == sorted(stamps)
    ids = {line.split(",")[0] for line in lines}
    assert all(t in ids for a in truth["typologies"] for t in a["txn_ids"])


def test_bad_config_is_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        GenerateConfig(fmt="xml")
    with pytest.raises(ValueError, match="unknown typologies"):
        GenerateConfig(typology_counts={"smurfing": 1})
    with pytest.raises(ValueError, match="mix_patterns"):
        GenerateConfig(mix_patterns=(Path("x.txt"),))


def test_too_many_planted_rows_for_the_size(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="too little background"):
        generate_case(tmp_path / "x", GenerateConfig(transactions=1_000, typology_counts={"stack": 60}))
