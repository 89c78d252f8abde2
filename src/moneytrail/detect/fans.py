"""What fan-in and fan-out share: one detector over ``star`` episodes, differing only in direction and wording.

``fan_in`` and ``fan_out`` each register a ``FanDetector`` that says which way the money flows, what the
many counterparties are called, and how its finding opens; the episode search, the members and the
background sentence are the same for both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moneytrail.detect.base import Explain, Group, build_findings, money, plural, span_text, uses_edges
from moneytrail.detect.star import episode_groups_sql, episode_members_sql, star_episodes_sql, star_tables
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


def run_star(case: Case, direction: str, typology: str, params: Mapping[str, Any], explain: Explain, *,
             weight: float = 1.0, variant: tuple[str, str] | None = None, new_only: bool = False) -> list[Finding]:
    """Materialise the episodes once, then build groups and members from them. With ``new_only`` a
    finding cites the transfers with counterparties new in the episode and not seen after it; with the
    parameter ``burst_only`` (the 6-day fans) a group counts only the counterparties new in the episode
    (``star.episode_groups_sql``) and cites all the hub's transfers in it."""
    shared = star_tables(case, direction, params)
    episodes = star_episodes_sql(shared.windows, params)
    burst = bool(int(params.get("burst_only", 0)))
    with case.engine.run() as run:
        table = run.materialise(episodes, hint=f"episodes_{direction}").name
        return build_findings(
            case, typology,
            episode_groups_sql(direction, table, shared.pairs, params, weight=weight, variant=variant,
                               new_only=burst),
            episode_members_sql(direction, table, float(params["min_amount"]), shared.pairs if new_only else None),
            explain=explain, params=params, query=f"{shared.sql}\n-- episodes\n{episodes}",
            limit=int(params["max_findings"]))


class FanDetector:
    """Many distinct counterparties deal with one hub account within a short window.

    A subclass sets ``direction`` ('in': they pay the hub; 'out': the hub pays them), the role its
    counterparties carry in the members (``counterparty``) and the finding's ``headline``."""

    typology: str
    description: str
    direction: str
    counterparty: str  # "sender" or "receiver"
    defaults: Mapping[str, Any]
    # A weaker variant (``fans_long``) scores this share of the usual score and ends its text with ``caveat``.
    weight = 1.0
    variant: tuple[str, str] | None = None
    caveat = ""
    # Cite only the transfers with counterparties new in the episode (``star.episode_members_sql``).
    members_new_only = False

    @property
    def shared_kinds(self) -> tuple[str, ...]:
        """Run-shared tables it reads (named as ``star.star_tables`` names them), kept for it by run_detectors."""
        return ("star", f"star-{self.direction}")

    def headline(self, hub: str, counterparties: int, total: str) -> tuple[str, str]:
        """(title, opening of the explanation) for ``counterparties`` accounts that moved ``total``."""
        raise NotImplementedError

    @uses_edges
    def detect(self, case: Case, params: Mapping[str, Any]) -> list[Finding]:
        window = int(params["window_days"])

        def explain(group: Group, currency: str) -> tuple[str, str]:
            hub = str(group.metrics["hub"])
            total = sum(m.amount for m in group.members)
            title, opening = self.headline(hub, len(group.accounts(self.counterparty)), money(total, currency))
            text = (f"{opening} within {span_text(group.start, group.end)} "
                    f"({plural(len(group.members), 'transfer')}). "
                    + background_text(group, f"{self.counterparty}s", window) + self.caveat)
            return title, text

        return run_star(case, self.direction, self.typology, params, explain, weight=self.weight,
                        variant=self.variant, new_only=self.members_new_only)
