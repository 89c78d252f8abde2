from __future__ import annotations

import pyarrow as pa

from moneytrail.resolve.bridges import unbridged
from moneytrail.resolve.model import INITIAL_LEVEL
from moneytrail.store import Case


def test_a_record_with_an_initial_does_not_join_two_clusters() -> None:
    # Clusters A (two spellings of Tinmi Peborim) and B (Teka Peborim) from matches at level 0.
    # "T. Peborim" records match at the initial level: t_both into A and B alike (ambiguous: both
    # dropped), t_clear into A far better than into B (only B dropped), t_one into A alone (kept).
    # t_twin is another "T. Peborim" matched to t_both at level 0: its match into B is judged
    # with t_both's group, so the pair of initials cannot carry A and B together either.
    names = {"a1": "tinmi peborim", "a2": "tinmi peborim", "b1": "teka peborim", "b2": "teka peborim",
             "t_both": "t peborim", "t_clear": "t peborim", "t_one": "t peborim", "t_twin": "t peborim"}
    matched = pa.table({
        "left_id": ["a1", "b1", "t_both", "t_both", "t_clear", "t_clear", "t_one", "t_both", "t_twin"],
        "right_id": ["a2", "b2", "a1", "b1", "a2", "b2", "a1", "t_twin", "b2"],
        "weight": [9.0, 9.0, 3.0, 2.5, 5.0, 2.0, 1.0, 9.0, 2.0],
        "person_name": [0, 0, INITIAL_LEVEL, INITIAL_LEVEL, INITIAL_LEVEL, INITIAL_LEVEL, INITIAL_LEVEL, 0,
                        INITIAL_LEVEL]})
    with Case.in_memory() as case, case.engine.run() as run:
        table = run.arrow(pa.table({"entity_id": list(names), "norm": list(names.values()),
                                    "name": list(names.values())}), hint="names").name
        kept = unbridged(case.engine, matched, table)
    assert sorted(zip(kept.column("left_id").to_pylist(), kept.column("right_id").to_pylist(), strict=True)) == [
        ("a1", "a2"), ("b1", "b2"), ("t_both", "t_twin"), ("t_clear", "a2"), ("t_one", "a1")]
