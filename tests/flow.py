"""Builders for the usual chain: investment → review → recommendation, through the API."""

from __future__ import annotations

import itertools
from typing import Any

from tests.helpers import Api

_codes = itertools.count(1)


async def investment(api: Api, agency: str = "skatteverket", **fields: Any) -> dict[str, Any]:
    body = {"agency_id": agency, "title": "Ny beskattningsplattform", **fields}
    r = await api.call("secretariat", "POST", "/v1/investments", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def review(api: Api, agency: str = "skatteverket", **fields: Any) -> dict[str, Any]:
    inv = await investment(api, agency)
    body = {"investment_id": inv["id"], "title": "Second opinion 2026", **fields}
    r = await api.call("secretariat", "POST", "/v1/reviews", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def recommendation(
    api: Api, agency: str = "skatteverket", *, issued: bool = True, **fields: Any
) -> dict[str, Any]:
    rev = await review(api, agency)
    body: dict[str, Any] = {
        "review_id": rev["id"],
        "code": f"2026-T-{next(_codes):03d}",
        "title": "Inför en gemensam produktstyrning för förvaltningen",
        "body": "Myndigheten bör **prioritera** leveranser före processer.",
        "area": "governance",
        "priority": "high",
    }
    if issued:
        body["issued_on"] = "2026-01-15"
    body.update(fields)
    r = await api.call("secretariat", "POST", "/v1/recommendations", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


SECRET_BODY = "Brandväggen släpper igenom port 3389 från leverantörens nät"
SECRET_ACTION = "Byt ut anbudsgivaren Kvadrat AB i juni"
SECRET_NOTE = "Loggarna visar intrång i testmiljön"
PUBLIC_NOTE = "Styrgruppen har mötts två gånger"
ODD_TITLE = 'Inför *styrning* #panic("x") $a$ <b>&</b> [länk](x)'


async def ok(api: Api, who: str, method: str, url: str, body: Any = None, **kw: Any) -> Any:
    r = await api.call(who, method, url, json=body, **kw)
    assert r.status_code in (200, 201), r.text
    return r.json()


async def followed_up(api: Api, title: str = ODD_TITLE) -> dict[str, Any]:
    """An issued recommendation with a response, a progress report, an assessment, a closure,
    and secrecy marks on four of its fields."""
    rec = await recommendation(api, title=title, body=SECRET_BODY)
    url = f"/v1/recommendations/{rec['id']}"
    await ok(
        api,
        "skatteverket",
        "PUT",
        f"{url}/response",
        {
            "decision": "accepted",
            "rationale": "Vi delar bedömningen.",
            "planned_actions": [SECRET_ACTION],
            "responded_by": "GD Åsa Öberg",
        },
    )
    await ok(
        api,
        "skatteverket",
        "POST",
        f"{url}/progress",
        {"status": "in_progress", "note": SECRET_NOTE, "evidence": ["https://skv.se/rapport"]},
    )
    await ok(
        api,
        "secretariat",
        "POST",
        f"{url}/assessments",
        {"status": "in_progress", "note": PUBLIC_NOTE},
    )
    await ok(
        api, "secretariat", "PUT", f"{url}/closure", {"outcome": "implemented", "note": "Klart"}
    )
    marks = {
        "fields": [
            {"field": "body", "ground": "18 kap. 8 § OSL"},
            {"field": "response.planned_actions", "ground": "19 kap. 3 § OSL"},
            {"field": "progress.note", "ground": "18 kap. 8 § OSL", "note": "intrånget"},
            {"field": "closure.note", "ground": "31 kap. 16 § OSL"},
        ]
    }
    await ok(api, "secretariat", "PUT", f"{url}/secrecy", marks)
    return rec
