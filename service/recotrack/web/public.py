"""The public catalogue's pages under `/public/` and its Atom feed: anyone's, no sign-in.

What they show is what `/public/v1` answers, from the same store reads (`store.catalogue`)
and with secrecy applied by the same `exports.release.redact`: a page can show nothing that a
disclosure would not release. Swedish by default, English with `?lang=en`; no JavaScript.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any
from xml.etree import ElementTree as ET

import asyncpg
from litestar import Controller, Request, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Response

from recotrack.domain.swedish_time import STOCKHOLM
from recotrack.domain.vocabulary import Area, Priority, State
from recotrack.exports.release import redact
from recotrack.settings import Settings
from recotrack.store import catalogue
from recotrack.store import good_examples as examples
from recotrack.store.errors import NotFound
from recotrack.store.recommendation_list import Sort
from recotrack.web.errors import error_handlers
from recotrack.web.filters import (
    FILTER_KEYS,
    SORTS,
    BadFilter,
    area_value,
    one_value,
    parse_list_query,
    query_string,
)
from recotrack.web.i18n import Words
from recotrack.web.overview import swedish_key
from recotrack.web.pages import visible_agencies
from recotrack.web.render import SECURITY_HEADERS, markdown, page, words_for
from recotrack.web.session import POLICY, CookiePolicy
from recotrack_sdk.models import RecommendationQuery, ReleasedRecommendation

PUBLIC = "/public"
PAGE_SIZE = 50
FEED_SIZE = 50
_PUBLIC_SORTS = tuple(s for s in SORTS if s != "relevance")
_NEWEST_FIRST: Sort = "-issued_on"


async def _connection(request: Request[Any, Any, Any]) -> AsyncIterator[asyncpg.Connection]:
    async with request.app.state.pool.acquire() as conn:
        yield conn


class PublicPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/", name="public:list")
    async def catalogue_page(
        self, request: Request[Any, Any, Any], conn: NamedDependency[asyncpg.Connection]
    ) -> Response[Any]:
        query = request.query_params.dict()
        asked = parse_list_query(query)
        if asked.sort == "relevance":
            raise BadFilter("sort", "bad_filter_choice", value="relevance", choices=_PUBLIC_SORTS)
        sort = asked.sort or _NEWEST_FIRST
        found, next_cursor, previous_cursor = await catalogue.published_page(
            conn, filters=asked.filters, sort=sort, cursor=asked.cursor, limit=PAGE_SIZE
        )
        matching = await catalogue.count_published(conn, filters=asked.filters)
        listed = sorted(await visible_agencies(conn, None), key=lambda a: swedish_key(a.name))
        keys = (*FILTER_KEYS, "sort")
        return page(
            request,
            "public_list.html.j2",
            current="public_list",
            items=[redact(r) for r in found],
            matching=matching,
            agencies=listed,
            chosen=asked.filters,
            chosen_sort=asked.sort or "",
            areas=[a.value for a in Area],
            states=[s.value for s in State if s is not State.DRAFT],
            priorities=[p.value for p in Priority],
            sorts=_PUBLIC_SORTS,
            filtered=any(query.get(k) and any(v.strip() for v in query[k]) for k in FILTER_KEYS),
            next_query=query_string(query, keys, cursor=next_cursor) if next_cursor else None,
            previous_query=query_string(query, keys, cursor=previous_cursor)
            if previous_cursor
            else None,
            first_query=query_string(query, keys) if asked.cursor else None,
            page_size=PAGE_SIZE,
        )

    @get("/recommendations/{recommendation_id:str}", name="public:recommendation")
    async def recommendation_page(
        self,
        request: Request[Any, Any, Any],
        conn: NamedDependency[asyncpg.Connection],
        recommendation_id: FromPath[str],
    ) -> Response[Any]:
        rec = redact(await catalogue.published_record(conn, recommendation_id))
        return page(request, "public_recommendation.html.j2", current="public_list", rec=rec)

    @get("/good-examples", name="public:good_examples")
    async def good_examples_page(
        self, request: Request[Any, Any, Any], conn: NamedDependency[asyncpg.Connection]
    ) -> Response[Any]:
        query = request.query_params.dict()
        area = area_value(query)
        cursor = one_value(query, "cursor")
        found, next_cursor = await examples.list_good_examples(
            conn,
            area=area,
            cursor=cursor,
            limit=PAGE_SIZE,
            published_only=True,
        )
        return page(
            request,
            "public_examples.html.j2",
            current="public_examples",
            examples=found,
            areas=[a.value for a in Area],
            chosen_area=area or "",
            next_query=query_string(query, ("area",), cursor=next_cursor) if next_cursor else None,
            first_query=query_string(query, ("area",)) if cursor else None,
        )

    @get("/feed.atom", name="public:feed")
    async def feed(
        self, request: Request[Any, Any, Any], conn: NamedDependency[asyncpg.Connection]
    ) -> Response[bytes]:
        """The newest issued recommendations, as Atom (RFC 4287), Swedish by default."""
        words = words_for(request)
        found, _, _ = await catalogue.published_page(
            conn,
            filters=RecommendationQuery(),  # every published one
            sort=_NEWEST_FIRST,
            cursor=None,
            limit=FEED_SIZE,
        )
        origin = f"{request.url.scheme}://{request.url.netloc}"
        body = atom_feed(
            [(redact(r), r.recommendation.updated_at) for r in found], words, origin=origin
        )
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    @get("/{rest:path}", name="public:unknown")
    async def unknown(self, rest: FromPath[str]) -> None:
        raise NotFound(f"no page {rest!r}")


_ATOM = "http://www.w3.org/2005/Atom"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ET.register_namespace("", _ATOM)  # Atom as the default namespace: <feed>, not <ns0:feed>


def atom_feed(
    entries: list[tuple[ReleasedRecommendation, dt.datetime]], words: Words, *, origin: str
) -> bytes:
    """An Atom feed of released recommendations (secrecy already applied), each entry's
    content its body as HTML, as the page shows it."""

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{_ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    lang = "" if words.lang == "sv" else "?lang=en"
    feed = ET.Element(f"{{{_ATOM}}}feed", {_XML_LANG: words.lang})
    sub(feed, "id", f"{origin}{PUBLIC}/feed.atom")
    sub(feed, "title", words("feed_title"))
    sub(feed, "link", rel="self", href=f"{origin}{PUBLIC}/feed.atom{lang}")
    sub(feed, "link", rel="alternate", type="text/html", href=f"{origin}{PUBLIC}/{lang}")
    newest = max((at for _, at in entries), default=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    sub(feed, "updated", newest.isoformat())
    author = sub(feed, "author")
    sub(author, "name", words("public_app"))
    for rec, updated_at in entries:
        entry = sub(feed, "entry")
        page_url = f"{origin}{PUBLIC}/recommendations/{rec.id}{lang}"
        sub(entry, "id", f"urn:uuid:{rec.id}")
        sub(entry, "title", f"{rec.code} {rec.title}")
        sub(entry, "link", rel="alternate", type="text/html", href=page_url)
        sub(entry, "updated", updated_at.isoformat())
        if rec.issued_on is not None:
            issued = dt.datetime.combine(rec.issued_on, dt.time(), STOCKHOLM)
            sub(entry, "published", issued.isoformat())
        sub(entry, "category", term=rec.area, label=words.label("area", rec.area))
        entry_author = sub(entry, "author")
        sub(entry_author, "name", rec.agency_name)
        sub(entry, "content", str(markdown(rec.body)), type="html")
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


def _error(request: Request[Any, Any, Any], status: int, detail: str | None) -> Response[Any]:
    return page(request, "public_error.html.j2", status_code=status, status=status, detail=detail)


def public_router(settings: Settings) -> Router:
    return Router(
        path=PUBLIC,
        route_handlers=[PublicPages],
        dependencies={"conn": Provide(_connection)},
        opt={POLICY: CookiePolicy.from_settings(settings)},
        include_in_schema=False,
        response_headers=SECURITY_HEADERS,
        # A minute in the reader's own cache; not in shared ones, as the language may come
        # from a cookie.
        cache_control=CacheControlHeader(max_age=60, private=True),
        exception_handlers=error_handlers(_error, "public catalogue"),
    )
