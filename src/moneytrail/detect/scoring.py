"""Scoring against the background: how unusual a candidate is for its own account and for its peers.

Two views, combined with ``least`` so a candidate must be unusual in both to rank high:

- own history: the count observed in the window against what the account's activity outside the
  window predicts for a window that long (a Poisson-style z: merchants with steady heavy fan-in
  expect many counterparties, so their busy weeks score near zero);
- peers: a robust z-score (median and MAD) against accounts of similar overall activity (the same
  power-of-two band of transaction count), so a small account's sudden burst stands out.

Scores are mapped into [0, 1) with ``score_sql`` so findings of every typology rank on one scale.
"""

from __future__ import annotations

import math

# Added to the scale so a peer group with zero spread (everyone has one counterparty) does not make
# every deviation infinitely unusual.
MAD_FLOOR = 1.0
# Fewer accounts than this in an activity band is too few to say what is usual for the band.
MIN_PEERS = 30
# z at which the score reaches 1 - 1/e (~0.63).
Z_SCALE = 4.0


def median_sql(expr: str) -> str:
    """Median aggregate; the one place to swap for percentile_approx on another engine."""
    return f"median({expr})"


def robust_z_sql(value: str, median: str, mad: str, floor: float = MAD_FLOOR) -> str:
    return f"(({value}) - ({median})) / (1.4826 * ({mad}) + {floor!r})"


def poisson_z_sql(observed: str, expected: str) -> str:
    """How far an observed count exceeds an expected (rate-based) count, in Poisson deviations."""
    return f"(({observed}) - ({expected})) / sqrt(({expected}) + 1.0)"


def own_expected_sql(total: str, in_window: str, window_days: int, case_days: str) -> str:
    """Expected count in a window of ``window_days`` from the account's activity outside the window."""
    return (f"(({total}) - ({in_window})) * {int(window_days)}.0 / "
            f"greatest(({case_days}) - {int(window_days)}, 1)")


def activity_band_sql(count: str) -> str:
    """Peer group of an account: the power-of-two band of its transaction count."""
    return f"CAST(floor(ln(greatest({count}, 1)) / ln(2)) AS INTEGER)"


def peer_stats_sql(table: str, value: str, band: str, min_peers: int = MIN_PEERS) -> str:
    """``(band, med, mad)`` of ``value`` over the rows of ``table`` (a CTE name) per ``band``; a band
    with fewer than ``min_peers`` accounts borrows the statistics of all accounts."""
    per_band = (
        f"SELECT s.{band} AS band, max(s.med) AS med, {median_sql(f'abs(x.{value} - s.med)')} AS mad, "
        f"max(s.n) AS n FROM (SELECT {band}, {median_sql(value)} AS med, count(*) AS n FROM {table} "
        f"GROUP BY {band}) s JOIN {table} x ON x.{band} = s.{band} GROUP BY s.{band}"
    )
    overall = overall_stats_sql(table, value)
    return (
        f"SELECT b.band, CASE WHEN b.n >= {int(min_peers)} THEN b.med ELSE o.med END AS med, "
        f"CASE WHEN b.n >= {int(min_peers)} THEN b.mad ELSE o.mad END AS mad "
        f"FROM ({per_band}) b CROSS JOIN ({overall}) o"
    )


def overall_stats_sql(table: str, value: str) -> str:
    """``(med, mad)`` of ``value`` over all rows of ``table``: the fallback for an empty peer band."""
    return (f"SELECT max(s.med) AS med, {median_sql(f'abs(x.{value} - s.med)')} AS mad "
            f"FROM (SELECT {median_sql(value)} AS med FROM {table}) s CROSS JOIN {table} x")


def score_sql(z: str) -> str:
    """Map a z-like unusualness onto [0, 1)."""
    return f"(1.0 - exp(-greatest({z}, 0.0) / {Z_SCALE!r}))"


def score_of(z: float) -> float:
    """The same mapping as ``score_sql`` for scores computed in Python on small extracts."""
    return 1.0 - math.exp(-max(z, 0.0) / Z_SCALE)
