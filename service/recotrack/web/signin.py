"""Signing in (a token pasted once becomes a session) and out."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import structlog
from litestar import Controller, Request, get, post
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Response

from recotrack.store.pool import Pool
from recotrack.store.web_sessions import create_session, end_session, session_principal
from recotrack.web.render import page
from recotrack.web.session import BASE, local_target, policy_of, same_origin

log = structlog.get_logger("recotrack.web")


class SignInForm(msgspec.Struct):
    token: Annotated[str, msgspec.Meta(max_length=200)] = ""
    next: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class SignIn(Controller):
    path = "/"
    include_in_schema = False

    @get("/sign-in", name="dashboard:sign-in")
    async def form(
        self,
        request: Request[Any, Any, Any],
        next: FromQuery[str] = "",
        ended: FromQuery[bool] = False,
        signed_out: FromQuery[bool] = False,
    ) -> Response[Any]:
        policy = policy_of(request)
        session_id = request.cookies.get(policy.name)
        if session_id:
            pool: Pool = request.app.state.pool
            async with pool.acquire() as conn:
                if await session_principal(conn, session_id) is not None:
                    return Redirect(local_target(next), status_code=303)
        message = "session_ended" if ended else "signed_out" if signed_out else None
        return page(request, "sign_in.html.j2", next=local_target(next), message=message)

    @post("/sign-in", guards=[same_origin], status_code=303)
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        data: URLEncodedBody[SignInForm],
    ) -> Response[Any]:
        policy = policy_of(request)
        pool: Pool = request.app.state.pool
        async with pool.acquire() as conn:
            made = await create_session(conn, data.token.strip(), lifetime=policy.lifetime)
        if made is None:
            log.info("dashboard sign-in refused")
            return page(
                request,
                "sign_in.html.j2",
                next=local_target(data.next),
                message="bad_token",
                status_code=422,  # as a form that cannot be accepted; no HTTP auth scheme
            )
        session_id, principal = made
        log.info("dashboard sign-in", token_id=principal.token_id, role=principal.role)
        return Redirect(
            local_target(data.next),
            status_code=303,
            cookies=[policy.session_cookie(session_id)],
        )

    @post("/sign-out", guards=[same_origin], status_code=303)
    async def sign_out(self, request: Request[Any, Any, Any]) -> Response[Any]:
        policy = policy_of(request)
        session_id = request.cookies.get(policy.name)
        if session_id:
            pool: Pool = request.app.state.pool
            async with pool.acquire() as conn:
                await end_session(conn, session_id)
        return Redirect(f"{BASE}/sign-in?signed_out=1", status_code=303, cookies=[policy.cleared()])
