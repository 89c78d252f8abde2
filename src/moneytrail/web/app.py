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

from moneytrail.report.probe import open_for_reading
from moneytrail.web import queries

# Pages carry no script: even text that escaped escaping could not run, and nothing is fetched.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_ENV = jinja2.Environment(loader=jinja2.PackageLoader("moneytrail.web", "templates"), autoescape=True,
                          undefined=jinja2.StrictUndefined)


def create_app(case_path: Path) -> FastAPI:
    case = open_for_reading(case_path)
    lock = threading.Lock()  # one DuckDB connection, handlers run in a thread pool
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        case.close()

    app = FastAPI(title="moneytrail explorer", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.case = case

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

    @app.get("/api/accounts/{key:path}")
    def api_account(key: str) -> dict[str, Any]:
        with lock:
            found = queries.account(case, key)
        if found is None:
            raise HTTPException(404, f"no account {key!r} in this case")
        return found

    @app.get("/api/entities/{entity_id}")
    def api_entity(entity_id: str) -> dict[str, Any]:
        with lock:
            found = queries.entity(case, entity_id)
        if found is None:
            raise HTTPException(404, f"no entity {entity_id!r} in this case")
        return found

    @app.get("/api/findings/{finding_id}")
    def api_finding(finding_id: str) -> dict[str, Any]:
        with lock:
            found = queries.finding(case, finding_id)
        if found is None:
            raise HTTPException(404, f"no finding {finding_id!r} in this case")
        return found

    @app.get("/", response_class=HTMLResponse)
    def home(q: str = "") -> HTMLResponse:
        with lock:
            results = queries.search(case, q)
            top = case.engine.query("SELECT finding_id, kind, typology, title, score, wording FROM findings "
                                    "ORDER BY score DESC, finding_id LIMIT 25").to_pylist()
        return page("home", q=q, results=results, top=top)

    @app.get("/accounts/{key:path}", response_class=HTMLResponse)
    def account_page(key: str) -> HTMLResponse:
        with lock:
            found = queries.account(case, key)
        if found is None:
            return page("missing", status_code=404, what=f"account {key}")
        return page("account", **found)

    @app.get("/entities/{entity_id}", response_class=HTMLResponse)
    def entity_page(entity_id: str) -> HTMLResponse:
        with lock:
            found = queries.entity(case, entity_id)
        if found is None:
            return page("missing", status_code=404, what=f"entity {entity_id}")
        return page("entity", **found)

    @app.get("/findings/{finding_id}", response_class=HTMLResponse)
    def finding_page(finding_id: str) -> HTMLResponse:
        with lock:
            found = queries.finding(case, finding_id)
        if found is None:
            return page("missing", status_code=404, what=f"finding {finding_id}")
        return page("finding", **found)

    return app
