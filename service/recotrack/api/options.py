"""`OPTIONS`: every method of the path, as a 405 on it lists them.

Litestar 2 makes each route's OPTIONS answer when the route's first handler is registered, and
keeps it when the path's other handlers join the route later: so it named only the first
method (litestar#4169, fixed in 3.0 only). This answers OPTIONS from the app's routes instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from litestar.enums import ScopeType
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Receive, Scope, Send


def allow(methods: Iterable[str]) -> str:
    """The `Allow` header of a path with these methods (OPTIONS's and a 405's)."""
    return ", ".join(sorted({*methods, "OPTIONS"}))


def options_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] != "OPTIONS":
            await app(scope, receive, send)
            return
        template = scope["path_template"]
        methods = [
            method
            for route in scope["app"].routes
            if isinstance(route, HTTPRoute) and route.path_format == template
            for method in route.methods
        ]
        headers = [(b"allow", allow(methods).encode())]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    return middleware
