"""Per-request reading (the datasette pattern): every request gets a Case over its own cursor on the
read-only case file, with a row limit and a time limit, so requests run side by side and none outlives its
budget. The shared connection is only used to open cursors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import Request

from moneytrail.store import Case
from moneytrail.web.index import ExplorerCase


@dataclass(frozen=True)
class Limits:
    seconds: float = 10.0  # time limit for all the queries of one request
    row_limit: int = 5_000  # rows any one query may return to a page or API call
    csv_row_limit: int = 50_000  # rows a CSV download may hold


def _cursor_case(request: Request, row_limit: int) -> Iterator[Case]:
    base: Case = request.app.state.case
    limits: Limits = request.app.state.limits
    with base.engine.request_cursor(seconds=limits.seconds, row_limit=row_limit) as engine:
        yield ExplorerCase(Case(engine, base.path), request.app.state.index.sources(), request.app.state.columns)


def reader(request: Request) -> Iterator[Case]:
    """FastAPI dependency: a Case for this request only."""
    yield from _cursor_case(request, request.app.state.limits.row_limit)


def csv_reader(request: Request) -> Iterator[Case]:
    yield from _cursor_case(request, request.app.state.limits.csv_row_limit)
