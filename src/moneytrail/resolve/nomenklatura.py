"""Judgements in and out of nomenklatura's resolver format, so analysts can share decisions with
OpenSanctions tooling (``nomenklatura.resolver``: edges with target, source, judgement
positive/negative/unsure/no_judgement, score, user and timestamp).

A resolver file has one edge per line, as nomenklatura's ``Edge.to_line`` writes it: a JSON array
``[target, source, judgement, score, user, timestamp]``; the object form of ``Edge.to_dict`` (and
of its database rows, with ``created_at``) is read too. nomenklatura orders a pair so the target
is the "larger" id (canonical ``NK-`` ids and Wikidata ids outrank others, then by text); export
follows that. Edges through a canonical ``NK-`` id are expanded: every entity joined to one
canonical id by positive edges is judged the same as the others, and a negative edge to the
canonical id applies to each of them. ``no_judgement`` edges are suggestions, not decisions:
they are counted and skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from moneytrail.resolve.cluster import Clusters
from moneytrail.resolve.judgements import JUDGEMENTS, judgements, record_judgement
from moneytrail.store.case import Case

NO_JUDGEMENT = "no_judgement"
CANONICAL_PREFIX = "NK-"
_QID = re.compile(r"^Q\d+$")


@dataclass(frozen=True)
class Edge:
    target: str
    source: str
    judgement: str
    score: float | None
    user: str | None
    timestamp: str | None


@dataclass(frozen=True)
class ImportResult:
    edges: int
    judgements: int
    skipped_no_judgement: int


def _rank(entity_id: str) -> tuple[int, str]:
    weight = 2 if entity_id.startswith(CANONICAL_PREFIX) else 3 if _QID.match(entity_id) else 1
    return weight, entity_id


def edge(a: str, b: str, judgement: str, score: float | None = None, user: str | None = None,
         timestamp: str | None = None) -> Edge:
    """An edge with nomenklatura's orientation (target = the larger id)."""
    target, source = sorted((a, b), key=_rank, reverse=True)
    return Edge(target, source, judgement, score, user, timestamp)


def parse_line(text: str, where: str) -> Edge:
    try:
        data: Any = json.loads(text)
        if isinstance(data, dict):
            values = [data["target"], data["source"], data["judgement"], data.get("score"), data.get("user"),
                      data.get("timestamp", data.get("created_at"))]
        else:
            values = list(data)
        target, source, judgement, score, user, timestamp = values[:6]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{where}: not a nomenklatura resolver edge ({exc})") from exc
    if judgement not in (*JUDGEMENTS, NO_JUDGEMENT):
        raise ValueError(f"{where}: unknown judgement {judgement!r}")
    if not target or not source or target == source:
        raise ValueError(f"{where}: an edge needs two different ids")
    return Edge(str(target), str(source), str(judgement), None if score is None else float(score),
                None if user is None else str(user), None if timestamp is None else str(timestamp))


def read_edges(path: Path | str) -> list[Edge]:
    out: list[Edge] = []
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                out.append(parse_line(line, f"{path}:{number}"))
    return out


def expand_canonical(edges: Iterable[Edge]) -> list[Edge]:
    """Edges between entities only: positive edges through ``NK-`` ids become edges between the
    entities they join; negative and unsure edges to an ``NK-`` id apply to each of its members."""
    edges = list(edges)
    joined = Clusters()
    for e in edges:
        if e.judgement == "positive":
            joined.union(e.target, e.source)
    members: dict[str, list[str]] = {}
    for root, group in joined.groups().items():
        members[root] = sorted(m for m in group if not m.startswith(CANONICAL_PREFIX))
    out: list[Edge] = []
    for e in edges:
        if e.judgement == "positive":
            if not (e.target.startswith(CANONICAL_PREFIX) or e.source.startswith(CANONICAL_PREFIX)):
                out.append(e)
            continue
        lefts = members.get(joined.find(e.target), [e.target]) if e.target.startswith(CANONICAL_PREFIX) else [e.target]
        rights = members.get(joined.find(e.source), [e.source]) if e.source.startswith(CANONICAL_PREFIX) else [e.source]
        out.extend(edge(a, b, e.judgement, e.score, e.user, e.timestamp) for a in lefts for b in rights if a != b)
    last_positive: dict[str, Edge] = {}
    for e in edges:
        if e.judgement == "positive" and CANONICAL_PREFIX in (e.target[:3], e.source[:3]):
            last_positive[joined.find(e.target)] = e
    for root, latest in last_positive.items():
        group = members[root]
        out.extend(edge(group[0], other, "positive", latest.score, latest.user, latest.timestamp)
                   for other in group[1:])
    return out


def import_judgements(case: Case, path: Path | str) -> ImportResult:
    """Read a nomenklatura resolver file into the case's judgements (later edges replace earlier ones)."""
    edges = read_edges(path)
    skipped = sum(1 for e in edges if e.judgement == NO_JUDGEMENT)
    decided = expand_canonical(e for e in edges if e.judgement != NO_JUDGEMENT)
    for e in decided:
        when = None
        if e.timestamp:
            try:
                when = datetime.fromisoformat(e.timestamp.replace("Z", "+00:00")).replace(tzinfo=None)
            except ValueError as exc:
                raise ValueError(f"{path}: edge {e.target}/{e.source}: bad timestamp {e.timestamp!r}") from exc
        record_judgement(case, e.target, e.source, e.judgement, user=e.user, score=e.score, judged_at=when)
    return ImportResult(len(edges), len(decided), skipped)


def export_judgements(case: Case, path: Path | str) -> int:
    """Write the case's judgements as a nomenklatura resolver file; returns the number of edges."""
    lines = []
    for row in judgements(case):
        e = edge(str(row["left_id"]), str(row["right_id"]), str(row["judgement"]), row.get("score"),
                 row.get("judged_by"), row["judged_at"].isoformat() if row.get("judged_at") else None)
        lines.append(json.dumps([e.target, e.source, e.judgement, e.score, e.user, e.timestamp]) + "\n")
    Path(path).write_text("".join(lines), encoding="utf-8")
    return len(lines)
