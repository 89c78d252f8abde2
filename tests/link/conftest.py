from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from moneytrail.model.ids import statement_id
from moneytrail.store import Case
from moneytrail.store.sources import SourceRecord, upsert_source
from tests.casebuild import build_generated_case

PRICE = 1_800.0
START = datetime(2022, 1, 1, tzinfo=UTC)


def _statement(case: Case, entity_id: str, schema: str, prop: str, value: str, source: str) -> None:
    case.engine.execute(
        "INSERT INTO statements (statement_id, entity_id, schema, prop, value, source_id) VALUES (?, ?, ?, ?, ?, ?)",
        [statement_id(entity_id, schema, prop, value, source), entity_id, schema, prop, value, source])


def build_link_case(case: Case, seed: int = 3, attacks: int = 18, control_attacks: int = 12) -> dict[str, float]:
    """A paid group (bounty per casualty to its members' accounts) and an unpaid control group whose
    member receives ordinary payments. All names fictional."""
    rng = np.random.default_rng(seed)
    upsert_source(case, SourceRecord("sanctions", "sanctions_list", "list"))
    upsert_source(case, SourceRecord("kyc", "bank_record", "kyc"))
    upsert_source(case, SourceRecord("acled", "event_dataset", "events"))
    upsert_source(case, SourceRecord("ledger", "bank_record", "ledger"))
    for org, names in (("org-paid", ["Kestrel Ridge Front", "Фронт Кестрел Ридж"]),
                       ("org-ctrl", ["Silver Marsh Company"])):
        for n in names:
            _statement(case, org, "Organization", "name", n, "sanctions")
    members = {"m1": ("org-paid", "Tarvin Oslek"), "m2": ("org-paid", "Bexa Lunmar"), "m3": ("org-ctrl", "Corvin Dale")}
    for mid, (org, name) in members.items():
        _statement(case, mid, "Person", "name", name, "sanctions")
        _statement(case, f"ms-{mid}", "Membership", "member", mid, "sanctions")
        _statement(case, f"ms-{mid}", "Membership", "organization", org, "sanctions")
        # The bank knows the member under its own id; resolution tied the two.
        case.engine.execute("INSERT INTO entity_canonical VALUES (?, ?), (?, ?)", [mid, mid, f"kyc-{mid}", mid])
        case.engine.execute("INSERT INTO accounts (account_key, account_id, holder_entity_id, source_id) "
                            "VALUES (?, ?, ?, 'kyc')", [f"bk:{mid}", mid, f"kyc-{mid}"])
    events: list[dict[str, object]] = []
    txns: list[dict[str, object]] = []
    span = 700
    groups = (("paid", "Kestrel Ridge Front (KRF)", attacks), ("ctrl", "Silver Marsh Company", control_attacks))
    for group, label, n in groups:
        days = np.sort(rng.choice(span, size=n, replace=False))
        cas = 1 + rng.poisson(6, size=n)
        for i, (d, c) in enumerate(zip(days, cas, strict=True)):
            eid = f"EV-{group}-{i:03d}"
            events.append({"event_id": eid, "event_date": (START + timedelta(days=int(d))).date(), "actor1": label,
                           "actor2": "Provincial Guard", "fatalities": int(c), "source_id": "acled"})
            if group == "paid" and i % 6 != 5:  # most attacks are paid
                ts = START + timedelta(days=int(d) + float(rng.uniform(2, 9)))
                txns.append({"txn_id": f"pay-{i:03d}", "ts": ts.replace(tzinfo=None), "from_account": "bk:broker",
                             "to_account": f"bk:m{1 + i % 2}",
                             "amount": round(float(c) * PRICE * float(rng.uniform(0.96, 1.04)), 2)})
    for k in range(25):  # ordinary payments: to all members, amounts unrelated to any attack
        ts = START + timedelta(days=float(rng.uniform(0, span)))
        txns.append({"txn_id": f"noise-{k:03d}", "ts": ts.replace(tzinfo=None), "from_account": "bk:shop",
                     "to_account": f"bk:m{1 + k % 3}", "amount": round(float(rng.lognormal(8.5, 0.8)), 2)})
    case.engine.register_arrow("_ev", pa.Table.from_pylist(events))
    case.engine.execute("INSERT INTO events (event_id, event_date, actor1, actor2, fatalities, source_id) "
                        "SELECT event_id, event_date, actor1, actor2, fatalities, source_id FROM _ev")
    case.engine.register_arrow("_tx", pa.Table.from_pylist(txns))
    case.engine.execute("INSERT INTO transactions (txn_id, ts, from_account, to_account, amount, currency, amount_rc, "
                        "source_id) SELECT txn_id, ts, from_account, to_account, amount, 'USD', amount, 'ledger' "
                        "FROM _tx")
    return {"price": PRICE}


@pytest.fixture
def link_case(case: Case) -> Case:
    build_link_case(case)
    return case


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Case, dict[str, Any]]]:
    case, truth = build_generated_case(tmp_path_factory.mktemp("generated"))
    yield case, truth
    case.close()


@pytest.fixture
def link_case_dir(tmp_path: Path) -> Path:
    """The paid/control case on disk, for the CLI."""
    with Case.create(tmp_path / "case") as c:
        build_link_case(c)
    return tmp_path / "case"
