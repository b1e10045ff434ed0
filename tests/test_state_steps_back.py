"""A decided rule, pinned: the state follows the agency's latest report, so a report after an
`implemented` one that says the work is not done moves the state back (only the secretariat's
closure ends a recommendation). Both reports stay on record; the contract says so."""

from __future__ import annotations

from recotrack.app import create_app
from recotrack.settings import Settings
from tests import flow
from tests.helpers import Api


async def test_a_report_after_implemented_moves_the_state_back(api: Api) -> None:
    rec = await flow.recommendation(api)
    url = f"/v1/recommendations/{rec['id']}"
    steps = [
        ("implemented", "implemented"),
        ("in_progress", "in_progress"),  # back: the agency found it not done after all
        ("implemented", "implemented"),
        ("not_implemented", "issued"),  # back to what the facts without a report say
    ]
    for status, state in steps:
        r = await api.call("skatteverket", "POST", f"{url}/progress", json={"status": status})
        assert r.status_code == 201, r.text
        got = (await api.call("skatteverket", "GET", url)).json()
        assert (got["reported_status"], got["state"]) == (status, state)
    listed = (await api.call("secretariat", "GET", f"{url}/progress")).json()["items"]
    assert [p["status"] for p in listed] == [status for status, _ in steps]
    history = (await api.call("secretariat", "GET", f"{url}/history")).json()["items"]
    assert [e["data"]["status"] for e in history if e["entity"] == "progress_report"] == [
        status for status, _ in steps
    ]


def test_the_contract_says_that_a_later_report_can_move_the_state_back() -> None:
    document = create_app(Settings.from_env({}), "postgresql://unused").openapi_schema.to_schema()
    for path, method in [
        ("/v1/recommendations/{recommendation_id}/progress", "post"),
        ("/v1/sync/progress", "post"),
    ]:
        description = document["paths"][path][method]["description"]
        assert "moves the state back" in description, (path, description)
