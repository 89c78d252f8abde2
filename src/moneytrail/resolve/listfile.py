"""Reading a sanctions or PEP list in FtM JSON lines (the OpenSanctions export format).

Each line is an entity ``{"id", "schema", "properties": {prop: [values]}}``. Parties become
statement-shaped rows (entity_id, schema, prop, value, origin_line) that the resolution features read;
``Sanction`` entities point at a party through ``entity`` and carry programme, reason and authority.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa


class ListFileError(ValueError):
    """A list file cannot be read; the message names the file, the line and the reason."""


@dataclass
class SanctionInfo:
    programme: list[str] = field(default_factory=list)
    reason: list[str] = field(default_factory=list)
    authority: list[str] = field(default_factory=list)
    sanction_ids: list[str] = field(default_factory=list)

    def add(self, sanction_id: str, props: dict[str, list[str]]) -> None:
        self.sanction_ids.append(sanction_id)
        for key, target in (("program", self.programme), ("programId", self.programme), ("reason", self.reason),
                            ("authority", self.authority)):
            for value in props.get(key, []):
                if value not in target:
                    target.append(value)


@dataclass
class ListFile:
    path: Path
    statements: pa.Table  # entity_id, schema, prop, value, origin_line
    sanctions: dict[str, SanctionInfo]  # listed entity id -> its sanctions
    topics: dict[str, list[str]]  # entity id -> topics (sanction, role.pep, ...)
    entities: int


def _props(path: Path, line_no: int, data: Any) -> dict[str, list[str]]:
    props = data.get("properties", {})
    if not isinstance(props, dict):
        raise ListFileError(f"{path}:{line_no}: 'properties' must be an object")
    out: dict[str, list[str]] = {}
    for key, values in props.items():
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list):
            raise ListFileError(f"{path}:{line_no}: property {key!r} must be a list of values")
        out[str(key)] = [v["id"] if isinstance(v, dict) and "id" in v else str(v) for v in values]
    return out


def read_list(path: Path | str) -> ListFile:
    """Parse a FtM JSONL list; raises ListFileError naming the file and line of the first bad entity."""
    path = Path(path)
    if not path.exists():
        raise ListFileError(f"{path}: no such list file")
    cols: dict[str, list[Any]] = {"entity_id": [], "schema": [], "prop": [], "value": [], "origin_line": []}
    sanctions: dict[str, SanctionInfo] = {}
    topics: dict[str, list[str]] = {}
    count = 0
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ListFileError(f"{path}:{line_no}: not valid JSON ({exc.msg})") from exc
            if not isinstance(data, dict) or not data.get("id") or not data.get("schema"):
                raise ListFileError(f"{path}:{line_no}: an entity needs 'id' and 'schema'")
            eid, schema = str(data["id"]), str(data["schema"])
            props = _props(path, line_no, data)
            count += 1
            if schema == "Sanction":
                for target in props.get("entity", []):
                    sanctions.setdefault(target, SanctionInfo()).add(eid, props)
                continue
            if props.get("topics"):
                topics[eid] = props["topics"]
            for prop, values in props.items():
                for value in values:
                    cols["entity_id"].append(eid)
                    cols["schema"].append(schema)
                    cols["prop"].append(prop)
                    cols["value"].append(value)
                    cols["origin_line"].append(line_no)
    table = pa.table(cols, schema=pa.schema([("entity_id", pa.string()), ("schema", pa.string()),
                                             ("prop", pa.string()), ("value", pa.string()),
                                             ("origin_line", pa.int64())]))
    return ListFile(path, table, sanctions, topics, count)
