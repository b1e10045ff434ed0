"""Bodies that no schema generator writes, at every operation of the contract that takes
one, through the live service: bytes that are not UTF-8 inside a string, and arrays and
objects nested up to 100,000 deep. Each was a 500 (msgspec's `UnicodeDecodeError`; a
`RecursionError` at about 970 deep). Now: too deep or not UTF-8 is a 400 `malformed-json`,
and as deep as `MAX_DEPTH` is judged by the schema like any body; never a 5xx."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from hypothesis import given
from hypothesis import strategies as st

from recotrack.api.body import MAX_DEPTH
from tests.fuzz.conftest import CALLERS, Service
from tests.fuzz.profile import PROFILE, TALLY, examples

CONTRACT = json.loads((Path(__file__).parents[2] / "openapi" / "openapi.json").read_text())
WRITES = sorted(
    (method.upper(), path)
    for path, item in CONTRACT["paths"].items()
    for method, op in item.items()
    if isinstance(op, dict) and "requestBody" in op
)
MALFORMED = "https://recotrack.se/problems/malformed-json"


def _not_utf8(raw: bytes) -> bool:
    try:
        raw.decode()
    except UnicodeDecodeError:
        return True
    return False


# Bytes of a JSON string's content that are not UTF-8: stray continuation bytes, sequences cut
# short, overlong forms, surrogates, bytes past U+10FFFF; among valid text.
bad_bytes = st.builds(
    lambda before, bad, after: before.encode() + bad + after.encode(),
    st.text(st.characters(exclude_characters='"\\', exclude_categories=["Cc", "Cs"]), max_size=8),
    st.binary(min_size=1, max_size=8).filter(_not_utf8),
    st.text(st.characters(exclude_characters='"\\', exclude_categories=["Cc", "Cs"]), max_size=8),
)
nesting = st.lists(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]), min_size=1, max_size=3)


def _nested(depth: int, shapes: list[tuple[bytes, bytes]]) -> bytes:
    """Arrays and objects `depth` deep (the shapes repeated in turn), around a 0."""
    opens = [shapes[i % len(shapes)] for i in range(depth)]
    return b"".join(o for o, _ in opens) + b"0" + b"".join(c for _, c in reversed(opens))


@given(
    write=st.sampled_from(WRITES),
    who=st.sampled_from(sorted(CALLERS)),
    kind=st.sampled_from(["not-utf8", "too-deep", "deep-enough"]),
    raw=bad_bytes,
    depth=st.integers(MAX_DEPTH, 100_000) | st.sampled_from([MAX_DEPTH, MAX_DEPTH + 1, 1_000]),
    shallower=st.integers(1, MAX_DEPTH - 1),
    shapes=nesting,
)
def _send(
    client: httpx.Client,
    service: Service,
    write: tuple[str, str],
    who: str,
    kind: str,
    raw: bytes,
    depth: int,
    shallower: int,
    shapes: list[tuple[bytes, bytes]],
) -> None:
    method, template = write
    url = re.sub(r"\{(\w+)\}", lambda m: service.ids[m.group(1)][0], template)
    # the body's own object is one level: a value `depth` deep makes it one deeper
    value = {
        "not-utf8": b'"' + raw + b'"',
        "too-deep": _nested(depth, shapes),
        "deep-enough": _nested(shallower, shapes),
    }[kind]
    body = b'{"external_ref": "x", "value": ' + value + b"}"
    token = service.tokens[CALLERS[who]]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    response = client.request(method, url, content=body, headers={**headers, "If-Match": '"1"'})
    TALLY[f"hostile bodies: {kind}"] += 1
    TALLY[f"hostile bodies: {kind}: {response.status_code}"] += 1
    assert response.status_code < 500, (method, url, kind, response.text)
    if response.status_code == 403:
        return  # the caller may not do this at all: refused before the body is read
    problem = response.json()
    if kind == "deep-enough":
        assert problem.get("type") != MALFORMED, (method, url, shallower, problem)
    else:
        assert response.status_code == 400, (method, url, kind, problem)
        assert problem["type"] == MALFORMED, (method, url, kind, problem)


def test_hostile_bodies_are_refused_as_malformed(service: Service) -> None:
    with httpx.Client(base_url=service.url, timeout=60) as client:
        examples(PROFILE.hostile_examples)(_send)(client, service)
