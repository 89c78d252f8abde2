"""The ``insert`` fixture: put hand-made transfers into the test case."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from moneytrail.store import Case
from tests.detect.graphs import Insert, Row, insert_rows


@pytest.fixture
def insert(case: Case) -> Insert:
    def _insert(rows: Sequence[Row]) -> None:
        insert_rows(case, rows)
    return _insert
