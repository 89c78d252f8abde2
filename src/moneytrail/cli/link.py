"""``moneytrail link CASE --actor GROUP``: do payments to an actor follow its events at a fixed price?"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from moneytrail.api import open_case
from moneytrail.cli.output import fail, print_json, print_table
from moneytrail.link.bounty import DEFAULTS


def register(app: typer.Typer) -> None:
    @app.command("link")
    def link(case: Path = typer.Argument(..., help="Case folder or .duckdb file."),
             actor: list[str] = typer.Option(..., "--actor", help="Actor name as in events or entities (repeatable)."),
             window: int = typer.Option(DEFAULTS["window"], "--window",
                                        help="Days after an event a payment may follow."),
             permutations: int = typer.Option(DEFAULTS["permutations"], "--permutations",
                                              help="Random redraws of event dates for the p-value."),
             alpha: float = typer.Option(DEFAULTS["alpha"], "--alpha", help="Significance level."),
             tolerance: float = typer.Option(DEFAULTS["tolerance"], "--tolerance",
                                             help="Relative tolerance around the price per casualty."),
             payee: str = typer.Option(None, "--payee", help="Test payments to this party's accounts instead "
                                                             "(is it paid for the actor's events?)."),
             any_role: bool = typer.Option(False, "--any-role",
                                           help="Also match the actor as actor2/assoc_actor_2 (target)."),
             json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
        """Test whether payments to an actor's accounts follow its events, bounty-style (price per casualty)."""
        if window < 1 or permutations < 1:
            fail("--window and --permutations must be at least 1")
            sys.exit(2)
        with open_case(case, must_exist=True) as c:
            results = [c.link(a, window=window, permutations=permutations, alpha=alpha, tolerance=tolerance,
                              any_role=any_role, payee=payee).result for a in actor]
        if json_out:
            print_json([r.summary() for r in results])
            return
        print_table("payment-event link", ["actor", "events", "payments", "matched", "price/casualty", "p",
                                           "signature", "note"],
                    [[r.actor, r.events, r.payments, r.matched,
                      f"{r.price_per_casualty:,.0f}" if r.price_per_casualty else "", f"{r.p_value:.4f}",
                      "FOUND" if r.found else "not found", r.reason or (r.finding_id or "")] for r in results])
        for r in results:
            if r.found:
                print_table(f"{r.actor}: event → payment pairs", ["event", "date", "casualties", "txn", "paid",
                                                                 "amount", "lag (days)"],
                            [[p["event_id"], p["event_date"], p["casualties"], p["txn_id"], p["ts"],
                              f"{p['amount']:,.2f}", p["lag_days"]] for p in r.pairs])
