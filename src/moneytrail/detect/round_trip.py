"""Round-tripping: money comes back to its origin through two or more intermediaries, typically
across banks (or countries), with most of the amount preserved end to end.

Unlike ``cycle`` (any time-ordered chain back to the origin), this looks at the whole trip: at least
two intermediaries, what returns is ``min_return``-``max_return`` of what left, and the chain crosses
at least ``min_banks`` banks. It reads the same bounded path search as ``cycle`` (cached, so it costs
nothing extra with default thresholds); widen ``max_gap_hours`` for slow trips.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.paths import (
    CLOSED,
    best_chains_sql,
    chain_finding,
    find_chains,
    fmt_amount,
    search_from,
    search_sql,
    span_hours,
    split_ids,
)
from moneytrail.detect.registry import register
from moneytrail.model.finding import Finding
from moneytrail.store import Case


def round_trip_where_sql(min_hops: int, min_return: float, max_return: float) -> str:
    return (f"hops >= {int(min_hops)} AND last_amt >= first_amt * {float(min_return)!r} "
            f"AND last_amt <= first_amt * {float(max_return)!r}")


def banks_of(accounts: list[str]) -> list[str]:
    """Bank part of each account key ("bank:account")."""
    return sorted({a.split(":", 1)[0] for a in accounts if ":" in a})


@register
class RoundTripDetector:
    typology = "round-tripping"
    description = "Money returns to its origin via 2+ intermediaries, across banks, amount mostly preserved"
    # Run-shared tables it reads (base.shared_table), kept for it by run_detectors.
    shared_kinds = ("activity",)
    defaults: Mapping[str, Any] = {
        # The search thresholds default to the cycle detector's, so both read one cached search.
        "max_hops": 13, "min_hops": 3, "max_gap_hours": 150.0, "max_span_hours": 336.0,
        "min_hop_ratio": 0.8, "max_hop_ratio": 1.25, "min_return": 0.7, "max_return": 1.05, "min_banks": 2,
        "min_amount": 0.0, "max_findings": 100_000,
    }

    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        s = search_from(params)
        where = round_trip_where_sql(int(params["min_hops"]), float(params["min_return"]),
                                     float(params["max_return"]))
        sql = best_chains_sql(CLOSED, where, int(params["max_findings"]))
        chains, details = find_chains(case, s, sql, drop_suffixes=False)
        currency, input_hash = case.reporting_currency, case.input_hash()
        query = (search_sql(s) + "\n-- closed chains that return most of the money:\n"
                 + sql)
        findings = []
        for c in chains:
            accounts = list(dict.fromkeys(split_ids(str(c["accts"]))))
            banks = banks_of(accounts)
            if len(banks) < int(params["min_banks"]):
                continue
            returned = float(c["last_amt"]) / float(c["first_amt"])
            explanation = (
                f"{fmt_amount(c['first_amt'], currency)} left {c['origin']} and {100 * returned:.0f}% of it "
                f"({fmt_amount(c['last_amt'], currency)}) came back {span_hours(c) / 24:.1f} days later through "
                f"{len(accounts) - 1} intermediaries at {len(banks)} banks ({', '.join(banks)}). "
                f"Score {float(c['score']):.2f}: its share of candidate round trips that are looser or shorter.")
            f = chain_finding(c, details, typology=self.typology,
                              title=f"Round trip {c['origin']} via {len(accounts) - 1} intermediaries",
                              explanation=explanation, params=dict(params), query=query, input_hash=input_hash,
                              currency=currency, last_role="intermediary")
            f.details.update({"banks": banks, "returned_share": returned})
            findings.append(f)
        return findings
