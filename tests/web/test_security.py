"""The explorer answers only for this machine's names (DNS rebinding) and sends its security headers."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from moneytrail.store import Case
from moneytrail.web.app import create_app
from moneytrail.web.security import ALLOWED_HOSTS_ENV, host_name, secure


@pytest.fixture
def case_file(tmp_path: Path) -> Path:
    Case.create(tmp_path / "case").close()
    return tmp_path / "case"


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1.evil.example", "localhost.evil",
                                  "[::2]:8765", ""])
def test_other_hosts_get_421(case_file: Path, host: str) -> None:
    with TestClient(create_app(case_file), base_url="http://127.0.0.1") as client:
        response = client.get("/api/search?q=x", headers={"host": host})
    assert response.status_code == 421 and "application/json" not in response.headers["content-type"]
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:8765", "localhost:8765", "LOCALHOST", "[::1]:8765"])
def test_local_hosts_are_answered_with_security_headers(case_file: Path, host: str) -> None:
    with TestClient(create_app(case_file), base_url="http://127.0.0.1") as client:
        response = client.get("/api/search?q=x", headers={"host": host})
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in response.headers["content-security-policy"]


def test_allow_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOWED_HOSTS_ENV, "cases.internal")
    app = FastAPI()
    app.get("/")(lambda: {"ok": True})
    secure(app, ["other.internal:9000"])
    client = TestClient(app, base_url="http://127.0.0.1")
    assert client.get("/", headers={"host": "cases.internal:8765"}).status_code == 200
    assert client.get("/", headers={"host": "other.internal"}).status_code == 200
    assert client.get("/", headers={"host": "evil.example"}).status_code == 421


def test_host_name() -> None:
    assert [host_name(h) for h in ("A.example:80", "[::1]:8765", "::1", "localhost")] == \
        ["a.example", "::1", "::1", "localhost"]
