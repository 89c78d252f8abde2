"""Attribution chains: who a source cites, and the original sources at the roots of its citations.

"Outlet C reports that A and B revealed ..." is stored as citations C->A and C->B; C's origins are A
and B. Corroboration counts origins, never re-reports. Citation graphs are small (one row per
document or dataset), so they are walked in Python and the result stored in ``source_origins``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pyarrow as pa

from moneytrail.model.admiralty import Grade
from moneytrail.store.case import Case


@dataclass(frozen=True)
class Origin:
    source_id: str
    origin_source_id: str
    depth: int
    chain_grade: Grade


def _load(case: Case) -> tuple[dict[str, list[str]], dict[str, Grade]]:
    cites: dict[str, list[str]] = defaultdict(list)
    for src, cited in case.engine.rows(
            "SELECT source_id, cited_source_id FROM source_citations ORDER BY source_id, cited_source_id"):
        cites[str(src)].append(str(cited))
    grades = {str(r[0]): Grade(str(r[1]), int(r[2]))
              for r in case.engine.rows("SELECT source_id, reliability, credibility FROM sources")}
    return cites, grades


def compute_origins(cites: dict[str, list[str]], grades: dict[str, Grade], source_id: str) -> list[Origin]:
    """Roots reachable from ``source_id``, each with its shortest depth and best chain grade.

    The chain grade is the weakest link from the reporting source to the root: a re-report by a
    weak outlet of a strong source is no stronger than the outlet. Cycles are cut.
    """
    unknown = Grade("F", 6)
    best: dict[str, Origin] = {}
    stack: list[tuple[str, int, Grade, frozenset[str]]] = [
        (source_id, 0, grades.get(source_id, unknown), frozenset({source_id}))]
    while stack:
        node, depth, grade, seen = stack.pop()
        nexts = [c for c in cites.get(node, []) if c not in seen]
        if not nexts:
            old = best.get(node)
            if old is None or (depth, -grade.strength) < (old.depth, -old.chain_grade.strength):
                best[node] = Origin(source_id, node, depth, grade)
            continue
        for cited in nexts:
            stack.append((cited, depth + 1, grade.weakest(grades.get(cited, unknown)), seen | {cited}))
    return sorted(best.values(), key=lambda o: o.origin_source_id)


def rebuild_origins(case: Case) -> int:
    """Recompute ``source_origins`` for every source; returns the number of rows written."""
    cites, grades = _load(case)
    ids = set(grades) | set(cites)
    rows = [o for sid in sorted(ids) for o in compute_origins(cites, grades, sid)]
    table = pa.table({
        "source_id": [o.source_id for o in rows], "origin_source_id": [o.origin_source_id for o in rows],
        "depth": pa.array([o.depth for o in rows], pa.int32()),
        "chain_reliability": [o.chain_grade.reliability for o in rows],
        "chain_credibility": pa.array([o.chain_grade.credibility for o in rows], pa.int32()),
    })
    with case.engine.transaction(), case.engine.run() as run:
        origins = run.arrow(table, hint="origins")
        case.engine.replace_partition("source_origins", {}, f"SELECT * FROM {origins}")
    return len(rows)


def origins(case: Case, source_id: str) -> list[Origin]:
    cites, grades = _load(case)
    return compute_origins(cites, grades, source_id)


def attribution_chains(case: Case, source_id: str, max_depth: int = 20) -> list[list[str]]:
    """Every citation path from ``source_id`` to a root, e.g. [["C", "A"], ["C", "B"]]."""
    cites, _ = _load(case)
    chains: list[list[str]] = []
    stack: list[list[str]] = [[source_id]]
    while stack:
        path = stack.pop()
        nexts = [c for c in cites.get(path[-1], []) if c not in path]
        if not nexts or len(path) > max_depth:
            chains.append(path)
            continue
        stack.extend([*path, c] for c in reversed(nexts))
    return chains
