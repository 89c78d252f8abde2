"""``moneytrail trace CASE --from A``: follow tainted money hop by hop, in time order."""

from __future__ import annotations

import csv
from pathlib import Path

import typer

from moneytrail.cli.output import console, fail, print_json, print_table
from moneytrail.store import Case
from moneytrail.trace import TraceError, TraceParams, TraceResult, parse_gap, parse_method, parse_window, trace
from moneytrail.trace.params import parse_opening


def _money(value: float) -> str:
    return f"{value:,.2f}"


def show(result: TraceResult) -> None:
    p = result.params
    conf = result.confidence
    verdict = f"confidence {conf} ({conf.wording.value})" if conf else "no flow found"
    console.print(
        f"{p.method.value} trace {'to' if p.backward else 'from'} {', '.join(p.source)}: "
        f"{_money(result.source_outflow)} {result.currency} tainted at the origin, "
        f"{_money(result.arrived)} stopped elsewhere; {verdict}", highlight=False, emoji=False)
    print_table("where the money stopped", ["account", "holder", "country", "amount"],
                [(s.account, s.label, s.country, _money(s.amount)) for s in result.sinks[:15]])
    print_table("top intermediaries (tainted throughput)", ["account", "holder", "country", "passed on"],
                [(s.account, s.label, s.country, _money(s.amount)) for s in result.intermediaries[:10]])
    print_table("flows", ["amount", "hops", "path", "countries", "days", "confidence"],
                [(_money(f.amount), len(f.hops),
                  " → ".join([f.hops[0].from_account] + [h.to_account for h in f.hops]),
                  " → ".join(f.countries), f"{f.seconds_to_arrive / 86400:.1f}",
                  f"{f.confidence} {f.confidence.wording.value}") for f in result.flows[:15]])
    print_table("routes by jurisdiction", ["countries", "amount", "flows"],
                [(" → ".join(r["countries"]), _money(r["amount"]), r["flows"]) for r in result.routes[:10]])
    print_table("amount by hop count", ["hops", "amount"],
                [(k, _money(v)) for k, v in sorted(result.hop_counts.items())])
    if result.finding_id:
        console.print(f"stored as finding {result.finding_id}", highlight=False, emoji=False)


def write_sankey(result: TraceResult, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["source", "target", "amount", "source_label", "target_label"])
        writer.writeheader()
        writer.writerows(result.sankey)


def register(app: typer.Typer) -> None:
    @app.command("trace")
    def trace_cmd(
        case: Path = typer.Argument(..., help="Case folder or .duckdb file."),
        source: list[str] = typer.Option(..., "--from", help="Account key (bank:account) or entity id; repeatable."),
        target: list[str] = typer.Option([], "--to", help="Only money reaching this account or entity."),
        backward: bool = typer.Option(False, "--backward", help="Where did the money come from?"),
        max_hops: int = typer.Option(6, "--max-hops", help="Longest path, in payments."),
        max_gap: str = typer.Option("30d", "--max-gap", help="Longest wait at an account: 7d, 36h, 90m."),
        window: str = typer.Option("..", "--window", help="START..END in UTC, either side optional."),
        method: str = typer.Option("fifo", "--method", help="fifo | proportional | poison"),
        min_amount: float = typer.Option(0.0, "--min-amount", help="Do not follow taint below this amount."),
        opening: list[str] = typer.Option([], "--opening", help="Known opening balance ACCOUNT=AMOUNT; repeatable."),
        max_paths: int = typer.Option(200, "--max-paths", help="How many of the largest flows to list."),
        sankey: Path | None = typer.Option(None, "--sankey", help="Also write the Sankey edge list as CSV here."),
        json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Trace tainted money through time-respecting paths and store the trace as a finding."""
        try:
            start, end = parse_window(window)
            params = TraceParams(source=tuple(source), target=tuple(target), backward=backward, max_hops=max_hops,
                                 max_gap=parse_gap(max_gap), window_start=start, window_end=end,
                                 method=parse_method(method), min_amount=min_amount,
                                 opening_balances=parse_opening(opening), max_paths=max_paths)
            with Case.open(case) as c:
                result = trace(c, params)
        except TraceError as exc:
            fail(str(exc))
            raise typer.Exit(2) from None
        if sankey is not None:
            write_sankey(result, sankey)
        if json_out:
            print_json(result.to_dict())
        else:
            show(result)
