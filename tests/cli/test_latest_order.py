"""`recotrack-cli show`: the latest progress report is the API's, the last written (within a
sync batch, the last in input order; a report sent later is later, whatever day it names),
and the timeline runs in the same order."""

from __future__ import annotations

import datetime as dt
import json

from tests import flow
from tests.cli.conftest import Cli
from tests.helpers import Api


async def test_show_has_the_batchs_last_report_as_latest_and_its_timeline_in_order(
    cli: Cli, api: Api
) -> None:
    rec = await flow.recommendation(api)
    statuses = ["in_progress", "implemented", "partially_implemented", "not_started", "in_progress"]
    items = [
        {
            "recommendation_id": rec["id"],
            "external_ref": f"steg-{n}",
            "status": status,
            "note": f"steg {n}",
        }
        for n, status in enumerate(statuses)
    ]
    r = await api.call("skatteverket", "POST", "/v1/sync/progress", json={"items": items})
    assert r.json()["created"] == 5, r.text
    ran = await cli.run("show", rec["code"], "--json")
    assert (ran.status, ran.stderr) == (0, "")
    shown = json.loads(ran.stdout)
    assert shown["latest_progress"]["note"] == "steg 4"
    timeline = [e["data"]["note"] for e in shown["history"] if e["entity"] == "progress_report"]
    assert timeline == [f"steg {n}" for n in range(5)]

    earlier = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    body = {"status": "implemented", "note": "steg 5", "reported_on": earlier}
    r = await api.call(
        "skatteverket", "POST", f"/v1/recommendations/{rec['id']}/progress", json=body
    )
    assert r.status_code == 201, r.text
    shown = json.loads((await cli.run("show", rec["code"], "--json")).stdout)
    assert shown["latest_progress"]["note"] == "steg 5"
    assert shown["recommendation"]["reported_status"] == "implemented"
