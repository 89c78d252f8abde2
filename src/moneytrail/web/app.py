"""The local web explorer: a read-only FastAPI app over a case, for 127.0.0.1 only.

Server-rendered pages (jinja2, autoescape) with small bundled scripts, and a JSON API under /api with its
OpenAPI schema at /api/openapi.json. Every request reads through a cursor of its own with a row limit and a
time limit (web/reading.py). Only GET and HEAD are answered. The app is built in ``create_app`` alone, so
middleware (a Host check, say) is added in one place.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from moneytrail.engine import EngineError
from moneytrail.report.probe import open_for_reading
from moneytrail.web import api, pages
from moneytrail.web.index import ExplorerIndex, case_columns
from moneytrail.web.reading import Limits
from moneytrail.web.security import secure

# Scripts only from our own /assets; data only from our own API; no frames, no foreign anything.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}
READ_METHODS = {"GET", "HEAD"}


def create_app(case_path: Path, limits: Limits | None = None, *, build_index: bool = True,
               index_path: Path | None = None) -> FastAPI:
    """``build_index=False`` serves without the explorer index (pages compute what it holds);
    ``index_path`` puts the index file elsewhere than beside the case (web/index.py)."""
    case = open_for_reading(case_path)
    index = ExplorerIndex(case, index_path)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if build_index:
            index.start()
        yield
        index.stop()
        case.close()

    app = FastAPI(title="moneytrail explorer", version="1", docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json", lifespan=lifespan,
                  description="Read-only JSON API of a moneytrail case: everything the explorer's pages show.")
    app.state.case = case
    path = Path(case_path)
    app.state.case_name = path.parent.name if path.name == "case.duckdb" else path.name
    app.state.limits = limits or Limits()
    app.state.index = index
    app.state.columns = case_columns(case)  # the case is read-only: its tables cannot change while served
    secure(app)  # Host header check (DNS rebinding) and security headers: web/security.py

    @app.middleware("http")
    async def read_only(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if request.method not in READ_METHODS:
            response: Response = JSONResponse({"detail": "this explorer is read-only: only GET and HEAD"},
                                              status_code=405, headers={"Allow": "GET, HEAD"})
        else:
            # An HTML form sends its empty fields as "x="; they mean "no filter", not "a number that is empty".
            query = request.scope.get("query_string", b"")
            if query:
                pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
                kept = [(k, v) for k, v in pairs if v != ""]
                request.scope["query_string"] = urlencode(kept, encoding="latin-1").encode("latin-1")
            response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        return response

    def error(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api"):
            return JSONResponse({"detail": message}, status_code=status)
        return pages.render(request, "error.html.j2", status_code=status, status=status, message=message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = str(exc.detail) if exc.status_code != 404 or exc.detail != "Not Found" else \
            f"there is no page {request.url.path}"
        return error(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
                             for e in exc.errors())
        return error(request, 400, f"bad request: {problems}")

    @app.exception_handler(EngineError)
    async def engine_error(request: Request, exc: EngineError) -> Response:
        text = str(exc)
        if "time limit" in text or "Interrupted" in text:
            return error(request, 503, f"the query took longer than {app.state.limits.seconds:g} s and was stopped")
        raise exc

    app.include_router(api.router)
    app.include_router(pages.router)
    return app
