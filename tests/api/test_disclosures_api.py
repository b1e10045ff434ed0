"""Releases of public records: secrecy applied in every format, drafts refused, the documents
kept exactly as handed out and their hashes in the audit chain."""

from __future__ import annotations

import hashlib
import io
import json

import pypdf

from tests import flow
from tests.api.conftest import Shared
from tests.api.support import assert_problem, count, unchanged
from tests.flow import (
    ODD_TITLE,
    PUBLIC_NOTE,
    SECRET_ACTION,
    SECRET_BODY,
    SECRET_NOTE,
    followed_up,
    ok,
)


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


async def test_a_release_leaves_out_exactly_what_secrecy_covers(shared: Shared) -> None:
    api, db = shared.api, shared.db
    rec = await followed_up(api)
    plain = await flow.recommendation(api, title="En rekommendation utan sekretess")
    events = await count(db, "event")
    body = {
        "request_ref": "SR 2026/0042",
        "requested_by": "Journalist på Ny Teknik",
        "recommendation_ids": [rec["id"], plain["id"], rec["id"]],
    }
    r = await api.call("secretariat", "POST", "/v1/disclosures", json=body)
    assert r.status_code == 201, r.text
    made = r.json()
    assert r.headers["location"] == f"/v1/disclosures/{made['id']}"
    assert made["recommendation_ids"] == [rec["id"], plain["id"]]  # asked twice, released once
    assert made["request_ref"] == "SR 2026/0042"
    assert {d["format"] for d in made["documents"]} == {"pdf", "csv", "json"}
    assert await count(db, "event") == events + 1

    texts = {}
    for listed in made["documents"]:
        got = await api.call(
            "auditor", "GET", f"/v1/disclosures/{made['id']}/document?format={listed['format']}"
        )
        assert got.status_code == 200, got.text
        assert hashlib.sha256(got.content).hexdigest() == listed["sha256"]
        assert len(got.content) == listed["size"]
        assert "attachment" in got.headers["content-disposition"]
        assert got.headers["repr-digest"].startswith("sha-256=:")
        texts[listed["format"]] = (
            pdf_text(got.content) if listed["format"] == "pdf" else got.content.decode("utf-8-sig")
        )

    for fmt, text in texts.items():
        flat = " ".join(text.split())
        for secret in (SECRET_BODY, SECRET_ACTION, SECRET_NOTE, "Klart", "intrånget"):
            assert secret not in flat, (fmt, secret)
        for ground in ("18 kap. 8 § OSL", "19 kap. 3 § OSL", "31 kap. 16 § OSL"):
            assert f"[Uppgiften omfattas av sekretess enligt {ground}]" in flat, (fmt, ground)
        for public in (PUBLIC_NOTE, "Vi delar bedömningen.", rec["code"], plain["code"]):
            assert public in flat, (fmt, public)
        assert "SR 2026/0042" in flat or fmt == "csv", fmt
    # markup in a title is text: printed as written, never run
    assert ODD_TITLE in " ".join(texts["pdf"].split())

    released = json.loads(texts["json"])
    [first, second] = released["recommendations"]
    assert first["body"] == "[Uppgiften omfattas av sekretess enligt 18 kap. 8 § OSL]"
    assert first["response"]["planned_actions"] == [
        "[Uppgiften omfattas av sekretess enligt 19 kap. 3 § OSL]"
    ]
    assert first["progress"][0]["evidence"] == ["https://skv.se/rapport"]
    assert {w["field"]: w["ground"] for w in first["withheld"]} == {
        "body": "18 kap. 8 § OSL",
        "response.planned_actions": "19 kap. 3 § OSL",
        "progress.note": "18 kap. 8 § OSL",
        "closure.note": "31 kap. 16 § OSL",
    }
    assert (second["withheld"], second["title"]) == ([], "En rekommendation utan sekretess")

    # the event holds the hashes: the chain proves what was handed out
    event = await db.fetchrow(
        "select agency_visible, data from event where entity = 'disclosure' and entity_id = $1",
        made["id"],
    )
    assert event is not None
    assert event["agency_visible"] is False
    assert event["data"]["documents"] == made["documents"]
    # handed out again, the same bytes; listed and read as made
    again = await api.call("secretariat", "GET", f"/v1/disclosures/{made['id']}/document")
    assert hashlib.sha256(again.content).hexdigest() == next(
        d["sha256"] for d in made["documents"] if d["format"] == "pdf"
    )
    assert (await api.call("auditor", "GET", f"/v1/disclosures/{made['id']}")).json() == made
    listed = (await api.call("secretariat", "GET", "/v1/disclosures?limit=1000")).json()
    assert made in listed["items"]


async def test_a_draft_is_not_released(shared: Shared) -> None:
    api, db = shared.api, shared.db
    rec = await flow.recommendation(api)
    draft = await flow.recommendation(api, issued=False)
    async with unchanged(db):
        r = await api.call(
            "secretariat",
            "POST",
            "/v1/disclosures",
            json={"request_ref": "SR 2026/7", "recommendation_ids": [rec["id"], draft["id"]]},
        )
        problem = assert_problem(r, 422, "rule-violation", pointer="/recommendation_ids/1")
        assert draft["code"] in problem["errors"][0]["detail"]
        assert "draft" in problem["errors"][0]["detail"]
        for missing in ("not-an-id", "00000000-0000-4000-8000-000000000000"):
            r = await api.call(
                "secretariat",
                "POST",
                "/v1/disclosures",
                json={"request_ref": "SR 2026/8", "recommendation_ids": [missing]},
            )
            assert_problem(r, 422, "rule-violation", pointer="/recommendation_ids/0")
        r = await api.call(
            "secretariat",
            "POST",
            "/v1/disclosures",
            json={"request_ref": "", "recommendation_ids": []},
        )
        assert_problem(r, 422, "validation")


async def test_unknown_disclosures_and_formats(shared: Shared) -> None:
    api = shared.api
    missing = "/v1/disclosures/00000000-0000-4000-8000-000000000000"
    assert_problem(await api.call("secretariat", "GET", missing), 404, "not-found")
    assert_problem(await api.call("secretariat", "GET", f"{missing}/document"), 404, "not-found")
    rec = await flow.recommendation(api)
    made = await ok(
        api,
        "secretariat",
        "POST",
        "/v1/disclosures",
        {"request_ref": "SR 2026/9", "recommendation_ids": [rec["id"]]},
    )
    r = await api.call("secretariat", "GET", f"/v1/disclosures/{made['id']}/document?format=docx")
    assert r.status_code == 400, r.text
