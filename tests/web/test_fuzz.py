"""Fuzzing the JSON API from its own OpenAPI schema (schemathesis): generated and edge-case parameters for
every operation never cause a server error. Examples are bounded so this stays well under a minute."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from moneytrail.web.app import create_app
from moneytrail.web.security import ALLOWED_HOSTS_ENV

MAX_EXAMPLES = 25  # per operation


def test_no_server_errors_anywhere_in_the_api(hostile_case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    schemathesis = pytest.importorskip("schemathesis")
    # schemathesis calls the app as host "testserver": allow it the way `serve --allow-host` would.
    monkeypatch.setenv(ALLOWED_HOSTS_ENV, "testserver")
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", create_app(hostile_case))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    calls: list[int] = []
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case: Any) -> None:
            response = case.call()
            calls.append(response.status_code)
            assert response.status_code < 500, \
                f"{case.method} {case.formatted_path} {case.query}: {response.text[:300]}"

        fuzz()
    assert len(calls) >= 5 * len(operations)
    assert any(code == 200 for code in calls) and any(400 <= code < 500 for code in calls)
    print(f"schemathesis: {len(calls)} calls over {len(operations)} operations, no 5xx")
