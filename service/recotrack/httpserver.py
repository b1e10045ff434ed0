"""The HTTP/1.1 protocol `recotrack serve` runs: uvicorn's httptools parser, with a bound on
the request head.

httptools parses requests in C, which makes a one-row GET about a third cheaper than
uvicorn's pure-Python h11 (bench/README.md); but unlike h11, uvicorn sets no limit on how
much of a request line and headers it buffers. This one stops reading a head larger than
`h11_max_incomplete_event_size` (the same setting that bounds h11) and answers 431. And what
the parser refuses (a control character in a header, a broken request line), uvicorn answers
with a plain-text 400: this one answers it as a problem, like every other error.
"""

from __future__ import annotations

from http import HTTPStatus

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from recotrack.api.problems import MEDIA_TYPE, encode_problem, problem


def _refusal(slug: str, status: int, detail: str) -> bytes:
    """A whole response, with the problem, after which the connection is closed."""
    body = encode_problem(problem(slug, status, detail).problem)
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        f"content-type: {MEDIA_TYPE}\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


_REFUSAL = _refusal(
    "headers-too-large", 431, "the request line and headers are far too large to read"
)
_NOT_HTTP = _refusal(
    "bad-request",
    400,
    "the request is not valid HTTP/1.1 (a control character in a header, or a broken request line)",
)
_DEFAULT_BOUND = 65_536


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol; a request head past the bound gets 431 and the
    connection is closed. The count is of bytes received while a head is being read, so a
    pipelined request may be counted a little high: it is a bound, not an exact size."""

    _reading_head = True
    _head_bytes = 0

    def data_received(self, data: bytes) -> None:
        reading = self._reading_head
        super().data_received(data)
        if reading or self._reading_head:
            self._head_bytes += len(data)
            bound = self.config.h11_max_incomplete_event_size or _DEFAULT_BOUND
            if self._reading_head and self._head_bytes > bound:
                self.transport.write(_REFUSAL)
                self.transport.close()

    def on_message_begin(self) -> None:
        self._reading_head = True
        self._head_bytes = 0
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._reading_head = False
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to what its parser refuses (`msg` says only that)."""
        del msg
        self.transport.write(_NOT_HTTP)
        self.transport.close()
