"""The JSON API: everything the pages show, under /api, described by FastAPI's OpenAPI schema."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from moneytrail.store import Case
from moneytrail.web import entity as entities
from moneytrail.web import graph, ledger, queries, search, timeline
from moneytrail.web.names import canonical, entity_exists
from moneytrail.web.params import Offset, edge_filter, finding_filter, ledger_filter, search_query
from moneytrail.web.reading import reader

router = APIRouter(prefix="/api")
Reader = Annotated[Case, Depends(reader)]
Ident = Annotated[str, Query(min_length=1, max_length=300)]


def found(data: dict[str, Any] | None, what: str) -> dict[str, Any]:
    if data is None:
        raise HTTPException(404, f"no {what} in this case")
    return data


@router.get("/search", summary="Entities, accounts and memos matching a text, with facets")
def api_search(case: Reader, query: Annotated[search.SearchQuery, Depends(search_query)]) -> dict[str, Any]:
    return search.search(case, query)


@router.get("/entities/{entity_id}", summary="An entity: names, members and merges, accounts, findings, sources")
def api_entity(case: Reader, entity_id: str) -> dict[str, Any]:
    return found(entities.entity(case, entity_id), f"entity {entity_id!r}")


@router.get("/accounts/{account_key:path}", summary="An account, its holder and its latest transactions")
def api_account(case: Reader, account_key: str) -> dict[str, Any]:
    return found(ledger.account(case, account_key), f"account {account_key!r}")


def ledger_scope(case: Case, account: str | None, entity: str | None) -> tuple[str, str]:
    """The (kind, key) whose transactions are asked for; exactly one of account or entity."""
    if bool(account) == bool(entity):
        raise HTTPException(400, "give exactly one of account=KEY or entity=ID")
    if account:
        if ledger.account_facts(case, account) is None:
            raise HTTPException(404, f"no account {account!r} in this case")
        return "account", account
    assert entity is not None
    cid = canonical(case, entity)
    if not entity_exists(case, cid):
        raise HTTPException(404, f"no entity {entity!r} in this case")
    return "entity", cid


@router.get("/transactions", summary="Transactions of an account or entity, filtered, sorted and paged")
def api_transactions(case: Reader, flt: Annotated[ledger.LedgerFilter, Depends(ledger_filter)],
                     account: Annotated[str | None, Query(max_length=300)] = None,
                     entity: Annotated[str | None, Query(max_length=300)] = None) -> dict[str, Any]:
    kind, key = ledger_scope(case, account, entity)
    return ledger.transactions(case, kind, key, flt) | {"scope": {"kind": kind, "key": key}}


@router.get("/findings", summary="Findings, filtered by kind, typology, grade, score and staleness")
def api_findings(case: Reader, flt: Annotated[queries.FindingFilter, Depends(finding_filter)]) -> dict[str, Any]:
    return queries.list_findings(case, flt)


@router.get("/findings/{finding_id}", summary="A finding with its cited rows, parameters, query and sources")
def api_finding(case: Reader, finding_id: str) -> dict[str, Any]:
    return found(queries.finding(case, finding_id), f"finding {finding_id!r}")


@router.get("/graph/neighbours", summary="A node's neighbours by money moved (node=entity:ID or account:KEY)")
def api_neighbours(case: Reader, node: Ident, flt: Annotated[graph.EdgeFilter, Depends(edge_filter)]) -> dict[str, Any]:
    try:
        if not graph.node_exists(case, node):
            raise HTTPException(404, f"no node {node!r} in this case")
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
    return graph.neighbours(case, node, flt)


@router.get("/graph/findings/{finding_id}", summary="The payments a finding cites, as a graph")
def api_finding_graph(case: Reader, finding_id: str, fold: bool = True) -> dict[str, Any]:
    return found(graph.finding_graph(case, finding_id, fold), f"finding {finding_id!r}")


@router.get("/timeline", summary="Payments, events, documents and claims of an entity or actor on one axis")
def api_timeline(case: Reader, entity: Annotated[str | None, Query(max_length=300)] = None,
                 actor: Annotated[str | None, Query(min_length=2, max_length=200)] = None) -> dict[str, Any]:
    if bool(entity) == bool(actor):
        raise HTTPException(400, "give exactly one of entity=ID or actor=TEXT")
    return found(timeline.timeline(case, entity_id=entity, actor=actor), f"entity {entity!r}")


@router.get("/events", summary="Events, latest first")
def api_events(case: Reader, offset: Offset = 0, limit: Annotated[int, Query(ge=1, le=500)] = 50,
               q: Annotated[str | None, Query(max_length=200)] = None) -> dict[str, Any]:
    return timeline.events(case, q=q, offset=offset, limit=limit)


@router.get("/events/{event_id}", summary="An event and the payments that followed it")
def api_event(case: Reader, event_id: str) -> dict[str, Any]:
    return found(timeline.event(case, event_id), f"event {event_id!r}")


@router.get("/status", summary="The case served, its size, the limits and whether the explorer index is ready")
def api_status(request: Request, case: Reader) -> dict[str, Any]:
    index = request.app.state.index
    limits = request.app.state.limits
    return {"case": request.app.state.case_name, "reporting_currency": case.reporting_currency,
            "transactions": case.count("transactions"), "findings": case.count("findings"),
            "index": {"ready": index.ready.is_set(), "seconds": index.seconds, "error": index.error},
            "limits": {"seconds": limits.seconds, "row_limit": limits.row_limit, "csv_row_limit": limits.csv_row_limit}}
