"""The API reference at `/schema` works offline: every script, stylesheet, image and link it
loads comes from the service itself (a pinned package's files), none from another origin."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from tests.helpers import Api

_ORIGIN = "http://testserver.local"
_URL_ATTRIBUTES = {"src", "href", "action", "data", "poster", "srcset", "data-url"}


class _References(HTMLParser):
    """Every URL the page names: in attributes, and in inline scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []  # (tag, url)
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in _URL_ATTRIBUTES and value:
                self.urls.append((tag, value))

    def handle_data(self, data: str) -> None:
        self.inline.append(data)


def _off_site(url: str) -> bool:
    parts = urlsplit(urljoin(f"{_ORIGIN}/schema", url))
    return f"{parts.scheme}://{parts.netloc}" != _ORIGIN


async def test_the_reference_page_loads_nothing_from_another_origin(api: Api) -> None:
    r = await api.client.get("/schema")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = _References()
    page.feed(r.text)
    assert page.urls, "the page names its assets"
    assert [url for _, url in page.urls if _off_site(url)] == []
    # nothing spelled out elsewhere in the page either (an inline script's URL, a CSS import)
    text = "".join(page.inline)
    assert "http://" not in text
    assert "https://" not in text
    assert "//cdn" not in r.text

    # what it references is there, with the right type
    expected = {"script": "text/javascript", "link": "text/css"}
    kinds = set()
    for tag, url in page.urls:
        asset = await api.client.get(urljoin("/schema", url))
        assert asset.status_code == 200, url
        kind = asset.headers["content-type"].split(";")[0]
        if tag in expected and not (tag == "link" and "icon" in url):
            assert kind == expected[tag], (url, kind)
            kinds.add(tag)
        assert asset.headers.get("x-content-type-options") == "nosniff", url
    assert kinds == {"script", "link"}

    # and the page's own policy allows exactly that: its own origin, no other
    policy = r.headers["content-security-policy"]
    assert "http" not in policy
    assert "*" not in policy
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy


async def test_the_document_itself_is_where_it_was(api: Api) -> None:
    r = await api.client.get("/schema/openapi.json")
    assert r.status_code == 200
    assert r.json()["info"]["title"] == "recotrack"
