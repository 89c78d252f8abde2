from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

import pyarrow as pa
import pytest

from moneytrail.model.ids import statement_id
from moneytrail.store import Case

Row = tuple[str, str, str, str, str]
AddStatements = Callable[[Case, Iterable[Row]], None]


def add_statements(case: Case, rows: Iterable[Row]) -> None:
    """(entity_id, schema, prop, value, source_id) rows into the statements table."""
    for entity, schema, prop, value, source in rows:
        case.engine.execute(
            "INSERT INTO statements (statement_id, entity_id, schema, prop, value, source_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [statement_id(entity, schema, prop, value, source), entity, schema, prop, value, source])


# Fictional people and firms, spelled as different sources would spell them.
PEOPLE: list[Row] = [
    ("bank-1", "Person", "name", "Oleh Dmytrenko", "bank"),
    ("bank-1", "Person", "birthDate", "1980-04-12", "bank"),
    ("bank-1", "Person", "country", "ua", "bank"),
    ("reg-1", "Person", "name", "Дмитренко Олег", "registry"),
    ("reg-1", "Person", "birthDate", "1980-04-12", "registry"),
    ("reg-2", "Person", "firstName", "Olena", "registry"),
    ("reg-2", "Person", "lastName", "Dmytrenko", "registry"),
    ("reg-2", "Person", "birthDate", "1985-01-02", "registry"),
    ("bank-3", "Person", "name", "محمد الأحمد", "bank"),
    ("bank-3", "Person", "passportNumber", "P 778 201", "bank"),
    ("reg-3", "Person", "name", "Mohammed Al-Ahmad", "registry"),
    ("reg-3", "Person", "passportNumber", "P778201", "registry"),
    ("reg-4", "Person", "name", "Mohammed Al-Ahmad", "registry"),
    ("reg-4", "Person", "passportNumber", "K1002003", "registry"),
    ("bank-5", "Company", "name", "ООО Ромашка", "bank"),
    ("bank-5", "Company", "registrationNumber", "1027700132195", "bank"),
    ("reg-5", "Company", "name", "Romashka Ltd", "registry"),
    ("reg-5", "Company", "registrationNumber", "1027700132195", "registry"),
    ("reg-6", "Company", "name", "Romashka Holdings GmbH", "registry"),
    ("reg-6", "Company", "registrationNumber", "HRB 99120", "registry"),
]


# A fictional sanctions/PEP list in FtM JSON lines.
LIST = [
    {"id": "sl-1", "schema": "Person", "properties": {
        "name": ["Oleg Dmitrenko"], "alias": ["Дмитренко Олег Петрович"], "birthDate": ["1980-04-12"],
        "topics": ["sanction"]}},
    {"id": "sl-s1", "schema": "Sanction", "properties": {
        "entity": ["sl-1"], "program": ["Fictional Programme 7"], "reason": ["Financing of a fictional group"],
        "authority": ["Council of Nowhere"]}},
    {"id": "sl-2", "schema": "Company", "properties": {
        "name": ["Romashka Limited Liability Company"], "registrationNumber": ["1027700132195"]}},
    {"id": "sl-3", "schema": "Person", "properties": {"name": ["Zara Quillfeather"], "topics": ["role.pep"]}},
]


def born_the_same_day(names: Iterable[tuple[str, str]], born: str = "1971-05-11") -> list[Row]:
    """Person records (entity_id, name) of one source, all born on ``born``: pairs that differ by their names alone."""
    return [(entity, "Person", prop, value, "s1") for entity, name in names
            for prop, value in (("name", name), ("birthDate", born))]


def write_list_file(path: Path, entities: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entities), encoding="utf-8")
    return path



@pytest.fixture
def add_rows() -> AddStatements:
    return add_statements


@pytest.fixture
def people_rows() -> list[Row]:
    return list(PEOPLE)


@pytest.fixture
def list_entities() -> list[dict[str, object]]:
    return LIST


@pytest.fixture
def write_list() -> Callable[[Path, list[dict[str, object]]], Path]:
    return write_list_file


@pytest.fixture
def people_case(case: Case) -> Case:
    add_statements(case, PEOPLE)
    return case


def component_groups(table: pa.Table) -> list[list[str]]:
    """The records of an (entity_id, component) table grouped by component, sorted, for comparisons."""
    groups: dict[int, list[str]] = {}
    for entity, component in zip(table.column("entity_id").to_pylist(), table.column("component").to_pylist(),
                                  strict=True):
        groups.setdefault(component, []).append(entity)
    return sorted(sorted(g) for g in groups.values())
