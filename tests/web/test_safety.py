"""Read-only and local: writes are refused, and path traversal and SQL injection through every parameter of
every route fail safely (a 4xx or an empty answer, never a 5xx, never a changed case)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from moneytrail.store import Case
from moneytrail.web.app import create_app

INJECTIONS = ("' OR '1'='1", "'; DROP TABLE transactions; --", "x') UNION SELECT * FROM sources --",
              "1; CHECKPOINT", "\" OR 1=1 --", "%' OR 1=1 OR lower(name) LIKE '%", "entity:x' OR '1'='1")
TRAVERSALS = ("../../../../etc/passwd", "..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e/%2e%2e/pyproject.toml",
              "....//....//etc/passwd", "/etc/passwd", "..\\..\\windows\\win.ini")


@pytest.fixture(scope="module")
def client(hostile_case: Path) -> Iterator[TestClient]:
    with TestClient(create_app(hostile_case), base_url="http://127.0.0.1") as tc:
        yield tc


def _digest(path: Path) -> str:
    with Case.open(path, read_only=True) as c:
        counts = [c.count(t) for t in ("transactions", "accounts", "statements", "findings", "sources", "events")]
    return hashlib.sha256(repr(counts).encode()).hexdigest()


def _routes(client: TestClient) -> list[tuple[str, list[dict[str, Any]]]]:
    schema = client.get("/api/openapi.json").json()
    return [(path, op.get("parameters", [])) for path, ops in schema["paths"].items() for op in ops.values()]


def test_writes_are_refused(client: TestClient) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        for url in ("/api/search", "/api/findings/x", "/", "/entities/ent-front", "/api/openapi.json"):
            response = client.request(method, url)
            assert response.status_code == 405, (method, url)
            assert response.headers["allow"] == "GET, HEAD"


def test_the_case_is_opened_read_only(client: TestClient) -> None:
    from moneytrail.engine import EngineError

    case = client.app.state.case  # type: ignore[attr-defined]
    with pytest.raises(EngineError):
        case.engine.execute("CREATE TABLE t (x INT)")


def test_sql_injection_through_every_parameter(client: TestClient, hostile_case: Path) -> None:
    before = _digest(hostile_case)
    tried = 0
    for path, params in _routes(client):
        for payload in INJECTIONS:
            url = path
            for p in params:
                if p["in"] == "path":
                    url = url.replace("{" + p["name"] + "}", payload.replace("/", "%2F"))
            for p in params:
                query = {q["name"]: "1" for q in params if q["in"] == "query" and q.get("required")}
                if p["in"] == "query":
                    query[p["name"]] = payload
                response = client.get(url, params=query)
                tried += 1
                assert response.status_code < 500, (url, query, response.text[:300])
                if response.status_code == 200 and path == "/api/search":
                    assert response.json()["entity_total"] == 0  # the payload is a search text, nothing more
    assert tried > 100
    assert _digest(hostile_case) == before
    assert client.get("/api/entities/ent-front").status_code == 200


def test_path_traversal_reaches_no_file(client: TestClient) -> None:
    secret = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()[:40]
    for attempt in TRAVERSALS:
        for prefix in ("/assets/", "/entities/", "/accounts/", "/findings/", "/events/", "/api/accounts/"):
            response = client.get(prefix + attempt)
            assert response.status_code in (400, 404), (prefix, attempt, response.status_code)
            assert "root:" not in response.text and secret not in response.text
    assert client.get("/assets/explorer.js").status_code == 200
    assert client.get("/assets/app.py").status_code == 404
