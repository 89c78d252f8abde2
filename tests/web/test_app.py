from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from moneytrail.report.sample import build_sample_case
from moneytrail.store import Case
from moneytrail.web.app import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = tmp_path_factory.mktemp("web") / "case"
    with Case.create(path) as c:
        build_sample_case(c, transactions=100, accounts=12, hostile=True)
    with TestClient(create_app(Path(path)), base_url="http://127.0.0.1") as tc:
        yield tc


def test_search_finds_entities_and_accounts(client: TestClient) -> None:
    hits = client.get("/api/search", params={"q": "orin"}).json()
    assert {"kind": "entity", "id": "ent-broker-2", "label": "Orin Brask"} in hits
    accounts = client.get("/api/search", params={"q": "bnk:000001"}).json()
    assert sorted(h["id"] for h in accounts) == ["BNK:0000010", "BNK:0000011"]
    assert client.get("/api/search", params={"q": "  "}).json() == []


def test_account_with_transactions_and_findings(client: TestClient) -> None:
    data = client.get("/api/accounts/BNK:0000001").json()
    assert data["holder"] == "ent-front"
    assert data["transactions_total"] == len(data["transactions"])
    assert {"story-1", "story-2", "story-3"} <= {t["txn_id"] for t in data["transactions"]}
    titles = {f["typology"] for f in data["findings"]}
    assert {"fan-out", "follow"} <= titles
    assert client.get("/api/accounts/NOPE:1").status_code == 404


def test_finding_with_refs_and_sources(client: TestClient) -> None:
    top = client.get("/api/accounts/BNK:0000002").json()["findings"]
    broker = next(f for f in top if f["typology"] == "cash-broker")
    data = client.get(f"/api/findings/{broker['finding_id']}").json()
    assert {(r["ref_kind"], r["ref_id"]) for r in data["refs"]} >= {("transaction", "story-4"),
                                                                     ("source", "doc-hawala")}
    assert [s["source_id"] for s in data["sources"]] == ["doc-hawala"]
    assert client.get("/api/findings/unknown").status_code == 404


def test_pages_escape_data_and_forbid_scripts(client: TestClient) -> None:
    page = client.get("/", params={"q": "<script>"})
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page.text  # the hostile entity name, escaped
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    account = client.get("/accounts/BNK:0000000")
    assert account.status_code == 200 and "story-1" in account.text
    assert "<script" not in account.text.lower()
    assert client.get("/accounts/NOPE:1").status_code == 404


def test_read_only(client: TestClient) -> None:
    assert client.post("/api/search").status_code == 405
    assert client.delete("/api/findings/x").status_code == 405


def test_entity_with_statements_accounts_and_sources(client: TestClient) -> None:
    data = client.get("/api/entities/ent-sponsor").json()
    assert data["accounts"] == ["BNK:0000000"]
    names = [s for s in data["statements"] if s["prop"] == "name"]
    assert names[0]["value"].startswith("<script>") and names[0]["source_title"].startswith("Company registry")
    assert {f["typology"] for f in data["findings"]} == {"follow"}
    page = client.get("/entities/ent-sponsor")
    assert page.status_code == 200 and "&lt;script&gt;window.__xss" in page.text and "<script>" not in page.text
    assert client.get("/api/entities/nobody").status_code == 404
