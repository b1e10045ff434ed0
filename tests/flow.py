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
