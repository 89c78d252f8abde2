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

from moneytrail.detect.chains import ChainDetector, ChainText, chain_defaults
from moneytrail.detect.paths import CLOSED, PathSearch, fmt_amount, span_hours, split_ids
from moneytrail.detect.registry import register


def round_trip_where_sql(min_hops: int, min_return: float, max_return: float) -> str:
    return (f"hops >= {int(min_hops)} AND last_amt >= first_amt * {float(min_return)!r} "
            f"AND last_amt <= first_amt * {float(max_return)!r}")


def banks_of(accounts: list[str]) -> list[str]:
    """Bank part of each account key ("bank:account")."""
    return sorted({a.split(":", 1)[0] for a in accounts if ":" in a})


@register
class RoundTripDetector(ChainDetector):
    typology = "round-tripping"
    description = "Money returns to its origin via 2+ intermediaries, across banks, amount mostly preserved"
    # The search thresholds default to the cycle detector's, so both read one cached search.
    defaults: Mapping[str, Any] = chain_defaults(min_hops=3, max_findings=100_000, min_return=0.7,
                                                 max_return=1.05, min_banks=2)
    chains = CLOSED
    picked = "closed chains that return most of the money"
    last_role = "intermediary"

    def where_sql(self, params: Mapping[str, Any]) -> str:
        return round_trip_where_sql(int(params["min_hops"]), float(params["min_return"]),
                                    float(params["max_return"]))

    def describe(self, c: Mapping[str, Any], s: PathSearch, params: Mapping[str, Any],
                 currency: str) -> ChainText | None:
        accounts = list(dict.fromkeys(split_ids(str(c["accts"]))))
        banks = banks_of(accounts)
        if len(banks) < int(params["min_banks"]):
            return None
        returned = float(c["last_amt"]) / float(c["first_amt"])
        return ChainText(
            title=f"Round trip {c['origin']} via {len(accounts) - 1} intermediaries",
            explanation=(
                f"{fmt_amount(c['first_amt'], currency)} left {c['origin']} and {100 * returned:.0f}% of it "
                f"({fmt_amount(c['last_amt'], currency)}) came back {span_hours(c) / 24:.1f} days later through "
                f"{len(accounts) - 1} intermediaries at {len(banks)} banks ({', '.join(banks)}). "
                f"Score {float(c['score']):.2f}: its share of candidate round trips that are looser or shorter."),
            details={"banks": banks, "returned_share": returned})
