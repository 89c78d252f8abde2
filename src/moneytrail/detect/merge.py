"""Merging overlapping findings of one typology into one, so the user sees each pattern once.

Two findings merge when they share a transaction, or share a key account (role ``hub``, ``source``,
``destination``, ``front`` or ``pass-through``) and their time spans overlap. The merged finding keeps the best
score and the title and explanation of its strongest part, cites the union of all rows, and says
what it absorbed.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence

from moneytrail.detect.base import TXN_AMOUNTS, DisjointSets
from moneytrail.model.finding import Finding, FindingRef

KEY_ROLES = frozenset({"hub", "source", "destination", "front", "pass-through"})


def merge_overlapping(findings: Sequence[Finding]) -> list[Finding]:
    """Merge overlapping findings per typology; the result is sorted by score, best first."""
    sets = DisjointSets(len(findings))
    by_txn: dict[tuple[str, str], int] = {}
    by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, f in enumerate(findings):
        for r in f.refs:
            if r.kind == "transaction":
                j = by_txn.setdefault((f.typology, r.ref_id), i)
                if j != i:
                    sets.union(i, j)
            elif r.kind == "account" and r.role in KEY_ROLES:
                by_key[(f.typology, r.ref_id)].append(i)
    for members in by_key.values():
        ordered = sorted(set(members), key=lambda k: (_start(findings[k]), k))
        rep, reach = ordered[0], findings[ordered[0]].end
        for k in ordered[1:]:
            f = findings[k]
            if reach is not None and f.start is not None and f.start <= reach:
                sets.union(rep, k)
                if f.end is not None and f.end > reach:
                    reach = f.end
            else:
                rep, reach = k, f.end
    parts: dict[int, list[int]] = defaultdict(list)
    for i in range(len(findings)):
        parts[sets.find(i)].append(i)
    merged = [_combine([findings[i] for i in idx]) for idx in parts.values()]
    merged.sort(key=lambda f: (-f.score, f.typology, f.title))
    return merged


def _start(f: Finding) -> float:
    return f.start.timestamp() if f.start is not None else float("-inf")


def _combine(parts: list[Finding]) -> Finding:
    parts = sorted(parts, key=lambda f: -f.score)
    best = parts[0]
    amounts: dict[str, float] = {}
    for f in parts:
        amounts.update(f.details.get(TXN_AMOUNTS, {}))
    details = {k: v for k, v in best.details.items() if k != TXN_AMOUNTS}
    if len(parts) == 1:
        return dataclasses.replace(best, details=details)
    refs: dict[tuple[str, str, str], FindingRef] = {}
    for f in parts:
        for r in f.refs:
            refs.setdefault((r.kind, r.ref_id, r.role), r)
    starts = [f.start for f in parts if f.start is not None]
    ends = [f.end for f in parts if f.end is not None]
    has_amounts = all(TXN_AMOUNTS in f.details for f in parts)
    amount = round(sum(amounts.values()), 2) if has_amounts else max(
        (f.amount for f in parts if f.amount is not None), default=None)
    details["merged_from"] = [f.title for f in parts[1:]]
    details["transactions"] = sum(1 for r in refs.values() if r.kind == "transaction")
    return Finding(
        kind=best.kind, typology=best.typology, title=best.title,
        explanation=f"{best.explanation} Merged with {len(parts) - 1} overlapping finding(s) of the same "
                    f"pattern: {'; '.join(f.title for f in parts[1:4])}{'; ...' if len(parts) > 4 else ''}.",
        score=best.score, refs=sorted(refs.values(), key=lambda r: (r.kind, r.ref_id, r.role)),
        params=best.params, query=best.query,
        start=min(starts) if starts else None, end=max(ends) if ends else None, amount=amount,
        currency=best.currency, details=details)
