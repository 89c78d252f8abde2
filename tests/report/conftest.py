from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from moneytrail.report.sample import build_sample_case
from moneytrail.store import Case


@pytest.fixture
def sample_case(tmp_path: Path) -> Iterator[Case]:
    c = Case.create(tmp_path / "sample")
    build_sample_case(c, transactions=300, accounts=20)
    yield c
    c.close()


@pytest.fixture
def hostile_case(tmp_path: Path) -> Iterator[Case]:
    c = Case.create(tmp_path / "hostile")
    build_sample_case(c, transactions=120, accounts=12, hostile=True)
    yield c
    c.close()
