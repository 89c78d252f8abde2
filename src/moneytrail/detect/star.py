"""Windowed star detection shared by fan-in, fan-out and gather-scatter.

Portable plan: aggregate to (hub, counterparty, day); a counterparty is *new* on a day when it had
not dealt with the hub in the ``window_days`` before (lag over the pair). A range window over day
numbers then sums the new counterparties of the last ``window_days`` days: a count of distinct
counterparties that ignores regulars (a shop's returning customers, a salary payer) and is exact for
one-off payers such as mules; the exact distinct count is taken afterwards on the extracted episode.
Windows both big enough and unusual against the background (``scoring``) are chained into episodes —
qualifying days less than a window apart — and an episode's transactions are all the hub's transfers
in its span.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.base import case_days_sql, edges_sql
from moneytrail.detect.scoring import (
    activity_band_sql,
    own_expected_sql,
    peer_stats_sql,
    poisson_z_sql,
    robust_z_sql,
    score_sql,
)


def ends(direction: str) -> tuple[str, str]:
    """(hub column, counterparty column) of an edge for fan-in ('in') or fan-out ('out')."""
    if direction == "in":
        return "dst", "src"
    if direction == "out":
        return "src", "dst"
    raise ValueError(f"direction must be 'in' or 'out', not {direction!r}")


def star_windows_sql(direction: str, window_days: int, min_amount: float) -> str:
    """Per (hub, day): counterparties, transfers and amount in the window ending that day, and z-scores
    against the hub's own history (z_own) and its activity peers (z_peer)."""
    hub, cp = ends(direction)
    w = int(window_days)
    return f"""
WITH e AS ({edges_sql(min_amount)}),
pair AS (SELECT {hub} AS hub, {cp} AS cp, d, count(*) AS n_tx, sum(amt) AS amt FROM e GROUP BY {hub}, {cp}, d),
fresh AS (SELECT hub, d, n_tx, amt,
                 CASE WHEN d - lag(d) OVER (PARTITION BY hub, cp ORDER BY d) < {w} THEN 0 ELSE 1 END AS is_new
          FROM pair),
daily AS (SELECT hub, d, sum(is_new) AS n_cp, sum(n_tx) AS n_tx, sum(amt) AS amt FROM fresh GROUP BY hub, d),
win AS (SELECT hub, d, sum(n_cp) OVER w AS win_cp, sum(n_tx) OVER w AS win_tx, sum(amt) OVER w AS win_amt
        FROM daily WINDOW w AS (PARTITION BY hub ORDER BY d RANGE BETWEEN {w - 1} PRECEDING AND CURRENT ROW)),
acct AS (SELECT hub, sum(n_cp) AS tot_cp, sum(n_tx) AS tot_tx FROM daily GROUP BY hub),
peak AS (SELECT a.hub, a.tot_cp, {activity_band_sql('a.tot_tx')} AS band, max(w.win_cp) AS peak
         FROM acct a JOIN win w ON w.hub = a.hub GROUP BY a.hub, a.tot_cp, a.tot_tx),
peer AS ({peer_stats_sql('peak', 'peak', 'band')}),
n AS ({case_days_sql()})
SELECT w.hub, w.d, w.win_cp, w.win_tx, w.win_amt,
       {own_expected_sql('p.tot_cp', 'w.win_cp', w, '(SELECT * FROM n)')} AS expected_own,
       s.med AS peer_median,
       {poisson_z_sql('w.win_cp', own_expected_sql('p.tot_cp', 'w.win_cp', w, '(SELECT * FROM n)'))} AS z_own,
       {robust_z_sql('w.win_cp', 's.med', 's.mad')} AS z_peer
FROM win w JOIN peak p ON p.hub = w.hub JOIN peer s ON s.band = p.band
"""


def star_episodes_sql(direction: str, params: Mapping[str, Any]) -> str:
    """(hub, ep, d0, d1, peak_cp, z_own, z_peer, z, expected_own, peer_median): unusual bursts."""
    w = int(params["window_days"])
    return f"""
WITH s AS ({star_windows_sql(direction, w, float(params["min_amount"]))}),
q AS (SELECT *, least(z_own, z_peer) AS z FROM s
      WHERE win_cp >= {int(params["min_degree"])} AND least(z_own, z_peer) >= {float(params["min_z"])!r}),
q2 AS (SELECT *, CASE WHEN d - lag(d) OVER (PARTITION BY hub ORDER BY d) < {w} THEN 0 ELSE 1 END AS brk
       FROM q),
q3 AS (SELECT *, sum(brk) OVER (PARTITION BY hub ORDER BY d ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
       AS ep FROM q2)
SELECT hub, ep, min(d) - {w - 1} AS d0, max(d) AS d1, max(win_cp) AS peak_cp, max(z_own) AS z_own,
       max(z_peer) AS z_peer, max(z) AS z, min(expected_own) AS expected_own, max(peer_median) AS peer_median
FROM q3 GROUP BY hub, ep
"""


def episode_groups_sql(direction: str, episodes: str, min_amount: float, min_degree: int) -> str:
    """One group per episode with its exact distinct counterparties; too few after all are dropped."""
    hub, cp = ends(direction)
    return f"""
SELECT p.hub || '|' || CAST(p.ep AS VARCHAR) AS group_key, {score_sql('p.z')} AS score, p.hub,
       count(DISTINCT e.{cp}) AS counterparties, count(*) AS transfers, sum(e.amt) AS total,
       p.z_own, p.z_peer, p.expected_own, p.peer_median, p.peak_cp
FROM {episodes} p JOIN ({edges_sql(min_amount)}) e ON e.{hub} = p.hub AND e.d BETWEEN p.d0 AND p.d1
GROUP BY p.hub, p.ep, p.z, p.z_own, p.z_peer, p.expected_own, p.peer_median, p.peak_cp
HAVING count(DISTINCT e.{cp}) >= {int(min_degree)}
"""


def episode_members_sql(direction: str, episodes: str, min_amount: float) -> str:
    hub, _ = ends(direction)
    hub_role, cp_role = ("hub", "sender") if direction == "in" else ("hub", "receiver")
    from_role, to_role = (cp_role, hub_role) if direction == "in" else (hub_role, cp_role)
    return f"""
SELECT p.hub || '|' || CAST(p.ep AS VARCHAR) AS group_key, e.txn_id, '{from_role}' AS from_role,
       '{to_role}' AS to_role
FROM {episodes} p JOIN ({edges_sql(min_amount)}) e ON e.{hub} = p.hub AND e.d BETWEEN p.d0 AND p.d1
"""


STAR_DEFAULTS: dict[str, Any] = {
    # AMLworld fan patterns span at most 6 days (HI-Medium: max 6.0 days).
    "window_days": 6,
    "min_degree": 4,
    "min_amount": 0.0,
    # Both z-scores (own history, peers) must reach this.
    "min_z": 2.0,
    "max_findings": 20000,
}
