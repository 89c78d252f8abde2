"""truth.json: everything the generator planted, so every stage can be scored against it.

Schema (native format; ids are those written in the case files)::

    {
      "seed": int, "transactions": int, "format": "native" | "amlworld",
      "period": {"start": "2021-01-01T00:00:00Z", "end": "..."},
      "reporting_threshold": 10000.0,
      "network": {
        "sponsor":  {"entity_ids": [...], "accounts": ["{bank_id}:{account_id}"], "name": "..."},
        # accounts carry only the network's money; the front's and brokers' "operating_accounts" hold
        # their ordinary business (same holder), so every taint rule gives the same share
        "officer":  {"entity_ids": [...], "accounts": [...]},
        "front":    {"entity_ids": [...], "accounts": [...]},
        "brokers":  [{"entity_ids": [...], "accounts": [...], "country": "ae"}, ...],  # in route order
        "cells":    [{"entity_ids": [...], "accounts": [...], "name": "..."}, ...],
        "group": {"entity_ids": [...], "name": "..."},
        # the control group (attacks, no bounty): its commanders hold accounts that receive only ordinary
        # money (remittances, trade) at times and amounts unrelated to its attacks
        "control_group": {"entity_ids": [...], "name": "...", "members": [{"entity_ids", "accounts", "name"}],
                          "member_entity_ids": [...], "accounts": [...], "income_txn_ids": [...]},
        "price_per_casualty": float, "currency": "USD",
        "sponsor_usd": float, "cells_usd": float,
        "share_to_cells": float,   # cells_usd / sponsor_usd (USD at each transfer's month); fees stay behind
        "country_route": ["ru", "ae", "tr", "tj", "af"],
        "tranches": [{"sponsor>front": [txn_id], ..., "broker_tj>cell": [...]}],  # one per paid order
        "unattached_payment_txn_ids": [...],
        "reported_txn_ids": [...]           # rows of reported_transfers.csv
      },
      "attacks": [{"event_id", "date", "casualties", "paid", "payment_txn_ids", "cell"}],
      "control_attacks": [{"event_id", "date", "casualties"}],
      "typologies": [{"attempt_id", "typology", "detail", "txn_ids", "lines", "accounts"}],
      "identities": [[entity ids of one real-world party]],
      "confusables": [[entity id, entity id]],   # similar names, different parties
      "documents": [{"source_id", "cites", "original": bool, "root": source id of the original}]
    }

Transaction ids are ``t0000000042`` in transactions.csv and ``r000001`` in reported_transfers.csv;
``lines`` are the rows' line numbers in transactions.csv (the header is line 1). With ``--format
amlworld`` the file has no ids, so ``txn_ids`` are the ids the ingest stage gives such rows:
``<first 12 hex of the file's sha1>:<line>``. The ``--mix-patterns`` truth has only ``seed``,
``transactions``, ``background_transactions``, ``pattern_files``, ``period`` and ``typologies``, each
typology also with ``origin_file``/``origin_line`` (its BEGIN line in the patterns file) and ``rows`` as
``[timestamp, from_bank, from_account, to_bank, to_account, amount received]``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_truth(path: Path, truth: dict[str, Any]) -> None:
    path.write_text(json.dumps(truth, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


def read_truth(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
