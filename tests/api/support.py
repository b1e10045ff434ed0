"""Shared checks for the API tests: problem documents, an untouched database, a small world."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx

from recotrack.domain.orgnr import luhn_check_digit

PROBLEM = "https://recotrack.se/problems/"

TABLES = (
    "agency",
    "investment",
    "review",
    "recommendation",
    "response",
    "target_date_change",
    "progress_report",
    "assessment",
    "closure",
    "recommendation_link",
    "token",
    "webhook",
    "event",
)


def assert_problem(
    r: httpx.Response, status: int, slug: str, *, pointer: str | None = None
) -> dict[str, Any]:
    """`r` is an RFC 9457 problem of the given kind; with `pointer`, one field error names it."""
    assert r.status_code == status, f"{r.status_code}: {r.text}"
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body: dict[str, Any] = r.json()
    assert body["type"] == PROBLEM + slug, body
    assert body["status"] == status, body
    assert isinstance(body["title"], str), body
    assert body["title"], body
    if pointer is not None:
        pointers = [e.get("pointer") for e in body.get("errors") or []]
        assert pointer in pointers, body
    return body


async def snapshot(db: asyncpg.Connection) -> dict[str, tuple[int, str]]:
    """Row count and a digest of the contents of every table, the event log included."""
    parts = " union all ".join(
        f"select '{t}' as t, count(*) as n,"
        f" md5(coalesce(string_agg(x::text, E'\\n' order by x::text), '')) as digest"
        f" from {t} x"
        for t in TABLES
    )
    return {row["t"]: (row["n"], row["digest"]) for row in await db.fetch(parts)}


@asynccontextmanager
async def unchanged(db: asyncpg.Connection) -> AsyncIterator[None]:
    """The block changes nothing in the database: no row added, removed or altered."""
    before = await snapshot(db)
    yield
    after = await snapshot(db)
    changed = {t: (before[t], after[t]) for t in TABLES if before[t] != after[t]}
    assert not changed, f"the database changed: {changed}"


async def count(db: asyncpg.Connection, table: str) -> int:
    assert table in TABLES
    n: int = await db.fetchval(f"select count(*) from {table}")
    return n


async def today(db: asyncpg.Connection) -> dt.date:
    """The service's "today": a Swedish date."""
    value: dt.date = await db.fetchval("select current_date")
    return value


_org_serial = itertools.count(100)


def org_number() -> str:
    """A fresh organisationsnummer with a correct check digit."""
    first_nine = f"212000{next(_org_serial):03d}"
    check = luhn_check_digit([int(c) for c in first_nine])
    return f"{first_nine[:6]}-{first_nine[6:]}{check}"


def wrong_check_digit(valid: str) -> str:
    return valid[:-1] + str((int(valid[-1]) + 1) % 10)


@dataclass(frozen=True)
class World:
    """One issued recommendation of Skatteverket's, with its review and investment."""

    investment: str
    review: str
    rec: str

    def url(self, template: str) -> str:
        return template.format(investment=self.investment, review=self.review, rec=self.rec)

    def fill(self, value: Any) -> Any:
        """`value` with `{investment}`, `{review}`, `{rec}` in its strings filled in."""
        if isinstance(value, str):
            return self.url(value)
        if isinstance(value, dict):
            return {k: self.fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        return value
