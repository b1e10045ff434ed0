"""A recommendation by its code through the SDK, against the real service, with `Client` and
`AsyncClient`: `get_recommendation_by_code` and the `code` filter of the list."""

from __future__ import annotations

import pytest

from recotrack_sdk import NotFoundError
from recotrack_sdk.models import RecommendationPatch
from tests.sdk.conftest import Sdk, make_recommendation


async def test_get_recommendation_by_code(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    rec = await make_recommendation(c)
    by_id = await c.get_recommendation(rec.id)
    by_code = await c.get_recommendation_by_code(rec.code)
    assert by_code == by_id  # the value and its ETag
    assert (await c.get_recommendation_by_code(rec.code.lower())) == by_id

    # its ETag is the next change's If-Match, as the one by id is
    changed = await c.update_recommendation(
        rec.id, RecommendationPatch(title="Ny rubrik"), if_match=by_code
    )
    assert (await c.get_recommendation_by_code(rec.code)) == changed

    agency = sdk.as_("skatteverket")
    assert (await agency.get_recommendation_by_code(rec.code)).value.id == rec.id
    draft = await make_recommendation(c, issued=False)
    theirs = await make_recommendation(c, "forsakringskassan")
    for code in (draft.code, theirs.code, "2020-NO-999"):
        with pytest.raises(NotFoundError):
            await agency.get_recommendation_by_code(code)


async def test_the_code_filter(sdk: Sdk) -> None:
    c = sdk.as_("secretariat")
    one, two, _ = [await make_recommendation(c) for _ in range(3)]
    page = await c.list_recommendations(code=[one.code, two.code])
    assert {r.id for r in page.items} == {one.id, two.id}
    assert [r.id for r in await c.collect("iter_recommendations", code=one.code)] == [one.id]
