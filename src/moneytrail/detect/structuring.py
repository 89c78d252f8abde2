"""Structuring: repeated deposits just under a reporting threshold into one account.

Honest amounts land on either side of a threshold about equally often; structured ones pile up just
below it. Per account and day we count deposits in [threshold * (1 - margin), threshold) and in the
band of the same width just above; over a range window of ``window_days`` the just-under count is
compared with what the just-over count and the case-wide share of just-under amounts predict (a
Poisson-style z).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.base import Group, build_findings, edges_sql, money, plural, span_text, text_sql, uses_edges
from moneytrail.detect.registry import register
from moneytrail.detect.scoring import poisson_z_sql, score_sql
from moneytrail.model.finding import Finding
from moneytrail.store import Case


def in_band_sql(lo: float, hi: float, prefix: str = "") -> str:
    """In [lo, hi) in the reporting currency or in the booked currency: thresholds are often set in
    local currency (CHF 10,000, EUR 10,000), so a deposit of 9,500 CHF counts whatever its USD value."""
    return (f"(({prefix}amt >= {lo!r} AND {prefix}amt < {hi!r}) "
            f"OR ({prefix}booked >= {lo!r} AND {prefix}booked < {hi!r}))")


def one_if_sql(column: str, lo: float, hi: float) -> str:
    """1 when ``column`` is in [lo, hi), else 0 (for counting with sum)."""
    return f"CASE WHEN {column} >= {lo!r} AND {column} < {hi!r} THEN 1 ELSE 0 END"


def structuring_episodes_sql(params: Mapping[str, Any]) -> str:
    w = int(params["window_days"])
    hi = float(params["threshold"])
    lo = hi * (1.0 - float(params["margin"]))
    channel = str(params["channel"]).replace("'", "''")
    channel_filter = f" AND lower(coalesce(channel, '')) = lower('{channel}')" if channel else ""
    k = int(params["min_deposits"])
    under, over = one_if_sql("v", lo, hi), one_if_sql("v", hi, hi + (hi - lo))
    # What honest amounts predict: as many just under as just over (same band width), and at least the
    # case-wide share of just-under amounts among the account's deposits. Each currency basis (reporting,
    # booked) is judged on its own, so a deposit cannot be just under in one and just over in the other.
    expected = "greatest(win_tx * p, win_over)"
    # One pass counts each account's just-under deposits per basis; only a basis with at least
    # ``min_deposits`` of them in the whole case can reach that many in a window, so the windows run over
    # those accounts alone (a few percent of them) — the result is the same as windowing every account.
    # Only deposits just under on some basis are grouped by account (a few percent: a distributed engine
    # shuffled every edge to group them all), and the case-wide shares are plain sums over the edges.
    # Inlined at each use rather than a CTE read twice, which the engine would copy in full.
    e = f"SELECT * FROM ({edges_sql()}) x WHERE 1 = 1{channel_filter}"
    return f"""
WITH per AS (SELECT dst, sum({one_if_sql("amt", lo, hi)}) AS u_rep, sum({one_if_sql("booked", lo, hi)}) AS u_booked
             FROM ({e}) e WHERE {in_band_sql(lo, hi, "e.")} GROUP BY dst),
totals AS (SELECT sum({one_if_sql("amt", lo, hi)}) AS u_rep, sum({one_if_sql("booked", lo, hi)}) AS u_booked,
                  count(*) AS n FROM ({e}) e),
share AS (SELECT 'reporting' AS basis, greatest(1.0 * u_rep / n, 0.0001) AS p FROM totals
          UNION ALL SELECT 'booked' AS basis, greatest(1.0 * u_booked / n, 0.0001) AS p FROM totals),
ce AS (SELECT e.dst, e.d, e.amt, e.booked, p.u_rep, p.u_booked FROM ({e}) e JOIN per p ON p.dst = e.dst
       WHERE p.u_rep >= {k} OR p.u_booked >= {k}),
v AS (SELECT dst, d, amt AS v, 'reporting' AS basis FROM ce WHERE u_rep >= {k}
      UNION ALL SELECT dst, d, booked AS v, 'booked' FROM ce WHERE u_booked >= {k}),
daily AS (SELECT dst AS acct, basis, d, sum({under}) AS n_under, sum({over}) AS n_over, count(*) AS n_tx
          FROM v GROUP BY dst, basis, d),
win AS (SELECT acct, basis, d, sum(n_under) OVER w AS win_under, sum(n_over) OVER w AS win_over,
               sum(n_tx) OVER w AS win_tx FROM daily
        WINDOW w AS (PARTITION BY acct, basis ORDER BY d RANGE BETWEEN {w - 1} PRECEDING AND CURRENT ROW)),
q AS (SELECT acct, d, max(win_under) AS win_under, max({expected}) AS expected,
             max({poisson_z_sql('win_under', expected)}) AS z
      FROM win JOIN share USING (basis)
      WHERE win_under >= {k}
        AND {poisson_z_sql('win_under', expected)} >= {float(params["min_z"])!r}
      GROUP BY acct, d),
q2 AS (SELECT *, CASE WHEN d - lag(d) OVER (PARTITION BY acct ORDER BY d) < {w} THEN 0 ELSE 1 END AS brk FROM q),
q3 AS (SELECT *, sum(brk) OVER (PARTITION BY acct ORDER BY d ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
       AS ep FROM q2)
SELECT acct, ep, min(d) - {w - 1} AS d0, max(d) AS d1, max(z) AS z, max(win_under) AS peak,
       min(expected) AS expected
FROM q3 GROUP BY acct, ep
"""


def structuring_members_sql(params: Mapping[str, Any], episodes: str) -> str:
    hi = float(params["threshold"])
    lo = hi * (1.0 - float(params["margin"]))
    return f"""
SELECT p.acct || '|' || {text_sql('p.ep')} AS group_key, e.txn_id, 'depositor' AS from_role,
       'hub' AS to_role
FROM {episodes} p JOIN ({edges_sql()}) e ON e.dst = p.acct AND e.d BETWEEN p.d0 AND p.d1
WHERE {in_band_sql(lo, hi, "e.")}
"""


def structuring_groups_sql(episodes: str) -> str:
    return f"""
SELECT acct || '|' || {text_sql('ep')} AS group_key, {score_sql('z')} AS score, acct, peak, expected, z
FROM {episodes}
"""


@register
class Structuring:
    typology = "structuring"
    description = "Repeated deposits just under a reporting threshold into one account."
    defaults: Mapping[str, Any] = {"threshold": 10000.0, "margin": 0.1, "window_days": 30, "min_deposits": 3,
                                   "min_z": 2.0, "channel": "", "max_findings": 20000}

    @uses_edges
    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        episodes = structuring_episodes_sql(params)
        with case.engine.run() as run:
            table = run.materialise(episodes, hint="struct_ep").name
            threshold = float(params["threshold"])

            def explain(group: Group, currency: str) -> tuple[str, str]:
                acct = str(group.metrics["acct"])
                amounts = [m.amount for m in group.members]
                title = f"Structuring into {acct}: {len(amounts)} deposits under {money(threshold, currency)}"
                text = (f"{plural(len(amounts), 'deposit')} of {money(min(amounts), currency)} to "
                        f"{money(max(amounts), currency)} — all just under the {money(threshold, currency)} "
                        f"reporting threshold — reached account {acct} from "
                        f"{plural(len(group.accounts('depositor')), 'depositor')} within "
                        f"{span_text(group.start, group.end)}, {money(sum(amounts), currency)} in all; "
                        f"deposits just over the threshold and the case as a whole predict about "
                        f"{float(group.metrics['expected']):.1f} such amounts.")
                return title, text

            return build_findings(case, self.typology, structuring_groups_sql(table),
                                  structuring_members_sql(params, table),
                                  explain=explain, params=params, query=episodes,
                                  limit=int(params["max_findings"]))
