"""Shared output for the verbs: rich tables for people, JSON for machines, errors to stderr.

Data is printed as text, never as rich markup (a field holding ``[/bold]`` or ``[link=...]`` prints as
written), and control characters are escaped so escape sequences in data never reach the terminal.
Messages that want styling build ``rich.text.Text`` themselves.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from moneytrail.model.safe_text import visible_controls


def printable(value: Any) -> Text:
    """A value as inert text: no markup, control characters escaped, bidi controls marked."""
    return Text("" if value is None else visible_controls(str(value)))


class SafeConsole(Console):
    """A console whose ``print`` takes strings as plain text (no markup, emoji codes or highlighting)."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        kwargs.update(markup=False, emoji=False, highlight=False)
        super().print(*(printable(o) if isinstance(o, str) else o for o in objects), **kwargs)


console = SafeConsole(markup=False, emoji=False, highlight=False)
error_console = SafeConsole(stderr=True, markup=False, emoji=False, highlight=False)


def fail(message: str) -> None:
    error_console.print(Text.assemble(("error:", "bold red"), " ", printable(message)), soft_wrap=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=printable(title), title_justify="left")
    for column in columns:
        table.add_column(printable(column), overflow="fold")
    for row in rows:
        table.add_row(*(printable(v) for v in row))
    console.print(table)


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Progress]:
    """A rich progress bar for long work; silent when output is not a terminal or ``enabled`` is False."""
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(),
                        TextColumn("{task.completed:,.0f}/{task.total:,.0f}"), TimeElapsedColumn(),
                        console=error_console, disable=not enabled or not error_console.is_terminal,
                        transient=True)
    with progress:
        yield progress
