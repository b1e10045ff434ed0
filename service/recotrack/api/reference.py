"""The API reference at `/schema`: Swagger UI, served from the service itself.

A page that pulls code from a third party at run time is blank without internet and runs
whatever that party serves that day; a government system's reference must do neither. So the
page loads only files of our own origin: Swagger UI's bundle and stylesheet from the pinned
PyPI distribution `swagger-ui-py` (25.7.1, which ships Swagger UI 5.24.2; pinned with its
hash in uv.lock), and the few lines that start it (`_START`), served beside them. No inline
script, so the page's policy allows scripts from `'self'` alone.

The OpenAPI document stays where it was, at `/schema/openapi.json`.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
from pathlib import Path
from typing import Any

from litestar import Request, Router, get
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.exceptions import NotFoundException
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.params import FromPath
from litestar.response import Response

PATH = "/schema"
DISTRIBUTION = "swagger-ui-py"
_VERSION = importlib.metadata.version(DISTRIBUTION)
ASSETS = f"{PATH}/assets/{DISTRIBUTION}-{_VERSION}"
"""Where the assets are: the version is in the path, so they can be cached for good."""


def _package_static() -> Path:
    # found without importing the package, which would load its framework adapters
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{DISTRIBUTION} is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


_STATIC = _package_static()
_FILES: dict[str, str] = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}
"""The package's files that the page uses (the package ships more: the editor, maps)."""

# `validatorUrl: null`: Swagger UI would otherwise send the document to an online validator
# and show its badge.
_START = b"""\
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.url,
    domNode: root,
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
"""
_START_NAME = "start.js"

# Swagger UI sets style attributes itself, hence 'unsafe-inline' for styles (not scripts).
_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)
_HEADERS = [
    ResponseHeader(name="Content-Security-Policy", value=_POLICY),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
]


class OwnSwaggerUI(OpenAPIRenderPlugin):
    """Swagger UI from our own assets (`ASSETS`), the default page at `/schema`."""

    def __init__(self) -> None:
        super().__init__(
            path="/swagger",
            favicon=f'<link rel="icon" type="image/png" href="{ASSETS}/favicon-32x32.png">',
            style="",
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = str(openapi_schema["info"]["title"])
        document = self.get_openapi_json_route(request)
        return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – API reference</title>
{self.favicon}
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
<script src="{ASSETS}/swagger-ui-bundle.js" defer></script>
<script src="{ASSETS}/{_START_NAME}" defer></script>
</head>
<body>
<noscript>The API reference needs JavaScript; the document itself is at
<a href="{document}">{document}</a>.</noscript>
<div id="swagger-ui" data-url="{document}"></div>
</body>
</html>
""".encode()


@get(
    f"/assets/{DISTRIBUTION}-{_VERSION}/{{name:str}}",
    include_in_schema=False,
    sync_to_thread=False,
    cache_control=CacheControlHeader(max_age=365 * 24 * 3600, public=True, immutable=True),
)
def _asset(name: FromPath[str]) -> Response[bytes]:
    if name == _START_NAME:
        return Response(_START, media_type="text/javascript")
    media_type = _FILES.get(name)
    if media_type is None:
        raise NotFoundException()
    return Response(_read(name), media_type=media_type)


@functools.cache
def _read(name: str) -> bytes:
    return (_STATIC / name).read_bytes()


def reference_router() -> Router:
    """The router of `/schema` (Litestar adds the reference page and the document to it)."""
    return Router(
        PATH,
        route_handlers=[_asset],
        include_in_schema=False,
        response_headers=_HEADERS,
    )
