"""The local web explorer: a small read-only FastAPI app over a case, for 127.0.0.1 only.

JSON under /api, and plain server-rendered pages (jinja2 autoescape, no scripts at all) for people.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import HTMLResponse

from moneytrail.model.safe_text import finalize_for_html
from moneytrail.report.probe import open_for_reading
from moneytrail.store import Case
from moneytrail.web import queries
from moneytrail.web.security import secure

# Pages carry no script: even text that escaped escaping could not run, and nothing is fetched.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
# Records with a JSON route and a page: (path segment, noun, path parameter suffix, lookup). Account keys
# are "bank:account" and may hold a slash, so they take the rest of the path.
_RECORDS: tuple[tuple[str, str, str, Callable[[Case, str], dict[str, Any] | None]], ...] = (
    ("accounts", "account", ":path", queries.account), ("entities", "entity", "", queries.entity),
    ("findings", "finding", "", queries.finding))
_ENV = jinja2.Environment(loader=jinja2.PackageLoader("moneytrail.web", "templates"), autoescape=True,
                          undefined=jinja2.StrictUndefined, finalize=finalize_for_html)


def create_app(case_path: Path) -> FastAPI:
    case = open_for_reading(case_path)
    lock = threading.Lock()  # one DuckDB connection, handlers run in a thread pool
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        case.close()

    app = FastAPI(title="moneytrail explorer", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.case = case
    secure(app)  # Host header check (DNS rebinding) and security headers: web/security.py

    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        return response

    def page(view: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = _ENV.get_template("page.html.j2").render(view=view, case_name=case_path.name, **context)
        return HTMLResponse(html, status_code=status_code)

    @app.get("/api/search")
    def api_search(q: str = "", limit: int = 50) -> list[dict[str, Any]]:
        with lock:
            return queries.search(case, q, min(max(limit, 1), 500))

    @app.get("/", response_class=HTMLResponse)
    def home(q: str = "") -> HTMLResponse:
        with lock:
            results = queries.search(case, q)
            top = case.engine.query("SELECT finding_id, kind, typology, title, score, wording FROM findings "
                                    "ORDER BY score DESC, finding_id LIMIT 25").to_pylist()
        return page("home", q=q, results=results, top=top)

    def add_record_routes(kind: str, noun: str, path_param: str,
                          fetch: Callable[[Case, str], dict[str, Any] | None]) -> None:
        """One JSON route and one page per kind of record; both answer 404 for an unknown id."""
        def lookup(ident: str) -> dict[str, Any] | None:
            with lock:
                return fetch(case, ident)

        def api_record(ident: str) -> dict[str, Any]:
            found = lookup(ident)
            if found is None:
                raise HTTPException(404, f"no {noun} {ident!r} in this case")
            return found

        def record_page(ident: str) -> HTMLResponse:
            found = lookup(ident)
            if found is None:
                return page("missing", status_code=404, what=f"{noun} {ident}")
            return page(noun, **found)

        app.add_api_route(f"/api/{kind}/{{ident{path_param}}}", api_record, methods=["GET"])
        app.add_api_route(f"/{kind}/{{ident{path_param}}}", record_page, methods=["GET"], response_class=HTMLResponse)

    for record in _RECORDS:
        add_record_routes(*record)

    return app
