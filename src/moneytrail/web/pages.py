"""Server-rendered pages: the same data as the JSON API, through jinja2 with autoescape. Scripts are
files under /assets only (the Content-Security-Policy forbids inline script), and read their data from
the JSON API."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from moneytrail.model.safe_text import finalize_for_html
from moneytrail.store import Case
from moneytrail.web import entity as entities
from moneytrail.web import graph, ledger, queries, search, timeline
from moneytrail.web.api import found, ledger_scope
from moneytrail.web.names import entity_labels
from moneytrail.web.params import Offset, edge_filter, finding_filter, ledger_filter, search_query
from moneytrail.web.reading import csv_reader, reader

router = APIRouter()
Reader = Annotated[Case, Depends(reader)]
ENV = jinja2.Environment(loader=jinja2.PackageLoader("moneytrail.web", "templates"), autoescape=True,
                         undefined=jinja2.StrictUndefined, finalize=finalize_for_html)
_REPORT_ASSETS = Path(__file__).parent.parent / "report" / "assets"
_WEB_ASSETS = Path(__file__).parent / "static"
# The only files served: a fixed name -> file map, so no path from a URL ever reaches the file system.
ASSETS = {name: folder / name for folder, names in (
    (_REPORT_ASSETS, ("cytoscape.min.js", "echarts.min.js", "cytoscape.LICENSE", "echarts.LICENSE")),
    (_WEB_ASSETS, ("explorer.js", "explorer.css"))) for name in names}


def _money(value: Any) -> str:
    return "" if value is None else f"{float(value):,.2f}"


def _grade(r: Any, c: Any) -> str:
    return f"{r or ''}{c or ''}" or "ungraded"


def _with_params(query: dict[str, str], **changes: Any) -> str:
    """The current page's query string with some parameters changed (None drops one)."""
    merged = {k: v for k, v in ({**query, **{k: v for k, v in changes.items()}}).items() if v not in (None, "")}
    return "?" + urlencode(merged)


ENV.filters["money"] = _money
ENV.globals["grade"] = _grade
ENV.globals["with_params"] = _with_params


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = ENV.get_template(template).render(case_name=request.app.state.case_name, request_url=str(request.url),
                                             query=dict(request.query_params), **context)
    return HTMLResponse(html, status_code=status_code)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request, case: Reader, query: Annotated[search.SearchQuery, Depends(search_query)]) -> HTMLResponse:
    top = queries.list_findings(case, queries.FindingFilter(limit=15)) if not query.q.strip() else None
    return render(request, "search.html.j2", result=search.search(case, query), top=top)


@router.get("/entities/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
def entity_page(request: Request, case: Reader, entity_id: str) -> HTMLResponse:
    return render(request, "entity.html.j2", e=found(entities.entity(case, entity_id), f"entity {entity_id}"))


@router.get("/accounts/{account_key:path}", response_class=HTMLResponse, include_in_schema=False)
def account_page(request: Request, case: Reader, account_key: str) -> HTMLResponse:
    return render(request, "account.html.j2", a=found(ledger.account(case, account_key), f"account {account_key}"))


@router.get("/transactions", response_class=HTMLResponse, include_in_schema=False)
def transactions_page(request: Request, case: Reader, flt: Annotated[ledger.LedgerFilter, Depends(ledger_filter)],
                      account: Annotated[str | None, Query(max_length=300)] = None,
                      entity: Annotated[str | None, Query(max_length=300)] = None) -> HTMLResponse:
    kind, key = ledger_scope(case, account, entity)
    title = (ledger.account_facts(case, key) or {}).get("holder_name") if kind == "account" else \
        entity_labels(case, [key]).get(key)
    return render(request, "transactions.html.j2", scope={"kind": kind, "key": key, "title": title or key},
                  flt=flt, data=ledger.transactions(case, kind, key, flt))


@router.get("/transactions.csv", include_in_schema=False)
def transactions_csv(request: Request, case: Annotated[Case, Depends(csv_reader)],
                     flt: Annotated[ledger.LedgerFilter, Depends(ledger_filter)],
                     account: Annotated[str | None, Query(max_length=300)] = None,
                     entity: Annotated[str | None, Query(max_length=300)] = None) -> Response:
    kind, key = ledger_scope(case, account, entity)
    text, count = ledger.transactions_csv(case, kind, key, flt)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    safe = "".join(ch if ch.isalnum() else "-" for ch in key)[:60]
    truncated = count >= request.app.state.limits.csv_row_limit
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="transactions-{kind}-{safe}-{stamp}.csv"',
        "X-Rows": str(count), "X-Truncated": "true" if truncated else "false"})


@router.get("/findings", response_class=HTMLResponse, include_in_schema=False)
def findings_page(request: Request, case: Reader,
                  flt: Annotated[queries.FindingFilter, Depends(finding_filter)]) -> HTMLResponse:
    return render(request, "findings.html.j2", flt=flt, data=queries.list_findings(case, flt))


@router.get("/findings/{finding_id}", response_class=HTMLResponse, include_in_schema=False)
def finding_page(request: Request, case: Reader, finding_id: str) -> HTMLResponse:
    return render(request, "finding.html.j2", d=found(queries.finding(case, finding_id), f"finding {finding_id}"))


@router.get("/graph", response_class=HTMLResponse, include_in_schema=False)
def graph_page(request: Request, case: Reader, flt: Annotated[graph.EdgeFilter, Depends(edge_filter)],
               node: Annotated[str | None, Query(max_length=300)] = None,
               finding: Annotated[str | None, Query(max_length=300)] = None) -> HTMLResponse:
    if bool(node) == bool(finding):
        raise HTTPException(400, "give exactly one of node=entity:ID (or account:KEY) or finding=ID")
    title = ""
    if node:
        try:
            if not graph.node_exists(case, node):
                raise HTTPException(404, f"no node {node} in this case")
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc
        title = graph.neighbours(case, node, graph.EdgeFilter(limit=1))["nodes"][0]["label"]
    else:
        assert finding is not None
        f = found(queries.finding(case, finding, ref_limit=1), f"finding {finding}")
        title = f["finding"]["title"]
    return render(request, "graph.html.j2", node=node, finding=finding, title=title, flt=flt)


@router.get("/timeline", response_class=HTMLResponse, include_in_schema=False)
def timeline_page(request: Request, case: Reader, entity: Annotated[str | None, Query(max_length=300)] = None,
                  actor: Annotated[str | None, Query(min_length=2, max_length=200)] = None) -> HTMLResponse:
    if bool(entity) == bool(actor):
        raise HTTPException(400, "give exactly one of entity=ID or actor=TEXT")
    data = found(timeline.timeline(case, entity_id=entity, actor=actor), f"entity {entity}")
    return render(request, "timeline.html.j2", t=data)


@router.get("/events", response_class=HTMLResponse, include_in_schema=False)
def events_page(request: Request, case: Reader, offset: Offset = 0,
                limit: Annotated[int, Query(ge=1, le=500)] = 50,
                q: Annotated[str | None, Query(max_length=200)] = None) -> HTMLResponse:
    return render(request, "events.html.j2", data=timeline.events(case, q=q, offset=offset, limit=limit))


@router.get("/events/{event_id}", response_class=HTMLResponse, include_in_schema=False)
def event_page(request: Request, case: Reader, event_id: str) -> HTMLResponse:
    return render(request, "event.html.j2", d=found(timeline.event(case, event_id), f"event {event_id}"))


@router.get("/assets/{name}", include_in_schema=False)
def asset(name: str) -> FileResponse:
    path = ASSETS.get(name)
    if path is None or not path.is_file():
        raise HTTPException(404, f"no asset {name}")
    return FileResponse(path, headers={"Cache-Control": "max-age=3600"})


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    return Response(status_code=204)
