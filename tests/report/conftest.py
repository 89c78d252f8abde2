from __future__ import annotations

from collections.abc import Iterator

import pytest

from moneytrail.report.sample import build_sample_case
from moneytrail.store import Case

# Module-scoped: building a case costs ~0.5 s and the report only reads it.


@pytest.fixture(scope="module")
def sample_case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    c = Case.create(tmp_path_factory.mktemp("sample") / "case")
    build_sample_case(c, transactions=300, accounts=20)
    yield c
    c.close()


@pytest.fixture(scope="module")
def hostile_case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    c = Case.create(tmp_path_factory.mktemp("hostile") / "case")
    build_sample_case(c, transactions=120, accounts=12, hostile=True)
    yield c
    c.close()
