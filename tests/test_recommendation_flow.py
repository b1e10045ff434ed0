"""The life of a recommendation, end to end through the API."""

from __future__ import annotations

from tests import flow
from tests.helpers import Api


async def test_issue_respond_report_assess_close_reopen(api: Api) -> None:
    rec = await flow.recommendation(api, issued=False, response_due="2026-03-01")
    assert rec["state"] == "draft"
    url = f"/v1/recommendations/{rec['id']}"

    # a draft is invisible to its agency
    assert (await api.call("skatteverket", "GET", url)).status_code == 404

    issued = await api.call(
        "secretariat", "PATCH", url, json={"issued_on": "2026-02-01"}, headers={"If-Match": '"1"'}
    )
    assert issued.status_code == 200, issued.text
    assert issued.json()["state"] == "issued"
    assert (await api.call("skatteverket", "GET", url)).status_code == 200

    r = await api.call(
        "skatteverket",
        "PUT",
        f"{url}/response",
        json={
            "decision": "partially_accepted",
            "rationale": "Delvis: budgeten räcker inte.",
            "planned_actions": ["Tillsätt produktägare"],
            "target_date": "2026-09-30",
            "responded_by": "Åsa Öberg",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["target_date_history"][0]["target_date"] == "2026-09-30"

    # moving the target later without a reason is refused, with a pointer
    r = await api.call(
        "skatteverket",
        "PUT",
        f"{url}/response",
        json={"decision": "accepted", "target_date": "2026-12-31", "responded_by": "Åsa Öberg"},
        headers={"If-Match": '"1"'},
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["pointer"] == "/target_date_reason"

    r = await api.call(
        "skatteverket",
        "PUT",
        f"{url}/response",
        json={
            "decision": "accepted",
            "target_date": "2026-12-31",
            "responded_by": "Åsa Öberg",
            "target_date_reason": "Upphandlingen överklagades.",
        },
        headers={"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    history = r.json()["target_date_history"]
    assert [h["target_date"] for h in history] == ["2026-09-30", "2026-12-31"]
    assert history[1]["previous"] == "2026-09-30"

    report = {
        "status": "implemented",
        "note": "Klart",
        "percent_complete": 100,
        "evidence": ["https://example.se/beslut.pdf"],
        "external_ref": "PPM-1",
    }
    r = await api.call("skatteverket", "POST", f"{url}/progress", json=report)
    assert r.status_code == 201, r.text
    # the same report again (a field left out is its default, so not the same report)
    again = await api.call("skatteverket", "POST", f"{url}/progress", json=report)
    assert again.status_code == 200
    assert again.json()["id"] == r.json()["id"]

    got = (await api.call("secretariat", "GET", url)).json()
    assert got["state"] == "implemented"  # reported, not closed
    assert got["reported_status"] == "implemented"

    r = await api.call(
        "secretariat",
        "POST",
        f"{url}/assessments",
        json={"status": "partially_implemented", "note": "Styrningen finns, men inte i linjen."},
    )
    assert r.status_code == 201, r.text
    assert (await api.call("secretariat", "GET", url)).json()[
        "assessed_status"
    ] == "partially_implemented"

    # the agency cannot close
    r = await api.call("skatteverket", "PUT", f"{url}/closure", json={"outcome": "implemented"})
    assert r.status_code == 403
    r = await api.call(
        "secretariat",
        "PUT",
        f"{url}/closure",
        json={"outcome": "implemented", "note": "Verifierat."},
    )
    assert r.status_code == 201, r.text
    assert (await api.call("auditor", "GET", url)).json()["state"] == "closed"

    # no progress or response after closure
    r = await api.call("skatteverket", "POST", f"{url}/progress", json={"status": "in_progress"})
    assert r.status_code == 409, r.text

    r = await api.call("secretariat", "DELETE", f"{url}/closure", headers={"If-Match": '"1"'})
    assert r.status_code == 204, r.text
    assert (await api.call("secretariat", "GET", url)).json()["state"] == "implemented"
    assert (await api.call("secretariat", "GET", f"{url}/closure")).status_code == 404

    listed = (await api.call("skatteverket", "GET", "/v1/recommendations")).json()
    assert [i["id"] for i in listed["items"]] == [rec["id"]]
    assert (await api.call("forsakringskassan", "GET", url)).status_code == 404
    other = (await api.call("forsakringskassan", "GET", "/v1/recommendations")).json()
    assert other["items"] == []
