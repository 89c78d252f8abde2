"""Query parameters shared by pages and the JSON API, validated by FastAPI (a bad value is a 400)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Query

from moneytrail.web.graph import EdgeFilter
from moneytrail.web.ledger import LedgerFilter
from moneytrail.web.queries import FindingFilter
from moneytrail.web.search import SearchQuery

Text = Annotated[str | None, Query(max_length=200)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Amount = Annotated[float | None, Query(ge=-1e15, le=1e15, allow_inf_nan=False)]


def search_query(q: Annotated[str, Query(max_length=200)] = "", schema: Text = None, country: Text = None,
                 source: Text = None, dataset: Text = None, grade: Text = None, offset: Offset = 0,
                 limit: Annotated[int, Query(ge=1, le=200)] = 50) -> SearchQuery:
    return SearchQuery(q=q, schema=schema or None, country=country or None, source=source or None,
                       dataset=dataset or None, grade=grade or None, offset=offset, limit=limit)


def finding_filter(kind: Text = None, typology: Text = None, grade: Annotated[str | None, Query(
                   max_length=2, pattern="^[A-Fa-f][1-6]?$")] = None,
                   min_score: Amount = None, stale: bool | None = None, q: Text = None, offset: Offset = 0,
                   limit: Annotated[int, Query(ge=1, le=500)] = 50) -> FindingFilter:
    return FindingFilter(kind=kind or None, typology=typology or None, grade=grade or None, min_score=min_score,
                         stale=stale, q=q or None, offset=offset, limit=limit)


def ledger_filter(date_from: date | None = None, date_to: date | None = None, min_amount: Amount = None,
                  max_amount: Amount = None, counterparty: Text = None, channel: Text = None,
                  grade: Annotated[str | None, Query(max_length=2, pattern="^[A-Fa-f][1-6]?$")] = None,
                  sort: Literal["ts", "amount", "channel", "counterparty", "txn_id"] = "ts",
                  order: Literal["asc", "desc"] = "desc", offset: Offset = 0,
                  limit: Annotated[int, Query(ge=1, le=500)] = 50) -> LedgerFilter:
    return LedgerFilter(date_from=date_from, date_to=date_to, min_amount=min_amount, max_amount=max_amount,
                        counterparty=counterparty or None, channel=channel or None, grade=grade or None, sort=sort,
                        order=order, offset=offset, limit=limit)


def edge_filter(date_from: date | None = None, date_to: date | None = None, min_amount: Amount = None,
                max_amount: Amount = None, fold: bool = True,
                limit: Annotated[int, Query(ge=1, le=200)] = 25) -> EdgeFilter:
    return EdgeFilter(date_from=date_from, date_to=date_to, min_amount=min_amount, max_amount=max_amount, fold=fold,
                      limit=limit)
