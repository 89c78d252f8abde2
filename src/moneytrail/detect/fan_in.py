"""Fan-in: many distinct senders pay one account within a few days (AMLworld FAN-IN)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.base import Group, build_findings, money, plural, span_text, uses_edges
from moneytrail.detect.registry import register
from moneytrail.detect.star import (
    STAR_DEFAULTS,
    episode_groups_sql,
    episode_members_sql,
    star_episodes_sql,
    star_tables,
)
from moneytrail.model.finding import Finding
from moneytrail.store import Case


def background_text(group: Group, noun: str, window_days: int) -> str:
    m = group.metrics
    recurring = int(m["recurring"])
    return (f"The new {noun} turned up on {int(m['arrival_days'])} different days. "
            f"Usual for this account: about {float(m['expected_own']):.1f} new {noun} per {window_days} days; "
            f"for accounts of similar activity: {float(m['peer_median']):.0f} at their busiest"
            + (f"; {recurring} of them also dealt with it at other times." if recurring else
               "; none of them dealt with it at other times."))


def run_star(case: Case, direction: str, typology: str, params: Mapping[str, Any], explain: Any) -> list[Finding]:
    """Materialise the episodes once, then build groups and members from them."""
    table = f"_episodes_{direction}"
    shared = star_tables(case, direction, params)
    episodes = star_episodes_sql(shared.windows, params)
    case.engine.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {episodes}")
    try:
        return build_findings(
            case, typology,
            episode_groups_sql(direction, table, shared.pairs, params),
            episode_members_sql(direction, table, float(params["min_amount"])),
            explain=explain, params=params, query=f"{shared.sql}\n-- episodes\n{episodes}",
            limit=int(params["max_findings"]))
    finally:
        case.engine.execute(f"DROP TABLE IF EXISTS {table}")


@register
class FanIn:
    typology = "fan-in"
    description = "Many distinct senders pay one account within a short window, unusually for it and its peers."
    # Run-shared tables it reads (base.shared_table), kept for it by run_detectors.
    shared_kinds = ("star", "star-in")
    defaults: Mapping[str, Any] = dict(STAR_DEFAULTS)

    @uses_edges
    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        window = int(params["window_days"])

        def explain(group: Group, currency: str) -> tuple[str, str]:
            hub = str(group.metrics["hub"])
            senders = group.accounts("sender")
            total = sum(m.amount for m in group.members)
            title = f"Fan-in: {plural(len(senders), 'sender')} paid {hub}"
            text = (f"{plural(len(senders), 'distinct sender')} paid {money(total, currency)} into account "
                    f"{hub} within {span_text(group.start, group.end)} "
                    f"({plural(len(group.members), 'transfer')}). "
                    + background_text(group, "senders", window))
            return title, text

        return run_star(case, "in", self.typology, params, explain)
