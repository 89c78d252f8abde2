from __future__ import annotations

import pyarrow as pa

from moneytrail.resolve.cluster_dates import dated_merged
from moneytrail.store import Case


def _pair(left: str, right: str, decision: str, birth_date: int | None = None) -> list[object]:
    return [left, right, "person", 0.9, 0.5, 0.6, decision, left, right, "{}", 0.0, birth_date, None, 4, "r"]


def test_clusters_a_review_pair_links_and_a_shared_birth_date_joins_are_one() -> None:
    with Case.in_memory() as case:
        engine = case.engine
        # clusters 0 {a1, a2}, 1 {b1, b2}, 2 {c1, c2}, 3 {d1, d2}; "lone" is in none
        members = pa.table({"entity_id": ["a1", "a2", "b1", "b2", "c1", "c2", "d1", "d2", "e1", "e2", "f1", "f2"],
                            "component": [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]})
        for entity, born in [("a2", "1970-01-01"), ("b2", "1970-01-01"), ("c2", "1981-02-02"),
                             ("d2", "1970-01-01"), ("lone", "1981-02-02"), ("e2", "1990-09-09"), ("f2", "1990-09-09")]:
            engine.execute("INSERT INTO resolve_props (entity_id, prop_class, value) VALUES (?, 'birth_date', ?)",
                           [entity, born])
        for row in [_pair("a1", "b1", "review"),  # undated records, dated clusters alike: one
                    _pair("a1", "c1", "review"),  # another birth date in c: apart
                    _pair("c1", "lone", "review"),  # a record alone, its date c's: joins c
                    _pair("b1", "d1", "distinct", birth_date=4),  # the pair itself contradicts: apart
                    _pair("e1", "f1", "review")]:  # an analyst said e2 and f2 are not the same: apart
            engine.execute("INSERT INTO resolve_pairs (left_id, right_id, grp, name_score, weight, probability, "
                           "decision, left_name, right_name, explanation, support, birth_date, identifier, "
                           "person_name, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        engine.execute("INSERT INTO resolve_judgements (left_id, right_id, judgement, judged_at) "
                       "VALUES ('e2', 'f2', 'negative', TIMESTAMP '2026-01-01 00:00:00')")
        merged = dated_merged(engine, members)
    label = dict(zip(merged.column("entity_id").to_pylist(), merged.column("component").to_pylist(), strict=True))
    assert label["a1"] == label["a2"] == label["b1"] == label["b2"]
    assert label["c1"] == label["c2"] == label["lone"] != label["a1"]
    assert label["d1"] == label["d2"] not in (label["a1"], label["c1"])
    assert label["e1"] == label["e2"] != label["f1"] == label["f2"]
