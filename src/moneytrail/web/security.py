"""The explorer's guard: requests must name this machine in ``Host``, and responses forbid framing and sniffing.

A web page on another site can make the browser send requests to 127.0.0.1 by pointing its own domain at
it (DNS rebinding); the browser then sends that domain in ``Host``. Only ``127.0.0.1``, ``localhost``,
``[::1]`` and the names in the allow-list (``MONEYTRAIL_ALLOWED_HOSTS``, comma-separated, which
``serve --allow-host`` sets) are answered; any other ``Host`` gets 421 Misdirected Request. A plain ASGI
middleware, so it sits in front of every route, static file and error page.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from fastapi import FastAPI

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
ALLOWED_HOSTS_ENV = "MONEYTRAIL_ALLOWED_HOSTS"
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def host_name(header: str) -> str:
    """``Host`` without its port, lower-cased; IPv6 literals without brackets."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def allowed_hosts(extra: Iterable[str] = ()) -> frozenset[str]:
    listed = [h for h in os.environ.get(ALLOWED_HOSTS_ENV, "").split(",") if h.strip()]
    return LOCAL_HOSTS | {host_name(h) for h in [*listed, *extra]}


class HostGuard:
    """Refuses requests for other hosts (421) and adds the security headers to every response."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        host = host_name(headers.get(b"host", b"").decode("latin-1"))
        if host not in self.hosts:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            body = b"421 Misdirected Request: this explorer answers only for 127.0.0.1 and localhost\n"
            await send({"type": "http.response.start", "status": 421, "headers": [
                (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                *((k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items())]})
            await send({"type": "http.response.body", "body": body})
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(
                    (k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.encode() not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)


def secure(app: FastAPI, extra_hosts: Iterable[str] = ()) -> None:
    """Put the guard in front of ``app``."""
    app.add_middleware(HostGuard, hosts=allowed_hosts(extra_hosts))
