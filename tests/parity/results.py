"""What a parity test compares: a case's stored findings with their refs, in a form equal across engines."""

from __future__ import annotations

from typing import Any

from moneytrail.store import Case


def stored_findings(case: Case) -> dict[str, dict[str, Any]]:
    """Every stored finding by id: kind, typology, title, score, grade, and its refs as a sorted tuple."""
    rows = case.engine.query(
        "SELECT finding_id, kind, typology, title, score, reliability, credibility, amount FROM findings").to_pylist()
    refs: dict[str, list[tuple[str, str, str]]] = {}
    for r in case.engine.query("SELECT finding_id, ref_kind, ref_id, role FROM finding_refs").to_pylist():
        refs.setdefault(r["finding_id"], []).append((r["ref_kind"], r["ref_id"], r["role"] or ""))
    return {r["finding_id"]: {**r, "refs": tuple(sorted(refs.get(r["finding_id"], [])))} for r in rows}


def differences(ours: dict[str, dict[str, Any]], theirs: dict[str, dict[str, Any]],
                tolerance: float = 1e-9) -> list[str]:
    """Where two engines' findings differ: ids missing on either side, then fields of common ids (scores and
    amounts within ``tolerance``)."""
    out = [f"only on the first engine: {ours[i]['title']}" for i in sorted(set(ours) - set(theirs))]
    out += [f"only on the second engine: {theirs[i]['title']}" for i in sorted(set(theirs) - set(ours))]
    for fid in sorted(set(ours) & set(theirs)):
        a, b = ours[fid], theirs[fid]
        for key in a:
            x, y = a[key], b[key]
            if isinstance(x, float) and isinstance(y, float):
                if abs(x - y) > tolerance:
                    out.append(f"{a['title']}: {key} {x} != {y}")
            elif x != y:
                out.append(f"{a['title']}: {key} {x!r} != {y!r}")
    return out
