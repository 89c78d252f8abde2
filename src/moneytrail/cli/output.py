"""Shared output for the verbs: rich tables for people, JSON for machines, errors to stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console()
error_console = Console(stderr=True)


def fail(message: str) -> None:
    error_console.print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Progress]:
    """A rich progress bar for long work; silent when output is not a terminal or ``enabled`` is False."""
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                        TextColumn("{task.completed:,.0f}/{task.total:,.0f}"), TimeElapsedColumn(),
                        console=error_console, disable=not enabled or not error_console.is_terminal,
                        transient=True)
    with progress:
        yield progress
