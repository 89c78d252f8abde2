"""FtM entities rebuilt from the case's statements, the way nomenklatura and Aleph expect them.

- Each entity comes back with its valid property values and its metadata (``caption``, ``datasets``,
  ``referents``, ``first_seen``, ``last_seen``, ``last_change``, ``target`` from ``entity_meta``).
- A resolved cluster (``entity_canonical``) comes out as one canonical entity whose ``referents`` list
  the ids it merges; references to members (a Payment's payer, a Sanction's entity) point at the
  canonical id, as in a nomenklatura-resolved export.
- ``write_statements_export`` writes the same statements in followthemoney's statement format (JSON
  lines, CSV or pack), with ``canonical_id`` set for merged entities.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.statement import Statement, write_statements

from moneytrail.store import Case


class ExportError(ValueError):
    """Data cannot be exported as asked; the message names the entity or row."""


def canonical_map(case: Case) -> dict[str, str]:
    """member id -> canonical id, for members that are merged into another id."""
    return {str(a): str(b) for a, b in case.engine.rows(
        "SELECT entity_id, canonical_id FROM entity_canonical WHERE entity_id <> canonical_id")}


def entity_meta(case: Case) -> dict[str, dict[str, Any]]:
    """Per entity: its metadata across ingests (lists united, first_seen earliest, last_seen latest)."""
    out: dict[str, dict[str, Any]] = {}
    for eid, caption, datasets, referents, first, last, change, target in case.engine.rows(
            "SELECT entity_id, caption, datasets, referents, first_seen, last_seen, last_change, target "
            "FROM entity_meta ORDER BY entity_id, origin_line"):
        m = out.setdefault(str(eid), {"datasets": [], "referents": []})
        if caption is not None:
            m.setdefault("caption", caption)
        for key, text in (("datasets", datasets), ("referents", referents)):
            for value in json.loads(text) if text else []:
                if value not in m[key]:
                    m[key].append(value)
        for key, value, pick in (("first_seen", first, min), ("last_seen", last, max), ("last_change", change, max)):
            if value is not None:
                m[key] = pick(m[key], value) if key in m else value
        if target is not None:
            m["target"] = bool(m.get("target")) or bool(target)
    return out


def _statement_rows(case: Case) -> Iterator[tuple[str, str, str, str, str]]:
    """(output id, member id, schema, prop, value), ordered by output id."""
    sql = ("SELECT coalesce(c.canonical_id, s.entity_id) AS out_id, s.entity_id, s.schema, s.prop, s.value "
           "FROM statements s LEFT JOIN entity_canonical c ON c.entity_id = s.entity_id "
           "ORDER BY out_id, s.entity_id, s.schema, s.prop, s.value")
    for batch in case.engine.batches(sql):
        cols = batch.to_pydict()
        yield from zip(cols["out_id"], cols["entity_id"], cols["schema"], cols["prop"], cols["value"], strict=True)


def statement_entities(case: Case) -> Iterator[dict[str, Any]]:
    """Every statement entity once (a cluster once, as its canonical entity), with its metadata."""
    merged = canonical_map(case)
    meta = entity_meta(case)
    current: str | None = None
    members: list[str] = []
    schemata: list[str] = []
    props: list[tuple[str, str]] = []
    for out_id, member, schema, prop, value in _statement_rows(case):
        if out_id != current:
            if current is not None:
                yield _entity(current, members, schemata, props, merged, meta)
            current, members, schemata, props = out_id, [], [], []
        if member not in members:
            members.append(member)
        if schema not in schemata:
            schemata.append(schema)
        props.append((prop, value))
    if current is not None:
        yield _entity(current, members, schemata, props, merged, meta)


def _entity(entity_id: str, members: list[str], schemata: list[str], props: list[tuple[str, str]],
            merged: dict[str, str], meta: dict[str, dict[str, Any]]) -> dict[str, Any]:
    schema = None
    for name in schemata:
        if model.get(name) is None:
            raise ExportError(f"entity {entity_id}: unknown FtM schema {name!r} in statements")
        try:
            schema = name if schema is None else model.common_schema(schema, name).name
        except Exception as exc:  # followthemoney raises InvalidData for unrelated schemata
            raise ExportError(f"entity {entity_id}: schemata {schemata} cannot be combined ({exc})") from exc
    proxy = model.make_entity(schema or "Thing")
    proxy.id = entity_id
    for prop, value in props:
        if prop in proxy.schema.properties:
            if proxy.schema.properties[prop].type.name == "entity":
                value = merged.get(value, value)
            proxy.add(prop, value, cleaned=True)
    data: dict[str, Any] = proxy.to_dict()
    info: dict[str, Any] = {}
    for member in members:
        for key, value in meta.get(member, {}).items():
            if isinstance(value, list):
                info[key] = info.get(key, []) + [v for v in value if v not in info.get(key, [])]
            else:
                info.setdefault(key, value)
    referents = info.pop("referents", [])
    referents += [m for m in members if m != entity_id and m not in referents]
    data.update({k: v for k, v in info.items() if v is not None})
    if referents or any(m in meta for m in members):  # OpenSanctions entities always list them
        data["referents"] = referents
    return data


def write_statements_export(case: Case, out: Path, fmt: str = "json") -> int:
    """The case's statements in followthemoney's statement format (``json``, ``csv`` or ``pack``)."""
    merged = canonical_map(case)
    meta = entity_meta(case)
    statements: list[Statement] = []
    rows = case.engine.rows("SELECT s.entity_id, s.schema, s.prop, s.value, s.source_id FROM statements s "
                            "ORDER BY s.entity_id, s.prop, s.value")
    for eid, schema, prop, value, source_id in rows:
        m = meta.get(str(eid), {})
        for dataset in m.get("datasets") or [str(source_id)]:
            statements.append(Statement(entity_id=str(eid), prop=str(prop), schema=str(schema), value=str(value),
                                        dataset=dataset, canonical_id=merged.get(str(eid), str(eid)),
                                        first_seen=m.get("first_seen"), last_seen=m.get("last_seen")))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as fh:
        write_statements(fh, fmt, statements)
    return len(statements)
