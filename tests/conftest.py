from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from moneytrail.store import Case

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def case(tmp_path: Path) -> Iterator[Case]:
    c = Case.create(tmp_path / "case")
    yield c
    c.close()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA
