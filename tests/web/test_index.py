"""The account index (web/index.py) gives the same answers as reading the payments table, and is reused by a
restarted server."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from moneytrail.web.app import create_app
from tests.web.conftest import HOSTILE_ENTITY

URLS = ["/api/entities/ent-front", f"/api/entities/{HOSTILE_ENTITY}", "/api/accounts/BNK:0000001",
        "/api/transactions?account=BNK:0000001&limit=500", "/api/transactions?entity=ent-front&sort=amount",
        "/api/transactions?entity=ent-front&counterparty=orin&date_from=2021-01-01",
        "/api/graph/neighbours?node=entity:ent-front", "/api/graph/neighbours?node=account:BNK:0000002&fold=false",
        f"/api/timeline?entity={HOSTILE_ENTITY}", "/api/events/XX0000", "/api/events/XXH"]


def test_index_and_scan_agree(hostile_case: Path, tmp_path: Path) -> None:
    indexed = create_app(hostile_case)
    indexed.state.index.folder = tmp_path
    local = "http://127.0.0.1"  # the explorer answers only for this machine's names (web/security.py)
    with TestClient(indexed, base_url=local) as fast, \
            TestClient(create_app(hostile_case, account_index=False), base_url=local) as slow:
        assert indexed.state.index.ready.wait(60), indexed.state.index.error
        assert indexed.state.index.source_sql().startswith("mt_explorer_")
        for url in URLS:
            a, b = fast.get(url), slow.get(url)
            assert a.status_code == b.status_code == 200, url
            assert a.json() == b.json(), url
    assert len(list(tmp_path.glob("moneytrail-explorer-*.ready"))) == 1

    # An app still open on the case keeps DuckDB's database (and what the first app attached) alive; a
    # restarted app in the same process reuses the attached file.
    with TestClient(create_app(hostile_case, account_index=False), base_url="http://127.0.0.1"):
        for _ in range(2):
            again = create_app(hostile_case)
            again.state.index.folder = tmp_path
            with TestClient(again, base_url="http://127.0.0.1"):
                assert again.state.index.ready.wait(60), again.state.index.error
                assert again.state.index.seconds is not None and again.state.index.seconds < 5  # reused
