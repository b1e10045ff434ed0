"""Answers sent by plain ASGI middleware, before or after Litestar handles a request."""

from __future__ import annotations

from typing import Any

from litestar.types import Send

from recotrack.api.problems import MEDIA_TYPE, ProblemError, encode_problem


async def send_response(
    send: Send, status: int, headers: list[tuple[str, str]], body: bytes
) -> None:
    raw: Any = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def send_problem(send: Send, exc: ProblemError) -> None:
    """Answer with `exc`, outside Litestar's exception handling."""
    body = encode_problem(exc.problem)
    headers = [
        ("content-type", MEDIA_TYPE),
        ("content-length", str(len(body))),
        *((name.lower(), value) for name, value in (exc.headers or {}).items()),
    ]
    await send_response(send, exc.problem.status, headers, body)
