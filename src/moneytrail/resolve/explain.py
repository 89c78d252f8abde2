"""Explanations of stored pairs, built when asked for: the waterfall of match weights of a pair.

A resolution run stores each pair's comparison levels, name frequencies and term-frequency weight
(``scoring.LEVEL_COLUMNS``), not its explanation's text: at a million records that text cost more to
write than everything else about the pairs. An explanation is rebuilt here from those stored columns
and the stored model (``resolve_models``, by the pair's ``model_id``): the weight of each level, its
m and u, the pair's stored weight. Only the values each level rests on (the names' token alignment,
the identifiers, dates and addresses compared) are compared again, for the pairs asked about, from
the stored features of their records (``resolve_names``, ``resolve_props``) with the same SQL as
resolution: asking for a few pairs of a million records reads a few records. So the
explanation is the one resolution would have written, whatever later runs added. Pairs stored with
an explanation (earlier runs, a model that wrote them) keep theirs. A pair whose names a learned
spelling edit moved (``model.VARIANT_LEVEL``, ``model.SEPARATED_LEVEL``) also names those edits and
the log-odds the model learned for each (``spelling_edits``), so the level is not a bare verdict.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from moneytrail.resolve.comparisons import EVIDENCE, compare_pairs
from moneytrail.resolve.model import SEPARATED_LEVEL, VARIANT_LEVEL, ResolveModel
from moneytrail.resolve.model_store import load_model
from moneytrail.resolve.scoring import LEVEL_COLUMNS, explanation_sql
from moneytrail.resolve.variant_edits import SEPARATES_AT, VARIANT_AT, name_edits
from moneytrail.store.case import Case

Key = tuple[str, str]
# The values a level rests on, from the comparison run again; everything else is the stored pair's.
_VALUE_COLUMNS = ("name_detail", "identifier_class",
                  *(f"{c}_{side}" for c in EVIDENCE for side in ("left", "right")))
_STORED_COLUMNS = ("left_name", "right_name", "name_score", "weight", *LEVEL_COLUMNS)


def explain_pairs(case: Case, keys: Iterable[Key]) -> dict[Key, dict[str, Any]]:
    """(left_id, right_id) -> the explanation (parsed JSON) of each stored pair among ``keys``
    (left_id < right_id, as pairs are stored); pairs not stored are left out."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    engine = case.engine
    out: dict[Key, dict[str, Any]] = {}
    with engine.run() as run:
        asked = run.arrow(pa.table({"left_id": pa.array([a for a, _ in wanted], pa.string()),
                                    "right_id": pa.array([b for _, b in wanted], pa.string())}),
                          hint="rs_explain_keys").name
        stored = run.materialise(f"SELECT p.* FROM resolve_pairs p JOIN {asked} k "
                                 "ON k.left_id = p.left_id AND k.right_id = p.right_id", hint="rs_explain_pairs")
        for left, right, text in engine.rows(f"SELECT left_id, right_id, explanation FROM {stored} "
                                             "WHERE explanation IS NOT NULL"):
            out[(str(left), str(right))] = json.loads(str(text))
        models = [str(m) for (m,) in engine.rows(f"SELECT DISTINCT model_id FROM {stored} "
                                                 "WHERE explanation IS NULL AND model_id IS NOT NULL")]
        for model_id in models:
            model = load_model(case, model_id)
            pairs = run.materialise(f"SELECT left_id, right_id, grp, key_freq, name_key_freq FROM {stored} "
                                    f"WHERE explanation IS NULL AND model_id = '{model_id}'", hint="rs_explain_cand")
            # only the asked records' features: the frequencies an explanation cites are the stored ones
            ids = f"SELECT left_id FROM {pairs} UNION SELECT right_id FROM {pairs}"
            names, props = (run.materialise(f"SELECT * FROM {table} WHERE entity_id IN ({ids})", hint=f"rs_{table}")
                            for table in ("resolve_names", "resolve_props"))
            levels = compare_pairs(engine, pairs.name, (names.name, props.name), (names.name, props.name),
                                   engine.scratch_name("rs_explain_levels"),
                                   lambda stem: engine.scratch_name(f"rs_explain_{stem}"))
            try:
                columns = ", ".join([*(f"s.{c}" for c in _STORED_COLUMNS), *(f"l.{c}" for c in _VALUE_COLUMNS)])
                rows = engine.rows(
                    f"SELECT left_id, right_id, {explanation_sql(model)} FROM ("
                    f"SELECT s.left_id, s.right_id, {columns} FROM {stored} s JOIN {levels} l "
                    f"ON l.left_id = s.left_id AND l.right_id = s.right_id "
                    f"WHERE s.explanation IS NULL AND s.model_id = '{model_id}') x")
            finally:
                engine.drop_scratch(levels)
            for left, right, text in rows:
                out[(str(left), str(right))] = json.loads(str(text))
            _name_spelling_edits(engine.rows(
                f"SELECT s.left_id, s.right_id, a.norm, b.norm FROM {stored} s "
                f"JOIN resolve_names a ON a.entity_id = s.left_id AND a.name = s.left_name "
                f"JOIN resolve_names b ON b.entity_id = s.right_id AND b.name = s.right_name "
                f"WHERE s.model_id = '{model_id}' AND s.person_name IN ({VARIANT_LEVEL}, {SEPARATED_LEVEL})"),
                model, out)
    return out


_WHERE = {"S": "at the start", "M": "inside", "E": "at the end"}


def describe_edit(edit: str) -> str:
    """A spelling edit (``variant_edits.token_edit``: "E:>h", "M:a>o") in words."""
    where, _, sides = edit.partition(":")
    one, other = sides.split(">", 1)
    place = _WHERE.get(where, where)
    if not one:
        return f'"{other}" added {place}'
    return f'"{one}" and "{other}" swapped {place}'


def _name_spelling_edits(rows: list[tuple[object, ...]], model: ResolveModel,
                         out: dict[Key, dict[str, Any]]) -> None:
    """Adds to the name signal of each pair in ``rows`` (left_id, right_id, left norm, right norm) the
    spelling edits between its names and what the model learned of each (``variant_edits``): the same
    alignment relevel used, for a few pairs."""
    rows = [r for r in rows if (str(r[0]), str(r[1])) in out]
    if not rows:
        return
    codes, edits = name_edits(pa.array([str(r[2]) for r in rows], pa.string()),
                              pa.array([str(r[3]) for r in rows], pa.string()))
    for row, pair_codes in zip(rows, codes, strict=True):
        listed = []
        for code in dict.fromkeys(int(c) for c in pair_codes if c >= 0):
            edit = edits[code]
            odds = model.variant_edits.get(edit) if edit else None
            verdict = ("beyond a spelling edit" if not edit else "not learned" if odds is None else
                       "a spelling of one name" if odds >= VARIANT_AT else
                       "tells people apart" if odds <= SEPARATES_AT else "learned, undecided")
            listed.append({"edit": edit, "reads": describe_edit(edit) if edit else "", "log_odds": odds,
                           "verdict": verdict})
        for signal in out[(str(row[0]), str(row[1]))]["signals"]:
            if signal.get("signal") == "name":
                signal["spelling_edits"] = listed


def explain_pair(case: Case, left_id: str, right_id: str) -> dict[str, Any] | None:
    """The explanation of one stored pair (its ids in either order), or None when it is not stored."""
    key = (min(left_id, right_id), max(left_id, right_id))
    return explain_pairs(case, [key]).get(key)


def with_explanations(case: Case, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (each with left_id, right_id and an ``explanation`` that may be null or JSON text) with
    each explanation parsed, built on demand where it was not stored."""
    missing = [(str(r["left_id"]), str(r["right_id"])) for r in rows if r.get("explanation") is None]
    built = explain_pairs(case, missing)
    for r in rows:
        text = r.get("explanation")
        r["explanation"] = built.get((str(r["left_id"]), str(r["right_id"]))) if text is None else \
            (json.loads(text) if isinstance(text, str) else text)
    return rows
