"""Which windows make a star episode (``star_episodes_sql``), on hand-made window rows."""

from __future__ import annotations

from typing import Any

from moneytrail.detect.base import prepared_edges
from moneytrail.detect.star import STAR_DEFAULTS, star_episodes_sql, star_windows_sql
from moneytrail.store import Case

# (hub, day, new counterparties in the window, z_own, z_peer)
WINDOWS = [
    ("b:both", 100, 6, 3.0, 2.5),         # unusual both ways
    ("b:peer-mild", 100, 6, 3.0, 1.7),    # unusual for itself, mildly so against peers: kept
    ("b:peer-low", 100, 6, 3.0, 1.2),     # near miss: too usual for its peers
    ("b:own-low", 100, 6, 1.8, 5.0),      # near miss: steady for its own history
    ("b:too-few", 100, 3, 4.0, 4.0),      # near miss: below min_degree
]


def _episodes(case: Case, **params: Any) -> list[tuple[Any, ...]]:
    values = ", ".join(f"('{h}', {d}, {n}, {zo!r}, {zp!r}, 1.0, 3.0)" for h, d, n, zo, zp in WINDOWS)
    with case.engine.run() as run:
        windows = run.materialise(f"SELECT * FROM (VALUES {values}) "
                                  "t(hub, d, win_cp, z_own, z_peer, expected_own, peer_median)").name
        sql = star_episodes_sql(windows, {**STAR_DEFAULTS, **params})
        return case.engine.rows(f"SELECT hub, d0, d1, z FROM ({sql}) e ORDER BY hub")


def test_an_episode_needs_its_own_z_at_min_z_and_the_peer_z_at_min_z_peer(case: Case) -> None:
    rows = _episodes(case)
    assert [r[0] for r in rows] == ["b:both", "b:peer-mild"]
    # The episode spans the window ending on its day; z is the weaker of the two views.
    assert (rows[1][1], rows[1][2], float(rows[1][3])) == (95, 100, 1.7)


def test_raising_min_z_peer_drops_the_mild_peer_episode(case: Case) -> None:
    assert [r[0] for r in _episodes(case, min_z_peer=2.0)] == ["b:both"]


def test_an_episode_longer_than_max_span_days_is_dropped(case: Case) -> None:
    # b:weeks qualifies on days 100, 104, 108, 112 (each less than a window after the last: one episode of
    # 112 - 100 + 6 = 18 days); b:days on 100 and 102 (8 days). The 12-day bar drops only b:weeks.
    rows = [("b:weeks", d) for d in (100, 104, 108, 112)] + [("b:days", d) for d in (100, 102)]
    values = ", ".join(f"('{h}', {d}, 6, 3.0, 2.5, 1.0, 3.0)" for h, d in rows)
    with case.engine.run() as run:
        windows = run.materialise(f"SELECT * FROM (VALUES {values}) "
                                  "t(hub, d, win_cp, z_own, z_peer, expected_own, peer_median)").name

        def spans(**params: Any) -> list[tuple[Any, ...]]:
            sql = star_episodes_sql(windows, {**STAR_DEFAULTS, **params})
            return case.engine.rows(f"SELECT hub, d1 - d0 + 1 FROM ({sql}) e ORDER BY hub")

        assert spans() == [("b:days", 8), ("b:weeks", 18)]
        assert spans(max_span_days=12) == [("b:days", 8)]


def test_with_max_life_days_only_one_off_counterparties_count(case: Case) -> None:
    # b:hub's counterparties all first seen on day 100: four once (one-off), two again on day 120 (regulars).
    pairs = [("b:hub", f"b:once{i}", 100, 100) for i in range(4)] + [("b:hub", f"b:reg{i}", 100, 120) for i in range(2)]
    values = ", ".join(f"('{h}', '{c}', {a}, {b})" for h, c, a, b in pairs)
    with prepared_edges(case) as run:
        table = run.materialise(f"SELECT * FROM (VALUES {values}) t(hub, cp, d_first, d_last)").name
        counts = {life: case.engine.rows(f"SELECT win_cp FROM ({star_windows_sql(table, 6, 1, life)}) w")
                  for life in (0, 7)}
    assert counts == {0: [(6,)], 7: [(4,)]}
