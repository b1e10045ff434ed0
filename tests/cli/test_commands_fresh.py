"""The commands where a test writes, or needs a service with no data (test_commands.py's
tests share one service with the demo data and only read)."""

from __future__ import annotations

import json

from tests import flow
from tests.cli.conftest import Cli
from tests.cli.test_commands import FIELDS, _csv, _get
from tests.helpers import Api


async def test_show_names_the_token_that_acted(demo: Cli, api: Api) -> None:
    rec = await flow.recommendation(api)  # issued, not yet answered
    response = await api.call(
        "skatteverket",
        "PUT",
        f"/v1/recommendations/{rec['id']}/response",
        json={"decision": "rejected", "rationale": "Ingen budget.", "responded_by": "Åsa Ek"},
    )
    assert response.status_code == 201, response.text
    ran = await demo.run("show", rec["code"], "--csv")
    assert (ran.status, ran.stderr) == (0, "")
    rows = _csv(ran.stdout)
    history = (await _get(api, f"/v1/recommendations/{rec['id']}/history"))["items"]
    assert [int(r["seq"]) for r in rows] == [e["seq"] for e in history]
    assert {r["code"] for r in rows} == {rec["code"]}
    last = rows[-1]
    assert (last["entity"], last["action"], last["actor_role"], last["actor_label"]) == (
        "response",
        "created",
        "agency",
        "skatteverket",
    )
    assert last["summary"] == "rejected"
    assert json.loads(last["data"])["responded_by"] == "Åsa Ek"
    table = await demo.run("show", rec["code"])
    assert "skatteverket (agency)" in table.stdout
    assert "Ingen budget." in table.stdout


async def test_stats_of_an_empty_service(cli: Cli) -> None:
    ran = await cli.run("stats")
    assert ran.status == 0
    assert "recommendations                0" in ran.stdout
    assert "Decisions" not in ran.stdout
    empty = await cli.run("list")
    assert empty.stdout == "No recommendations match.\n"
    assert (await cli.run("overdue", "--json")).stdout == "[]\n"
    assert (await cli.run("list", "--csv")).stdout == "\ufeff" + ";".join(FIELDS) + "\r\n"
    plain = await cli.run("list", "--csv", "--dialect", "rfc4180")
    assert plain.stdout == ",".join(FIELDS) + "\r\n"
