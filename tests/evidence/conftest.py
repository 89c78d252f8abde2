from __future__ import annotations

from pathlib import Path

import pytest

from moneytrail.model.ids import statement_id
from moneytrail.store import Case
from moneytrail.store.sources import SourceRecord, upsert_source

DATA = Path(__file__).resolve().parents[1] / "data" / "evidence"

# Fictional entities of the evidence fixtures, as a registry would state them.
ENTITIES = [
    ("e-zeph", "Company", "Zephyrine Trading LLC"),
    ("e-zeph", "Company", "Зефирин Трейдинг"),
    ("e-vostok", "Organization", "Vostok Amber Group"),
    ("e-orlan", "Person", "Orlan Tessaly"),
    ("e-kestrel", "Company", "Kestrel Depot"),
]


def seed_entities(case: Case) -> None:
    upsert_source(case, SourceRecord(source_id="registry-test", kind="registry", title="test registry"))
    for entity_id, schema, name in ENTITIES:
        prop = "name"
        case.engine.execute(
            "INSERT INTO statements (statement_id, entity_id, schema, prop, value, source_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [statement_id(entity_id, schema, prop, name, "registry-test"), entity_id, schema, prop, name,
             "registry-test"])


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def seeded(case: Case) -> Case:
    seed_entities(case)
    return case


@pytest.fixture
def seeded_case_dir(tmp_path: Path) -> Path:
    """A case on disk holding the fixture entities, for the CLI."""
    with Case.create(tmp_path / "case") as c:
        seed_entities(c)
    return tmp_path / "case"
