"""The layering in docs/architecture.md, enforced: dependencies point downward only."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "moneytrail"

# Higher rank may import lower rank; equal rank only within the same package.
RANK = {
    "model": 0, "engine": 1, "store": 2, "evidence": 3, "generate": 3,
    "ingest": 4, "resolve": 4, "trace": 4, "detect": 4, "link": 4,
    "report": 5, "web": 6, "demo": 6, "api": 6, "cli": 7,
}
# Lateral imports between stages that the architecture allows, with the reason.
ALLOWED_LATERAL = {
    ("link", "trace"),  # linking reuses the trace's holder and grade views
}
ENGINE_ONLY = {"duckdb", "pyspark"}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _package(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else ""


def test_every_package_has_a_rank() -> None:
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages <= set(RANK), f"unranked packages: {sorted(packages - set(RANK))}"


def test_only_engine_imports_database_drivers() -> None:
    offenders = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in SRC.rglob("*.py") if _package(path) != "engine"
        for name in _imports(path) if name.split(".")[0] in ENGINE_ONLY
    ]
    assert offenders == []


def test_dependencies_point_downward() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        here = _package(path)
        if not here:
            continue
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] != "moneytrail" or len(parts) < 2 or parts[1] not in RANK:
                continue
            there = parts[1]
            if there == here or (here, there) in ALLOWED_LATERAL:
                continue
            if RANK[there] >= RANK[here]:
                offenders.append(f"{path.relative_to(SRC)}: {here} (rank {RANK[here]}) imports {name}")
    assert offenders == []
