"""The read-only web dashboard under `/dashboard`: server-rendered HTML, no JavaScript.

Not part of the API (excluded from the OpenAPI document): it signs people in with a session
cookie instead of bearer tokens, and answers in HTML, errors included.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.di import Provide
from litestar.response import Redirect, Response
from litestar.static_files import create_static_files_router

from recotrack.domain.access import Principal
from recotrack.settings import Settings
from recotrack.web.errors import error_handlers
from recotrack.web.learning import LearningPages
from recotrack.web.pages import DashboardPages
from recotrack.web.public import public_router
from recotrack.web.render import SECURITY_HEADERS, STATIC, TEMPLATE_CONFIG, page
from recotrack.web.session import (
    BASE,
    POLICY,
    CookiePolicy,
    CrossSiteRequest,
    SignInRequired,
    policy_of,
    provide_web_connection,
    provide_web_principal,
)
from recotrack.web.signin import SignIn

__all__ = ["BASE", "TEMPLATE_CONFIG", "dashboard_router", "public_router", "to_dashboard"]


def _sign_in_again(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    query = {"next": target, **({"ended": "true"} if exc.ended else {})}
    if lang := request.query_params.get("lang"):
        query["lang"] = lang  # the sign-in page in the language asked for
    policy = policy_of(request)
    return Redirect(
        f"{BASE}/sign-in?{urlencode(query)}",
        status_code=303,
        cookies=[policy.cleared()] if exc.ended else None,
    )


def _error_page(request: Request[Any, Any, Any], status: int, detail: str | None) -> Response[Any]:
    """An error as a page of the dashboard: with its navigation and sign-out for a person who
    is signed in (the principal, when the request got as far as finding it; a session cookie
    otherwise, as when a guard refused the request first), so that they can go on from it."""
    principal = request.scope.get("user")
    if not isinstance(principal, Principal):
        principal = None
    signed_in = principal is not None or bool(request.cookies.get(policy_of(request).name))
    return page(
        request,
        "error.html.j2",
        principal=principal,
        signed_in=signed_in,
        status_code=status,
        status=status,
        detail=detail,
    )


def _cross_site(request: Request[Any, Any, Any], _: CrossSiteRequest) -> Response[Any]:
    return _error_page(request, 403, None)


def dashboard_router(settings: Settings) -> Router:
    policy = CookiePolicy.from_settings(settings)
    static = create_static_files_router(
        path="/static",
        directories=[STATIC],
        cache_control=CacheControlHeader(max_age=3600, private=False),
        include_in_schema=False,
    )
    return Router(
        path=BASE,
        route_handlers=[SignIn, DashboardPages, LearningPages, static],
        dependencies={
            "conn": Provide(provide_web_connection),
            "principal": Provide(provide_web_principal),
        },
        opt={POLICY: policy},
        include_in_schema=False,
        response_headers=SECURITY_HEADERS,
        cache_control=CacheControlHeader(no_store=True),
        exception_handlers={
            SignInRequired: _sign_in_again,
            CrossSiteRequest: _cross_site,
            **error_handlers(_error_page, "dashboard"),
        },
    )


@get("/", include_in_schema=False)
async def to_dashboard() -> Redirect:
    """The service's root, opened in a browser, leads to the dashboard."""
    return Redirect(f"{BASE}/", status_code=302)
