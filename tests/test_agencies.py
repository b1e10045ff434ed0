from __future__ import annotations

from tests.helpers import Api


async def test_secretariat_creates_reads_and_changes_an_agency(api: Api) -> None:
    created = await api.call(
        "secretariat",
        "POST",
        "/v1/agencies",
        json={"id": "lantmateriet", "name": "Lantmäteriet", "org_number": "202100-4888"},
    )
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"'
    assert created.headers["location"] == "/v1/agencies/lantmateriet"

    got = await api.call("secretariat", "GET", "/v1/agencies/lantmateriet")
    assert got.json()["name"] == "Lantmäteriet"

    changed = await api.call(
        "secretariat",
        "PATCH",
        "/v1/agencies/lantmateriet",
        json={"name": "Lantmäteriet (LM)"},
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2
    assert changed.headers["etag"] == '"2"'
