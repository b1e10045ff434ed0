"""Every command in every output format, against the live service with the demo data: the
JSON and CSV parse, and say what the service says."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from recotrack_sdk._cli import _reading
from recotrack_sdk._cli._render import width
from recotrack_sdk.models import Recommendation
from tests.cli.conftest import PER_AGENCY, Cli, Shared, Terminal, excel_csv
from tests.helpers import Api

STATES = ["draft", "issued", "responded", "in_progress", "implemented", "closed"]
FIELDS = list(Recommendation.__struct_fields__)


async def _get(api: Api, path: str, who: str = "secretariat", **params: Any) -> Any:
    response = await api.call(who, "GET", f"{path}?{urlencode(params, doseq=True)}")
    assert response.status_code == 200, response.text
    return response.json()


async def _all(api: Api, who: str = "secretariat", **params: Any) -> list[dict[str, Any]]:
    """Every recommendation the API lists for these filters, straight from the API."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = dict(params, limit=1000, **({"cursor": cursor} if cursor else {}))
        page = await _get(api, "/v1/recommendations", who, **query)
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def _csv(text: str) -> list[dict[str, str]]:
    return excel_csv(text)


def _number(text: str) -> float:
    """A number as the CSV for Swedish Excel writes it: with a decimal comma."""
    return float(text.replace(",", "."))


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.fixture
def demo(shared_demo: Shared, tmp_path: Path) -> Cli:
    """One live service with the demo data for this module: its tests only read (those that
    write, or need an empty service, are in test_commands_fresh.py)."""
    return shared_demo.fresh_home(tmp_path)


@pytest.fixture
def api(shared_demo: Shared) -> Api:
    return shared_demo.api


def _aligned(lines: list[str]) -> None:
    """Every row of a table whose last column is right-aligned ends at the same column."""
    assert len({width(line) for line in lines}) == 1, "\n".join(lines)


# --- status --------------------------------------------------------------------------------


async def test_status_is_one_row_per_agency_worst_first(demo: Cli, api: Api) -> None:
    stats = await _get(api, "/v1/stats")
    agencies = {a["id"]: a["name"] for a in (await _get(api, "/v1/agencies"))["items"]}
    expected: dict[str, dict[str, int]] = {a: dict.fromkeys(STATES, 0) for a in agencies}
    for c in stats["counts"]:
        expected[c["agency_id"]][c["state"]] += c["count"]
    overdue = {a["agency_id"]: a["overdue"] for a in stats["overdue_by_agency"]}

    ran = await demo.run("status", "--json")
    assert (ran.status, ran.stderr) == (0, "")
    rows = json.loads(ran.stdout)
    assert [list(row) for row in rows] == [
        ["agency_id", "name", *STATES, "total", "overdue"]
    ] * len(agencies)
    assert {row["agency_id"] for row in rows} == set(agencies)
    assert len(rows) == 10
    for row in rows:
        assert row["name"] == agencies[row["agency_id"]]
        assert {s: row[s] for s in STATES} == expected[row["agency_id"]]
        assert row["total"] == sum(expected[row["agency_id"]].values()) == PER_AGENCY
        assert row["overdue"] == overdue.get(row["agency_id"], 0)
    assert sum(row["overdue"] for row in rows) == stats["overdue"]

    def badness(row: dict[str, Any]) -> tuple[int, int, float, str]:
        issued = row["total"] - row["draft"]
        return (-row["overdue"], -row["issued"], row["closed"] / issued, row["agency_id"])

    assert rows == sorted(rows, key=badness)
    assert rows[0]["overdue"] == max(overdue.values())

    table = await demo.run("status")
    assert table.status == 0
    names = [line.split("  ")[0].strip() for line in table.lines[2:12]]
    assert names == [row["name"] for row in rows]  # Försäkringskassan, Lantmäteriet …
    _aligned(table.lines[:14])
    assert table.lines[13].split() == [
        "total",
        *(str(sum(r[s] for r in rows)) for s in [*STATES, "total", "overdue"]),
    ]
    assert "Worst first" in table.stdout

    as_csv = _csv((await demo.run("status", "--csv")).stdout)
    assert as_csv == [{k: _csv_value(v) for k, v in row.items()} for row in rows]


async def test_status_of_an_agency_is_its_own_row(demo: Cli) -> None:
    ran = await demo.run("status", "--json", who="skatteverket")
    assert ran.status == 0
    [row] = json.loads(ran.stdout)
    assert row["agency_id"] == "skatteverket"
    assert row["draft"] == 0  # drafts are invisible to the agency


# --- list ----------------------------------------------------------------------------------


async def test_list_as_json_is_what_the_api_lists(demo: Cli, api: Api) -> None:
    ran = await demo.run("list", "--json")
    assert (ran.status, ran.stderr) == (0, "")
    listed = json.loads(ran.stdout)
    assert listed == await _all(api)
    assert len(listed) == 10 * PER_AGENCY
    assert all(list(item) == FIELDS for item in listed)  # stable keys, in the models' order


@pytest.mark.parametrize(
    ("args", "params"),
    [
        (["--agency", "skatteverket", "--agency", "csn"], {"agency": ["skatteverket", "csn"]}),
        (["--agency", "skatteverket,lantmateriet"], {"agency": ["skatteverket", "lantmateriet"]}),
        (["--state", "issued,responded"], {"state": ["issued", "responded"]}),
        (
            ["--area", "governance", "--priority", "high"],
            {"area": "governance", "priority": "high"},
        ),
        (["--overdue"], {"overdue": "true"}),
        (["--not-overdue", "--state", "in_progress"], {"overdue": "false", "state": "in_progress"}),
        (["-q", "investeringar"], {"q": "investeringar"}),
        (["--search", "upphandlingen"], {"q": "upphandlingen"}),
        (
            ["--issued-from", "2025-06-01", "--issued-to", "2025-12-31"],
            {"issued_from": "2025-06-01", "issued_to": "2025-12-31"},
        ),
        (["--due-before", "2026-01-01"], {"due_before": "2026-01-01"}),
        (["--sort=-response_due"], {"sort": "-response_due"}),
        (
            ["--sort", "code", "--agency", "bolagsverket"],
            {"sort": "code", "agency": "bolagsverket"},
        ),
        (["-q", "nytta", "--sort", "relevance"], {"q": "nytta", "sort": "relevance"}),
    ],
)
async def test_list_filters_are_the_api_filters(
    demo: Cli, api: Api, args: list[str], params: dict[str, Any]
) -> None:
    ran = await demo.run("list", "--json", *args)
    assert (ran.status, ran.stderr) == (0, "")
    expected = await _all(api, **params)
    assert json.loads(ran.stdout) == expected
    assert expected, "a filter that matches nothing proves little"


async def test_list_by_review_and_investment_and_limit(demo: Cli, api: Api) -> None:
    some = (await _all(api, agency="trafikverket"))[0]
    for option, name in (("--review", "review_id"), ("--investment", "investment_id")):
        ran = await demo.run("list", "--json", option, some[name])
        assert json.loads(ran.stdout) == await _all(api, **{name: some[name]})
    limited = await demo.run("list", "--json", "--sort", "code", "--limit", "5")
    assert [r["code"] for r in json.loads(limited.stdout)] == sorted(
        r["code"] for r in await _all(api)
    )[:5]


async def test_list_pages_through_everything(
    demo: Cli, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_reading, "PAGE_SIZE", 7)  # 80 recommendations: 12 pages
    for sort in ({}, {"sort": "-implementation_due"}, {"sort": "-code"}):
        ran = await demo.run("list", "--json", *(f"--sort={s}" for s in sort.values()))
        codes = [r["code"] for r in json.loads(ran.stdout)]
        assert len(codes) == len(set(codes)) == 10 * PER_AGENCY
        assert codes == [r["code"] for r in await _all(api, **sort)]
    limited = await demo.run("list", "--json", "--limit", "10")
    assert len(json.loads(limited.stdout)) == 10


async def test_list_as_csv_has_every_field(demo: Cli, api: Api) -> None:
    ran = await demo.run("list", "--csv", "--agency", "forsakringskassan")
    assert (ran.status, ran.stderr) == (0, "")
    assert ran.stdout.split("\r\n", 1)[0] == "\ufeff" + ";".join(FIELDS)
    rows = _csv(ran.stdout)
    expected = await _all(api, agency="forsakringskassan")
    assert rows == [{k: _csv_value(v) for k, v in item.items()} for item in expected]
    assert any("\n" in row["body"] for row in rows)  # multi-line Markdown, quoted


async def test_list_as_a_table(demo: Cli, api: Api) -> None:
    ran = await demo.run("list", "--agency", "lantmateriet", "--sort", "code")
    assert (ran.status, ran.stderr) == (0, "")
    expected = await _all(api, agency="lantmateriet", sort="code")
    header, _rule, *rows = ran.lines[: 2 + len(expected)]
    assert header.split()[:3] == ["code", "agency", "area"]
    assert [row.split()[0] for row in rows] == [r["code"] for r in expected]
    title_at = width(header[: header.index("title")])
    for row, item in zip(rows, expected, strict=True):
        assert row.endswith(item["title"])
        assert width(row) - width(item["title"]) == title_at  # aligned, å ä ö included
        assert ("OVERDUE" in row) == item["overdue"]
    assert ran.lines[-1] == f"{len(expected)} recommendations"

    none = await demo.run("list", "-q", "finnsintenågonstans")
    assert (none.status, none.stdout) == (0, "No recommendations match.\n")


async def test_a_table_on_a_terminal_fits_its_width(demo: Cli) -> None:
    out = Terminal()
    ran = await demo.run("list", "--agency", "csn", stdout=out, env={"COLUMNS": "130"})
    assert ran.status == 0
    table = ran.lines[:-2]
    assert all(width(line) <= 130 for line in table)
    assert any(line.endswith("…") for line in table)  # long titles cut
    wide = await demo.run("list", "--agency", "csn")  # not a terminal: nothing cut
    assert not any(line.endswith("…") for line in wide.lines)


# --- show ----------------------------------------------------------------------------------


async def _one(api: Api, **params: Any) -> dict[str, Any]:
    found = await _all(api, **params)
    assert found, params
    return found[0]


async def test_show_as_json_is_the_recommendation_and_its_story(demo: Cli, api: Api) -> None:
    rec = await _one(api, state="closed")
    url = f"/v1/recommendations/{rec['id']}"
    ran = await demo.run("show", rec["code"], "--json")
    assert (ran.status, ran.stderr) == (0, "")
    shown = json.loads(ran.stdout)
    assert list(shown) == [
        "recommendation",
        "response",
        "latest_progress",
        "latest_assessment",
        "closure",
        "history",
    ]
    assert shown["recommendation"] == await _get(api, url)
    assert shown["response"] == await _get(api, f"{url}/response")
    assert shown["closure"] == await _get(api, f"{url}/closure")
    assert shown["history"] == (await _get(api, f"{url}/history", limit=1000))["items"]
    progress = (await _get(api, f"{url}/progress", limit=1000))["items"]
    assert shown["latest_progress"] == progress[-1]  # the last written
    actions = [(e["entity"], e["action"]) for e in shown["history"]]
    assert actions[0] == ("recommendation", "created")
    # the closure ends its follow-up (secrecy may be marked after it, as the demo does)
    assert [a for a in actions if a[0] != "secrecy"][-1] == ("closure", "closed")
    assert ("progress_report", "created") in actions


async def test_show_has_the_secretariats_assessment_beside_the_agencys_report(
    demo: Cli, api: Api
) -> None:
    rec = next(r for r in await _all(api) if r["assessed_status"] is not None)
    url = f"/v1/recommendations/{rec['id']}"
    assessments = (await _get(api, f"{url}/assessments", limit=1000))["items"]
    shown = json.loads((await demo.run("show", rec["code"], "--json")).stdout)
    assert shown["latest_assessment"] == assessments[-1]  # the last written
    table = await demo.run("show", rec["code"])
    section = table.lines[table.lines.index("Secretariat's assessment") :]
    assert section[2] == f"status       {rec['assessed_status']}"
    assert f"note         {assessments[-1]['note']}" in section
    assert any("assessment created" in line for line in table.lines)


async def test_show_as_a_table_has_the_fields_and_the_timeline_with_actors(
    demo: Cli, api: Api
) -> None:
    rec = await _one(api, state="implemented")
    ran = await demo.run("show", rec["code"])
    assert (ran.status, ran.stderr) == (0, "")
    assert ran.lines[0] == f"{rec['code']}  {rec['title']}"
    text = ran.stdout
    for expected in (
        f"agency              {rec['agency_id']}",
        f"state               {rec['state']}",
        f"response due        {rec['response_due']}",
        "Response",
        f"decision         {rec['decision']}",
        "Latest progress",
        "status       implemented (100 %)",
        "Timeline",
    ):
        assert expected in text, expected
    timeline = ran.lines[ran.lines.index("Timeline") + 2 :]
    assert timeline[0].split() == ["when", "(Europe/Stockholm)", "what", "who", "details"]
    assert any("progress_report created" in line and "system:demo:" in line for line in timeline)
    assert "Closure" not in ran.lines


async def test_show_finds_the_code_exactly_or_says_it_is_not_there(demo: Cli, api: Api) -> None:
    rec = await _one(api, state="draft")
    lower = await demo.run("show", rec["code"].lower(), "--json")
    assert lower.status == 0
    assert json.loads(lower.stdout)["recommendation"]["code"] == rec["code"]
    for who, code in (("secretariat", "2020-XYZ-999"), ("skatteverket", rec["code"])):
        ran = await demo.run("show", code, who=who)
        assert (ran.status, ran.stdout) == (4, "")
        assert ran.stderr == (
            f"recotrack-cli: no recommendation with code {code} (or not one this token may see)\n"
        )


# --- overdue -------------------------------------------------------------------------------


async def test_overdue_lists_the_overdue_ones_most_overdue_first(demo: Cli, api: Api) -> None:
    expected = await _all(api, overdue="true")
    ran = await demo.run("overdue", "--json")
    assert (ran.status, ran.stderr) == (0, "")
    items = json.loads(ran.stdout)
    assert sorted(i["code"] for i in items) == sorted(r["code"] for r in expected)
    assert all(list(i) == [*FIELDS, "late", "overdue_since", "days_overdue"] for i in items)
    by_code = {r["code"]: r for r in expected}
    today = dt.date.today()
    for item in items:
        assert {k: item[k] for k in FIELDS} == by_code[item["code"]]
        dues = {"response": item["response_due"], "implementation": item["implementation_due"]}
        assert item["late"]
        assert set(item["late"]) <= set(dues)
        assert item["overdue_since"] == min(dues[what] for what in item["late"])
        since = dt.date.fromisoformat(item["overdue_since"])
        assert item["days_overdue"] == (today - since).days > 0
        if "response" in item["late"]:
            assert item["decision"] is None
    assert [i["overdue_since"] for i in items] == sorted(i["overdue_since"] for i in items)

    as_csv = _csv((await demo.run("overdue", "--csv")).stdout)
    assert [r["code"] for r in as_csv] == [i["code"] for i in items]
    assert [r["late"] for r in as_csv] == ["; ".join(i["late"]) for i in items]
    assert [int(r["days_overdue"]) for r in as_csv] == [i["days_overdue"] for i in items]

    table = await demo.run("overdue")
    assert [line.split()[0] for line in table.lines[2 : 2 + len(items)]] == [
        i["code"] for i in items
    ]
    starts = {
        width(line) - width(item["title"])
        for line, item in zip(table.lines[2 : 2 + len(items)], items, strict=True)
    }
    assert len(starts) == 1  # every title starts in the same column
    assert table.lines[-1] == f"{len(items)} overdue recommendations, most overdue first"


async def test_overdue_takes_filters(demo: Cli, api: Api) -> None:
    ran = await demo.run("overdue", "--json", "--agency", "skatteverket", "--limit", "2")
    items = json.loads(ran.stdout)
    assert 0 < len(items) <= 2
    assert {i["agency_id"] for i in items} == {"skatteverket"}
    assert all(i["overdue"] for i in items)
    nothing = await demo.run("overdue", "--state", "closed")
    assert (nothing.status, nothing.stdout) == (0, "Nothing is overdue.\n")


# --- stats ---------------------------------------------------------------------------------


async def test_stats_in_every_format(demo: Cli, api: Api) -> None:
    stats = await _get(api, "/v1/stats")
    ran = await demo.run("stats", "--json")
    assert (ran.status, ran.stderr) == (0, "")
    assert json.loads(ran.stdout) == stats

    rows = _csv((await demo.run("stats", "--csv")).stdout)
    assert list(rows[0]) == ["metric", "agency_id", "area", "state", "decision", "value"]
    counts = {
        (r["agency_id"], r["area"], r["state"]): int(r["value"])
        for r in rows
        if r["metric"] == "count"
    }
    assert counts == {(c["agency_id"], c["area"], c["state"]): c["count"] for c in stats["counts"]}
    figures = {r["metric"]: r["value"] for r in rows if not r["agency_id"] and not r["decision"]}
    assert int(figures["total"]) == stats["total"]
    assert int(figures["overdue"]) == stats["overdue"]
    assert _number(figures["implemented_share"]) == stats["implemented_share"]
    assert _number(figures["median_days_to_response"]) == stats["median_days_to_response"]
    shares = {r["decision"]: _number(r["value"]) for r in rows if r["metric"] == "decision_share"}
    assert shares == stats["decision_shares"]
    by_agency = {
        r["agency_id"]: int(r["value"]) for r in rows if r["metric"] == "overdue" and r["agency_id"]
    }
    assert by_agency == {a["agency_id"]: a["overdue"] for a in stats["overdue_by_agency"]}

    table = await demo.run("stats")
    assert table.status == 0
    assert table.lines[0].split() == ["recommendations", str(stats["total"])]
    assert f"{stats['implemented_share'] * 100:.1f} %" in table.stdout
    assert "förutsättningskapande (enabling_conditions)" in table.stdout
    area_table = table.lines[table.lines.index("By area and state") + 2 :][:7]
    _aligned(area_table)
