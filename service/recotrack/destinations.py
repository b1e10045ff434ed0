"""Where a webhook may be sent: not into the service's own network.

A subscription names a URL, and the service will POST to it: without a check, anyone who may
subscribe could make the service reach what only it can reach (its database, a cloud's
metadata address, a neighbour's admin page). So the host must resolve only to global
addresses (`ipaddress`'s `is_global`: not loopback, private, link-local, multicast, reserved,
shared or documentation ranges), and the scheme must be `https`. Both are checked when a
subscription is made or changed, and again by the delivery worker, since DNS can change.
`RECOTRACK_WEBHOOK_ALLOW_PRIVATE=true` lifts both, for development and tests.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from recotrack.domain.errors import RuleViolation

RESOLVE_TIMEOUT = 5.0
"""Seconds a destination's name may take to resolve."""


async def check_destination(url: str, *, allow_private: bool, pointer: str = "/url") -> None:
    """Refuse (RuleViolation) a URL the service must not send to; see the module."""
    try:
        parts = urlsplit(url)
    except ValueError:  # a bracketed host that is not an IPv6 address: `http://]x`, `https://[x`
        raise RuleViolation(
            "the URL is not well formed: write it as https://host/path", pointer=pointer
        ) from None
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise RuleViolation("a webhook URL must be https://", pointer=pointer)
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise RuleViolation("the URL's port is not a port number", pointer=pointer) from None
    if not host:
        raise RuleViolation("the URL names no host", pointer=pointer)
    if parts.username is not None or parts.password is not None:
        raise RuleViolation(
            "a webhook URL holds no credentials: the signature authenticates the service",
            pointer=pointer,
        )
    if allow_private:
        return
    for address in await _resolve(host, port or 443, pointer):
        if _internal(address):
            raise RuleViolation(
                f"{host} resolves to {address}, which is not a public internet address "
                "(loopback, private, link-local, multicast or reserved): the service does "
                "not send webhooks into its own network",
                pointer=pointer,
            )


def _internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # `is_global` alone lets multicast through (224.0.0.1 is "global" to Python)
    return not address.is_global or address.is_multicast or address.is_reserved


async def _resolve(
    host: str, port: int, pointer: str
) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT
        )
    except TimeoutError:
        raise RuleViolation(
            f"{host} did not resolve within {RESOLVE_TIMEOUT:g} s", pointer=pointer
        ) from None
    except (OSError, UnicodeError):  # socket.gaierror among them; UnicodeError: a bad IDN
        raise RuleViolation(f"{host} does not resolve to any address", pointer=pointer) from None
    addresses = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).partition("%")[0])
        # an IPv4 address written as IPv6 (::ffff:127.0.0.1) is that IPv4 address
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        addresses.append(address)
    if not addresses:
        raise RuleViolation(f"{host} does not resolve to any address", pointer=pointer)
    return addresses
