"""Rapid pass-through: an account forwards what it receives within hours, amount nearly unchanged.

Each incoming transfer is paired with the closest-in-amount outgoing transfer that leaves the same
account no earlier and within ``max_hours`` (a self-join on account and day bucket with the exact
time filter). An account is reported when at least ``min_pairs`` transfers pass through it and the
passed-through money is at least ``min_share`` of all it received.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from moneytrail.detect.base import account_activity_sql, account_activity_table, edges_table, uses_edges
from moneytrail.detect.registry import register
from moneytrail.model.finding import Finding, FindingRef
from moneytrail.store import Case


def pass_pairs_sql(max_hours: float, min_ratio: float, max_ratio: float, min_amount: float,
                   max_account_txns: int, activity: str) -> str:
    """(account, in_txn, out_txn, ...) with each incoming transfer's best-matching onward transfer.

    Accounts with more than ``max_account_txns`` transfers (merchants, payroll, exchanges) are left out:
    they pass money through by trade, and pairing their every inflow with every outflow is the cost.
    ``activity`` is a table of ``base.account_activity_sql`` (shared by the run); transfers into busy
    accounts are dropped before the join rather than after it.
    """
    days = math.ceil(max_hours / 24.0)
    offsets = " UNION ALL ".join(f"SELECT {k} AS k" for k in range(days + 1))
    quiet = f"SELECT account FROM {activity} WHERE n_txns <= {int(max_account_txns)}"
    edges = ("SELECT txn_id, src AS from_account, dst AS to_account, ts, d AS bucket, amt, source_id "
             f"FROM {edges_table()}")
    onward = f"SELECT * FROM ({edges}) x WHERE x.from_account IN ({quiet})"
    return f"""SELECT * FROM (
  SELECT i.to_account AS account, i.txn_id AS in_txn, o.txn_id AS out_txn, i.ts AS in_ts, o.ts AS out_ts,
         i.amt AS in_amt, o.amt AS out_amt, i.source_id AS in_source, o.source_id AS out_source,
         row_number() OVER (PARTITION BY i.txn_id ORDER BY abs(o.amt - i.amt), o.ts, o.txn_id) AS rn
  FROM (SELECT e.*, e.bucket + o.k AS join_bucket FROM ({edges}) e CROSS JOIN ({offsets}) o
        WHERE e.amt >= {float(min_amount)!r} AND e.to_account IN ({quiet})) i
  JOIN ({onward}) o ON o.from_account = i.to_account AND o.bucket = i.join_bucket
  WHERE o.ts >= i.ts AND o.ts <= i.ts + INTERVAL '{round(max_hours * 60)}' MINUTE
    AND o.amt >= i.amt * {float(min_ratio)!r} AND o.amt <= i.amt * {float(max_ratio)!r}
    AND o.txn_id <> i.txn_id) p
WHERE rn = 1"""


def pass_accounts_sql(pairs: str, min_pairs: int, min_share: float, max_rows: int) -> str:
    """Accounts whose inflow mostly passes straight through, ranked against all candidate accounts."""
    inflow = ("SELECT to_account AS account, sum(coalesce(amount_rc, amount)) AS inflow FROM transactions "
              f"WHERE to_account IN (SELECT account FROM {pairs}) GROUP BY to_account")
    return f"""SELECT * FROM (
  SELECT a.*, percent_rank() OVER (ORDER BY a.share * least(a.pairs, 10)) AS score FROM (
    SELECT p.account, count(*) AS pairs, sum(p.in_amt) AS passed, max(i.inflow) AS inflow,
           sum(p.in_amt) / max(i.inflow) AS share, min(p.in_ts) AS first_ts, max(p.out_ts) AS last_ts
    FROM {pairs} p JOIN ({inflow}) i ON i.account = p.account
    GROUP BY p.account) a
  WHERE a.pairs >= {int(min_pairs)} AND a.share >= {float(min_share)!r}) s
ORDER BY score DESC, account LIMIT {int(max_rows)}"""


@register
class PassThroughDetector:
    typology = "pass-through"
    description = "An account forwards what it receives within hours, amount nearly unchanged"
    # Run-shared tables it reads (base.shared_table), kept for it by run_detectors.
    shared_kinds = ("activity",)
    defaults: Mapping[str, Any] = {
        "max_hours": 12.0, "min_ratio": 0.85, "max_ratio": 1.02, "min_amount": 0.0, "min_pairs": 2,
        "min_share": 0.5, "max_account_txns": 1000, "max_findings": 100_000,
    }

    @uses_edges
    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        eng = case.engine
        activity = account_activity_table(case)
        pairs_sql = pass_pairs_sql(float(params["max_hours"]), float(params["min_ratio"]),
                                   float(params["max_ratio"]), float(params["min_amount"]),
                                   int(params["max_account_txns"]), activity)
        with eng.run() as run:
            pair_rows = run.materialise(pairs_sql, hint="pass_pairs").name
            accounts_sql = pass_accounts_sql(pair_rows, int(params["min_pairs"]), float(params["min_share"]),
                                             int(params["max_findings"]))
            accounts = eng.query(accounts_sql).to_pylist()
            chosen = run.arrow(pa.table({"account": pa.array([a["account"] for a in accounts], pa.string())}))
            pairs = eng.query(f"SELECT p.* FROM {pair_rows} p JOIN {chosen} a ON a.account = p.account "
                              "ORDER BY p.account, p.in_ts, p.in_txn").to_pylist()
        by_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for p in pairs:
            by_account[str(p["account"])].append(p)
        currency = case.reporting_currency
        query = (f"-- {activity}: transfers per account\n{account_activity_sql()};\n"
                 f"-- pairs, materialised as {pair_rows}:\n{pairs_sql};\n{accounts_sql}")
        return [self._finding(a, by_account[str(a["account"])], params, query, currency)
                for a in accounts]

    def _finding(self, a: Mapping[str, Any], pairs: list[dict[str, Any]], params: Mapping[str, Any], query: str,
                 currency: str) -> Finding:
        refs = [FindingRef("account", str(a["account"]), "hub")]
        mean_hours = sum((p["out_ts"] - p["in_ts"]).total_seconds() for p in pairs) / 3600.0 / max(len(pairs), 1)
        for p in pairs:
            refs += [FindingRef("transaction", str(p["in_txn"]), "in"),
                     FindingRef("transaction", str(p["out_txn"]), "out")]
        refs += [FindingRef("source", s, "data") for s in sorted({str(p[k]) for p in pairs
                                                                   for k in ("in_source", "out_source")})]
        explanation = (
            f"{a['pairs']} transfers into {a['account']} were sent on within {float(params['max_hours']):g} hours "
            f"(on average {mean_hours:.1f} h) at {float(params['min_ratio']):g}-"
            f"{float(params['max_ratio']):g} times the amount received: {float(a['passed']):,.2f} {currency}, "
            f"{100 * float(a['share']):.0f}% of everything the account received. Score {float(a['score']):.2f}: "
            "its share of candidate accounts with less or fewer pass-through.")
        return Finding(
            kind="typology", typology=self.typology, title=f"Rapid pass-through via {a['account']}",
            explanation=explanation, score=round(float(a["score"]), 6), refs=refs, params=dict(params), query=query,
            start=a["first_ts"], end=a["last_ts"], amount=float(a["passed"]), currency=currency,
            details={"pairs": [{"in": p["in_txn"], "out": p["out_txn"], "in_ts": p["in_ts"], "out_ts": p["out_ts"],
                                "in_amount": p["in_amt"], "out_amount": p["out_amt"]} for p in pairs],
                     "share_of_inflow": a["share"], "mean_hours": mean_hours})
