"""Rendering a page: the templates' environment, the language, what every page shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Request
from litestar.datastructures import Cookie, ResponseHeader
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig
from markdown_it import MarkdownIt
from markupsafe import Markup

from recotrack import __version__
from recotrack.domain.access import Principal
from recotrack.web.charts import SERIES
from recotrack.web.i18n import LANGS, Words, pick_lang
from recotrack.web.session import BASE, LANG_COOKIE, policy_of

# Pages are self-contained: our own stylesheet, inline SVG, forms to ourselves; no scripts.
SECURITY_HEADERS = [
    ResponseHeader(
        name="Content-Security-Policy",
        value="default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'",
    ),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
    ResponseHeader(name="X-Frame-Options", value="DENY"),
]

HERE = Path(__file__).parent
STATIC = HERE / "static"


# CommonMark without raw HTML (escaped instead) or images (the pages load nothing from
# elsewhere); markdown-it refuses `javascript:` and similar links itself.
_markdown = MarkdownIt("commonmark", {"html": False}).disable("image")


def markdown(text: str) -> Markup:
    """A recommendation's body (Markdown) as safe HTML."""
    return Markup(_markdown.render(text))  # noqa: S704  # rendered with raw HTML disabled


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,  # a misspelt name is an error, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(base=BASE, public="/public", version=__version__, series=SERIES)
    env.filters["markdown"] = markdown
    return env


TEMPLATE_CONFIG = TemplateConfig(instance=JinjaTemplateEngine.from_environment(_environment()))


def words_for(request: Request[Any, Any, Any]) -> Words:
    return Words(pick_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)))


def _switch_url(request: Request[Any, Any, Any], lang: str) -> str:
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    pairs.append(("lang", lang))
    return f"{request.url.path}?{urlencode(pairs)}"


def _who(words: Words, principal: Principal | None, agency_name: str | None) -> str:
    if principal is None:
        return ""
    role = words.label("role", principal.role)
    return f"{agency_name} ({role})" if agency_name else role


def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    principal: Principal | None = None,
    agency_name: str | None = None,
    status_code: int = 200,
    cookies: list[Cookie] | None = None,
    signed_in: bool | None = None,
    **context: Any,
) -> Template:
    """A page in the caller's language; `?lang=` also becomes the language from now on.
    `signed_in` (default: whether there is a `principal`) shows the navigation and sign-out."""
    words = words_for(request)
    other = next(lang for lang in LANGS if lang != words.lang)
    all_cookies = list(cookies or [])
    if request.query_params.get("lang") == words.lang:
        all_cookies.append(policy_of(request).lang_cookie(words.lang))
    return Template(
        template,
        context={
            "t": words,
            "lang": words.lang,
            "other_lang": other,
            "switch_url": _switch_url(request, other),
            "principal": principal,
            "signed_in": principal is not None if signed_in is None else signed_in,
            "who": _who(words, principal, agency_name),
            "current": context.pop("current", ""),
            **context,
        },
        status_code=status_code,
        cookies=all_cookies,
        media_type="text/html",
    )
