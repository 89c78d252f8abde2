"""A case on Spark: a folder of Parquet tables and one catalog file that says which files are committed.

    CASE/
      catalog.json                  the committed state: every table's columns and files, the views
      warehouse/<table>/<write>/    part-*.parquet written by one writer call (invisible until committed)

A write puts new files in a fresh ``<write>`` folder (the staging location), then commits by replacing
``catalog.json`` with a new version listing them (write to a temporary file, fsync, ``os.replace``: atomic on
a POSIX file system). So a transaction over several tables commits all of them with one rename, a killed
run leaves only files no catalog lists, and ``vacuum`` removes those (when the case is opened and closed).

Why a manifest and not a Hive metastore: a case must stay a folder an analyst can copy, archive and open
on another machine, with no metastore service or Derby database beside it, and the commit must be atomic
across tables (the Hive catalog swaps one table's location at a time). The manifest is the part of Delta's
transaction log that moneytrail needs (see docs/architecture.md, "Engines", for how Delta slots in).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moneytrail.engine.spark.translate import Column

FORMAT = "moneytrail-parquet-1"
CATALOG_FILE = "catalog.json"
WAREHOUSE = "warehouse"
SCRATCH = "_scratch"


@dataclass
class TableEntry:
    columns: list[Column]
    files: list[str] = field(default_factory=list)  # relative to the case folder

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name.lower() == name.lower()), None)

    def ddl(self) -> str:
        """The Spark schema as DDL text (``a STRING, b TIMESTAMP``)."""
        return ", ".join(f"`{c.name}` {c.type}" for c in self.columns)


@dataclass
class CatalogState:
    tables: dict[str, TableEntry] = field(default_factory=dict)
    views: dict[str, str] = field(default_factory=dict)  # name -> SQL as written in the migration
    commit: int = 0


class Catalog:
    """The catalog of one case folder: the committed state, and the state a transaction is building."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.state = CatalogState()
        file = root / CATALOG_FILE
        if file.exists():
            self.state = _decode(json.loads(file.read_text(encoding="utf-8")), file)

    @staticmethod
    def exists(root: Path) -> bool:
        return (root / CATALOG_FILE).exists()

    # -- reading -----------------------------------------------------------------------------
    def table(self, name: str) -> TableEntry | None:
        return self.state.tables.get(name.lower())

    def files(self, name: str) -> list[Path]:
        entry = self.table(name)
        return [] if entry is None else [self.root / f for f in entry.files]

    # -- changing (in memory until ``save``) -------------------------------------------------
    def new_write_folder(self, table: str) -> Path:
        """A fresh folder for one write's files: its staging location until a commit lists them."""
        folder = self.root / WAREHOUSE / table.lower() / f"w{self.state.commit + 1:06d}-{uuid.uuid4().hex[:12]}"
        folder.parent.mkdir(parents=True, exist_ok=True)
        return folder

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.root.resolve()).as_posix()

    def snapshot(self) -> CatalogState:
        return copy.deepcopy(self.state)

    def restore(self, state: CatalogState) -> None:
        self.state = state

    def save(self) -> None:
        """Commit: the new catalog replaces the old one in one rename."""
        self.state.commit += 1
        self.root.mkdir(parents=True, exist_ok=True)
        target = self.root / CATALOG_FILE
        temporary = self.root / f".{CATALOG_FILE}.{uuid.uuid4().hex[:8]}"
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump(_encode(self.state), out, indent=1, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)

    def vacuum(self) -> int:
        """Remove write folders no committed table lists (left by rolled-back or killed writes, or replaced
        by a rewrite); returns how many. Only safe when no other engine reads the case."""
        listed = {Path(f).parent.as_posix() for t in self.state.tables.values() for f in t.files}
        removed = 0
        warehouse = self.root / WAREHOUSE
        for folder in warehouse.glob("*/*") if warehouse.exists() else []:
            if folder.is_dir() and self.relative(folder) not in listed:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        for stray in self.root.glob(f".{CATALOG_FILE}.*"):
            stray.unlink(missing_ok=True)
        for scratch in (self.root / SCRATCH).glob("*"):  # scratch results of a killed run (scratchfiles.py)
            shutil.rmtree(scratch, ignore_errors=True)
            removed += 1
        return removed


def _encode(state: CatalogState) -> dict[str, Any]:
    return {"format": FORMAT, "commit": state.commit, "views": state.views,
            "tables": {name: {"columns": [[c.name, c.type, c.default] for c in t.columns], "files": t.files}
                       for name, t in state.tables.items()}}


def _decode(data: dict[str, Any], file: Path) -> CatalogState:
    if data.get("format") != FORMAT:
        raise ValueError(f"{file}: not a moneytrail Parquet catalog (format {data.get('format')!r}, want {FORMAT})")
    tables = {name: TableEntry([Column(*c) for c in t["columns"]], list(t["files"]))
              for name, t in data["tables"].items()}
    return CatalogState(tables, dict(data["views"]), int(data["commit"]))
