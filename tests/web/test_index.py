"""The explorer index (web/index.py) gives the same answers as computing its tables from the case, lives
beside the case (never in the temp folder), is reused by a restarted server and rebuilt for a changed case."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from moneytrail.store import Case
from moneytrail.web.app import create_app
from moneytrail.web.derived import DERIVED
from tests.web.conftest import HOSTILE_ENTITY

LOCAL = "http://127.0.0.1"  # the explorer answers only for this machine's names (web/security.py)
URLS = ["/api/entities/ent-front", f"/api/entities/{HOSTILE_ENTITY}", "/api/accounts/BNK:0000001",
        "/api/transactions?account=BNK:0000001&limit=500", "/api/transactions?entity=ent-front&sort=amount",
        "/api/transactions?entity=ent-front&counterparty=orin&date_from=2021-01-01",
        "/api/graph/neighbours?node=entity:ent-front", "/api/graph/neighbours?node=account:BNK:0000002&fold=false",
        f"/api/timeline?entity={HOSTILE_ENTITY}", "/api/timeline?actor=Hostile Trading", "/api/events/XX0000",
        "/api/events/XXH", "/api/search?q=hostile", "/api/search?q=a&limit=5", "/api/search?q=bnk",
        "/api/search?q=a&schema=Company&country=cy", "/api/findings?limit=500"]


def _finding_urls(client: TestClient) -> list[str]:
    ids = [f["finding_id"] for f in client.get("/api/findings?limit=500").json()["findings"]]
    return [u for i in ids for u in (f"/api/findings/{i}", f"/api/graph/findings/{i}")]


def test_index_and_computed_tables_agree(hostile_case: Path, tmp_path: Path) -> None:
    path = tmp_path / "index.duckdb"
    indexed = create_app(hostile_case, index_path=path)
    with TestClient(indexed, base_url=LOCAL) as fast, \
            TestClient(create_app(hostile_case, build_index=False), base_url=LOCAL) as slow:
        assert indexed.state.index.ready.wait(60), indexed.state.index.error
        assert set(indexed.state.index.sources()) == {d.name for d in DERIVED}
        assert all(s.startswith("mt_explorer_") for s in indexed.state.index.sources().values())
        urls = URLS + _finding_urls(slow)
        assert len(urls) > len(URLS) + 4
        for url in urls:
            a, b = fast.get(url), slow.get(url)
            assert a.status_code == b.status_code == 200, url
            assert a.json() == b.json(), url
        # part-way through a build: the tables built so far are read from the index, the others computed
        indexed.state.index._built = tuple(d.name for d in DERIVED[:len(DERIVED) // 2])
        assert 0 < len(indexed.state.index.sources()) < len(DERIVED)
        for url in urls:
            assert fast.get(url).json() == slow.get(url).json(), url
    assert path.exists()

    # An app still open on the case keeps DuckDB's database (and what the first app attached) alive; a
    # restarted app in the same process reuses the attached file.
    with TestClient(create_app(hostile_case, build_index=False), base_url=LOCAL):
        for _ in range(2):
            again = create_app(hostile_case, index_path=path)
            with TestClient(again, base_url=LOCAL):
                assert again.state.index.ready.wait(60), again.state.index.error
                assert again.state.index.seconds is not None and again.state.index.seconds < 5  # reused


def test_index_beside_the_case_and_rebuilt_when_the_case_changes(hostile_case: Path, tmp_path: Path) -> None:
    folder = tmp_path / "case"
    shutil.copytree(hostile_case, folder, ignore=shutil.ignore_patterns("*.explorer.duckdb*"))
    before = set(Path(tempfile.gettempdir()).glob("*explorer*.duckdb"))
    app = create_app(folder)
    with TestClient(app, base_url=LOCAL) as client:
        assert app.state.index.ready.wait(60), app.state.index.error
        assert client.get("/api/search?q=renamed+holding").json()["entity_total"] == 0
    assert app.state.index.path.parent == folder and app.state.index.path.name.endswith(".explorer.duckdb")
    assert set(Path(tempfile.gettempdir()).glob("*explorer*.duckdb")) == before  # nothing left in the temp folder

    with Case.open(folder) as case:  # a later ingest renames the front company
        case.engine.upsert("statements", ["statement_id"], "SELECT statement_id, 'Renamed Holding' AS value FROM "
                           "statements WHERE entity_id = 'ent-front' AND prop = 'name'", insert_missing=False)
    app = create_app(folder)
    with TestClient(app, base_url=LOCAL) as client:
        assert app.state.index.ready.wait(60), app.state.index.error
        found = client.get("/api/search?q=renamed+holding").json()
        assert [e["entity_id"] for e in found["entities"]] == ["ent-front"]
        assert found["entities"][0]["name"] == "Renamed Holding"


def test_index_and_computed_tables_agree_on_the_demo_case(demo_case: tuple[Path, dict[str, Any]],
                                                          tmp_path: Path) -> None:
    """On the demo (every stage run): resolved entities with their merges, search facets, a trace finding."""
    case_path = demo_case[0]
    with Case.open(case_path, read_only=True) as case:
        merged = [str(r[0]) for r in case.engine.rows(
            "SELECT c.canonical_id FROM entity_canonical c JOIN resolve_pairs p ON p.left_id = c.entity_id "
            "JOIN entity_canonical d ON d.entity_id = p.right_id AND d.canonical_id = c.canonical_id "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 3")]
    assert merged, "the demo resolves some entities from scored pairs"
    indexed = create_app(case_path, index_path=tmp_path / "index.duckdb")
    with TestClient(indexed, base_url=LOCAL) as fast, \
            TestClient(create_app(case_path, build_index=False), base_url=LOCAL) as slow:
        assert indexed.state.index.ready.wait(120), indexed.state.index.error
        for cid in merged:
            a, b = fast.get(f"/api/entities/{cid}").json(), slow.get(f"/api/entities/{cid}").json()
            assert a == b
            assert a["merges"] and len(a["members"]) >= 2  # why they merged, pair by pair
            assert {p["left_id"] for p in a["merges"]} <= {m["entity_id"] for m in a["members"]}
            assert all(p["explanation"]["signals"] for p in a["merges"])  # built on demand (resolve.explain)
        search = "/api/search?q=%D0%AF%D1%85%D0%BE%D0%BD%D1%82"  # Яхонт
        a = fast.get(search).json()
        assert a == slow.get(search).json() and a["entity_total"] >= 1 and a["facets"]["schema"]
        for f in fast.get("/api/findings?kind=trace&limit=2").json()["findings"]:
            url = f"/api/findings/{f['finding_id']}"
            assert fast.get(url).json() == slow.get(url).json()
