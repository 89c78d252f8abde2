"""The explorer's JSON API and pages on the hostile sample case: search with facets, entity, account,
transactions with filters and CSV, findings, graph, timeline and events; errors are clear 404/400s."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from moneytrail.web.app import create_app
from tests.web.conftest import HOSTILE_ENTITY


@pytest.fixture(scope="module")
def client(hostile_case: Path) -> Iterator[TestClient]:
    with TestClient(create_app(hostile_case), base_url="http://127.0.0.1") as tc:
        yield tc


def test_search_names_in_any_script_ids_ibans_and_memos(client: TestClient) -> None:
    hits = client.get("/api/search", params={"q": "orin"}).json()
    assert [(e["entity_id"], e["name"]) for e in hits["entities"]] == [("ent-broker-2", "Orin Brask")]
    assert hits["entities"][0]["countries"] == ["ae"] and hits["entities"][0]["accounts"] == 1
    cyrillic = client.get("/api/search", params={"q": "Кестрел"}).json()
    assert [e["entity_id"] for e in cyrillic["entities"]] == ["ent-front"]
    assert [e["entity_id"] for e in client.get("/api/search", params={"q": "النجم"}).json()["entities"]] == \
        ["ent-broker-1"]
    accounts = client.get("/api/search", params={"q": "bnk:000001"}).json()["accounts"]
    assert sorted(a["account_key"] for a in accounts) == ["BNK:0000010", "BNK:0000011"]
    memo = client.get("/api/search", params={"q": "invoice"}).json()["transactions"]
    assert {"story-1", "hostile-0"} <= {t["txn_id"] for t in memo}
    # LIKE wildcards are literal: "%" finds nothing rather than everything
    assert client.get("/api/search", params={"q": "%"}).json()["entity_total"] == 0
    assert client.get("/api/search", params={"q": "  "}).json()["entities"] == []


def test_search_facets_filter_and_count(client: TestClient) -> None:
    everyone = client.get("/api/search", params={"q": "e"}).json()
    schemas = {f["value"]: f["count"] for f in everyone["facets"]["schema"]}
    assert schemas["Person"] >= 2 and schemas["Company"] >= 2
    people = client.get("/api/search", params={"q": "e", "schema": "Person"}).json()
    assert people["entity_total"] == schemas["Person"]
    assert all("Person" in e["schemas"] for e in people["entities"])
    ae = client.get("/api/search", params={"q": "e", "country": "AE"}).json()
    assert ae["entity_total"] >= 1 and all("ae" in e["countries"] for e in ae["entities"])
    assert {f["value"] for f in everyone["facets"]["dataset"]} == {"registry"}
    page = client.get("/?q=e&schema=Person")
    assert page.status_code == 200 and "Orin Brask" in page.text and "Talvek Supply" not in page.text


def test_entity_page_by_name_with_accounts_counterparties_documents_and_sources(client: TestClient) -> None:
    data = client.get("/api/entities/ent-front").json()
    assert data["name"] == "Кестрел Трейд ООО" or data["name"].endswith("Кестрел Трейд ООО")
    assert [a["account_key"] for a in data["accounts"]] == ["BNK:0000001"]
    acct = data["accounts"][0]
    assert acct["total_in"] > 0 and acct["total_out"] > 0
    names = {c["name"] for c in data["counterparties"] if c["is_entity"]}
    assert "Orin Brask" in names  # counterparties by holder name, not account number
    hostile = client.get(f"/api/entities/{HOSTILE_ENTITY}").json()
    assert len(hostile["names"]) == 5
    assert hostile["documents"][0]["quoted"] == "Hostile Trading"
    assert hostile["claims"][0]["relation"] == "paid"
    page = client.get("/entities/ent-front")
    assert "<title>Кестрел Трейд ООО" in page.text or "Кестрел Трейд ООО · moneytrail" in page.text
    sponsor = client.get("/api/entities/ent-sponsor").json()
    assert {f["typology"] for f in sponsor["findings"]} == {"follow"}
    chains = {tuple(c) for s in client.get("/api/entities/ent-broker-2").json()["sources"] for c in s["chains"]}
    assert chains == set()  # registry cites nothing
    assert client.get("/api/entities/nobody").status_code == 404


def test_transactions_filter_sort_page_and_csv(client: TestClient) -> None:
    base = {"account": "BNK:0000001"}
    everything = client.get("/api/transactions", params=base | {"limit": 500}).json()
    assert everything["total"] == len(everything["transactions"]) > 3
    window = client.get("/api/transactions", params=base | {"date_from": "2022-02-05", "date_to": "2022-02-16",
                                                            "limit": 500}).json()
    assert window["total"] < everything["total"]
    assert all("2022-02-05" <= t["ts"][:10] <= "2022-02-16" for t in window["transactions"])
    big = client.get("/api/transactions", params=base | {"min_amount": 100_000, "sort": "amount",
                                                         "order": "asc"}).json()["transactions"]
    assert [t["txn_id"] for t in big] == ["story-3", "story-2", "story-1"]
    assert big[0]["to_account_name"] == "Orin Brask" or big[0]["to_account_holder"]
    broker = client.get("/api/transactions", params=base | {"counterparty": "orin"}).json()["transactions"]
    assert "story-3" in {t["txn_id"] for t in broker}
    assert {t["to_account_holder"] if t["direction"] == "out" else t["from_account_holder"] for t in broker} == \
        {"ent-broker-2"}
    paged = client.get("/api/transactions", params=base | {"limit": 2, "offset": 2}).json()
    assert [t["txn_id"] for t in paged["transactions"]] == [t["txn_id"] for t in everything["transactions"][2:4]]
    hostile = client.get("/transactions.csv", params={"entity": HOSTILE_ENTITY, "date_to": "2022-03-03"})
    assert hostile.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(hostile.text)))
    assert [r["txn_id"] for r in rows] == ["hostile-2", "hostile-1", "hostile-0"]
    assert rows[0]["channel"].startswith("<script>")  # text, not a formula: no cell starts with = + - @
    assert all(not v or v[0] not in "=+-@" for r in rows for v in r.values())
    assert client.get("/api/transactions", params={"account": "A", "entity": "B"}).status_code == 400
    assert client.get("/api/transactions", params={"account": "NOPE:1"}).status_code == 404


def test_csv_cells_never_start_a_formula() -> None:
    from moneytrail.web.ledger import csv_safe
    assert csv_safe("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert csv_safe("+1+2") == "'+1+2" and csv_safe("@SUM(A1)") == "'@SUM(A1)" and csv_safe("-2+3") == "'-2+3"
    assert csv_safe("-12.5") == "-12.5" and csv_safe(None) == "" and csv_safe("plain") == "plain"


def test_findings_list_filters_and_finding_page(client: TestClient) -> None:
    everything = client.get("/api/findings").json()
    assert everything["total"] == 5
    assert client.get("/api/findings", params={"kind": "typology"}).json()["total"] == 3
    assert [f["typology"] for f in client.get("/api/findings", params={"grade": "C"}).json()["findings"]] == \
        ["follow", "bounty", "cash-broker"]  # graded from what they cite: the trace's hawala legs are C2
    assert client.get("/api/findings", params={"min_score": 0.8}).json()["total"] == 2
    assert client.get("/api/findings", params={"grade": "Z9"}).status_code == 400
    trace = next(f for f in everything["findings"] if f["kind"] == "trace")
    data = client.get(f"/api/findings/{trace['finding_id']}").json()
    assert {t["txn_id"] for t in data["transactions"]} >= {"story-1", "story-4"}
    assert len(data["sankey"]["links"]) >= 4 and data["finding"]["input_hash"]
    assert {s["source_id"] for s in data["sources"]} == {t["source_id"] for t in data["transactions"]}
    broker = next(f for f in everything["findings"] if f["typology"] == "cash-broker")
    assert [s["source_id"] for s in client.get(f"/api/findings/{broker['finding_id']}").json()["sources"]] == \
        ["doc-hawala"]
    link = next(f for f in everything["findings"] if f["kind"] == "link")
    timeline = client.get(f"/api/findings/{link['finding_id']}").json()["timeline"]
    assert [p["event_id"] for p in timeline["pairs"]] == ["XX0000", "XX0001", "XX0002"]
    page = client.get(f"/findings/{link['finding_id']}")
    assert 'href="/events/XX0000"' in page.text  # event ids are links
    assert client.get("/api/findings/unknown").status_code == 404


def test_graph_neighbours_fold_and_finding_graph(client: TestClient) -> None:
    folded = client.get("/api/graph/neighbours", params={"node": "entity:ent-front"}).json()
    ids = {n["id"] for n in folded["nodes"]}
    assert {"entity:ent-front", "entity:ent-broker-1", "entity:ent-broker-2", "entity:ent-sponsor"} <= ids
    assert next(n for n in folded["nodes"] if n["id"] == "entity:ent-broker-2")["label"] == "Orin Brask"
    raw = client.get("/api/graph/neighbours", params={"node": "account:BNK:0000001", "fold": "false"}).json()
    assert all(n["kind"] == "account" for n in raw["nodes"])
    assert "account:BNK:0000002" in {n["id"] for n in raw["nodes"]}
    late = client.get("/api/graph/neighbours", params={"node": "entity:ent-front", "date_from": "2030-01-01"}).json()
    assert late["edges"] == []
    rich = client.get("/api/graph/neighbours", params={"node": "entity:ent-front", "min_amount": 100_000}).json()
    assert all(e["amount"] >= 100_000 for e in rich["edges"]) and rich["edges"]
    trace = next(f for f in client.get("/api/findings").json()["findings"] if f["kind"] == "trace")
    cited = client.get(f"/api/graph/findings/{trace['finding_id']}").json()
    assert cited["edges"] and all(e["cited"] for e in cited["edges"])
    assert client.get("/api/graph/neighbours", params={"node": "nonsense"}).status_code == 400
    assert client.get("/api/graph/neighbours", params={"node": "entity:nobody"}).status_code == 404


def test_timeline_and_event_pages(client: TestClient) -> None:
    t = client.get("/api/timeline", params={"entity": HOSTILE_ENTITY}).json()
    assert t["counts"] == {"payment": 5, "event": 1, "document": 1, "claim": 1}
    assert [i["ts"] for i in t["items"]] == sorted(i["ts"] for i in t["items"])
    actor = client.get("/api/timeline", params={"actor": "hostile trading"}).json()
    assert [i["id"] for i in actor["items"] if i["kind"] == "event"] == ["XXH"]
    assert [x["entity_id"] for x in actor["entities"]] == [HOSTILE_ENTITY]
    assert actor["counts"]["payment"] == 5 and actor["counts"]["claim"] == 1
    ev = client.get("/api/events/XX0000").json()
    assert ev["findings"][0]["typology"] == "bounty"
    assert client.get("/api/events", params={"limit": 3}).json()["total"] == 7
    assert client.get("/api/events/none").status_code == 404
    assert client.get("/api/timeline").status_code == 400


def test_pages_render_with_viewport_and_clear_errors(client: TestClient) -> None:
    for url in ("/", "/?q=orin", "/entities/ent-front", "/accounts/BNK:0000001", "/transactions?account=BNK:0000001",
                "/findings", "/events", "/events/XX0000", "/timeline?entity=ent-front", "/graph?node=entity:ent-front"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
    missing = client.get("/entities/nobody")
    assert missing.status_code == 404 and "Not found" in missing.text and "nobody" in missing.text
    bad = client.get("/transactions?account=BNK:0000001&date_from=yesterday")
    assert bad.status_code == 400 and "date_from" in bad.text and "<h1>Bad request</h1>" in bad.text
    assert client.get("/no/such/page").status_code == 404
    assert client.get("/api/openapi.json").json()["info"]["title"] == "moneytrail explorer"


def test_transactions_page_sorts_by_column_headers(client: TestClient) -> None:
    page = client.get("/transactions", params={"account": "BNK:0000001", "sort": "amount", "order": "desc"})
    assert "amount ▼" in page.text
    assert "sort=amount&amp;order=asc" in page.text  # clicking the sorted column flips the order
    assert "sort=ts&amp;order=desc" in page.text


def test_source_facet_reads_as_titles(client: TestClient) -> None:
    facet = client.get("/api/search", params={"q": "orin"}).json()["facets"]["source"]
    assert facet == [{"value": "registry", "count": 1, "label": "Company registry of Xandria (synthetic)"}]
    assert client.get("/api/search", params={"q": "orin", "source": "registry"}).json()["entity_total"] == 1
