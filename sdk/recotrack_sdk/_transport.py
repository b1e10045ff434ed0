"""The one module that imports httpx: send a `Request`, get a `Response` or our exception.

No httpx type leaves this module, so a later move to another HTTP library touches only it.
httpx reads the usual environment: `HTTPS_PROXY`, `NO_PROXY`, `SSL_CERT_FILE`.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from recotrack_sdk._base import Options, Request, Response
from recotrack_sdk._errors import ConnectionError, TimeoutError

_UNSENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Failures before the request left: the service surely did not see it."""


def _timeout(options: Options, request: Request) -> httpx.Timeout:
    return httpx.Timeout(options.timeout, read=options.timeout + request.extra_timeout)


def _failure(exc: httpx.TransportError, request: Request) -> ConnectionError:
    sent = not isinstance(exc, _UNSENT)
    what = f"{request.method} {request.path}: {type(exc).__name__}: {exc}".rstrip(": ")
    if isinstance(exc, httpx.TimeoutException):
        return TimeoutError(what, request_sent=sent)
    return ConnectionError(what, request_sent=sent)


def _response(response: httpx.Response) -> Response:
    headers = {name.lower(): value for name, value in response.headers.items()}
    return Response(response.status_code, headers, response.content)


_CHUNK = 64 * 1024


def _headers_only(response: httpx.Response) -> Response:
    headers = {name.lower(): value for name, value in response.headers.items()}
    return Response(response.status_code, headers, b"")


class SyncTransport:
    def __init__(self, options: Options) -> None:
        self.options = options
        self._http = httpx.Client(
            base_url=options.base_url, headers=dict(options.headers), timeout=options.timeout
        )

    def send(self, request: Request, options: Options) -> Response:
        try:
            response = self._http.request(
                request.method,
                request.path,
                params=tuple(request.params),
                headers=request.headers,
                content=request.body,
                timeout=_timeout(options, request),
            )
        except httpx.TransportError as exc:
            raise _failure(exc, request) from exc
        return _response(response)

    def download(
        self, request: Request, options: Options, write: Callable[[bytes], object]
    ) -> Response:
        """Stream a successful response's body into `write`, chunk by chunk (its `content` is
        then empty); an error response is read whole, as `send` does."""
        try:
            with self._http.stream(
                request.method,
                request.path,
                params=tuple(request.params),
                headers=request.headers,
                timeout=_timeout(options, request),
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    return _response(response)
                for chunk in response.iter_bytes(_CHUNK):
                    write(chunk)
                return _headers_only(response)
        except httpx.TransportError as exc:
            raise _failure(exc, request) from exc

    def close(self) -> None:
        self._http.close()


class AsyncTransport:
    def __init__(self, options: Options) -> None:
        self.options = options
        self._http = httpx.AsyncClient(
            base_url=options.base_url, headers=dict(options.headers), timeout=options.timeout
        )

    async def send(self, request: Request, options: Options) -> Response:
        try:
            response = await self._http.request(
                request.method,
                request.path,
                params=tuple(request.params),
                headers=request.headers,
                content=request.body,
                timeout=_timeout(options, request),
            )
        except httpx.TransportError as exc:
            raise _failure(exc, request) from exc
        return _response(response)

    async def download(
        self, request: Request, options: Options, write: Callable[[bytes], object]
    ) -> Response:
        """As `SyncTransport.download`; `write` is called in the event loop (a local file)."""
        try:
            async with self._http.stream(
                request.method,
                request.path,
                params=tuple(request.params),
                headers=request.headers,
                timeout=_timeout(options, request),
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    return _response(response)
                async for chunk in response.aiter_bytes(_CHUNK):
                    write(chunk)
                return _headers_only(response)
        except httpx.TransportError as exc:
            raise _failure(exc, request) from exc

    async def aclose(self) -> None:
        await self._http.aclose()
