"""`recotrack-cli export`, and what the other commands do with what a person may mistype: the
export downloaded as the service makes it (named by the service, never over an existing file
without --force, to stdout with `-o -`), `--url` with the API's `/v1`, an agency that does not
exist, and times in Swedish time."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest

from recotrack_sdk._csv import BOM
from tests.cli.conftest import Cli, Shared, Terminal, excel_csv
from tests.helpers import Api


@pytest.fixture
def demo(shared_demo: Shared, tmp_path: Path) -> Cli:
    """One live service with the demo data for this module (its tests only read from it);
    each test has a home and a current directory of its own."""
    return shared_demo.fresh_home(tmp_path)


@pytest.fixture
def api(shared_demo: Shared) -> Api:
    return shared_demo.api


async def _api_export(api: Api, **params: str) -> bytes:
    r = await api.call(
        "secretariat", "GET", f"/v1/exports/recommendations?{urlencode(params, doseq=True)}"
    )
    assert r.status_code == 200, r.text
    return r.content


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current directory."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


async def test_export_names_the_file_as_the_service_does_and_keeps_what_exists(
    demo: Cli, api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path = _folder(tmp_path, monkeypatch)
    err = Terminal()
    ran = await demo.run("export", stderr=err)
    assert ran.status == 0, ran
    r = await api.call("secretariat", "GET", "/v1/exports/recommendations")
    named = r.headers["content-disposition"].split('filename="')[1].rstrip('"')
    assert named.startswith("recotrack-recommendations-")
    assert named.endswith(".csv")
    assert ran.stdout == f"{tmp_path / named}\n"  # alone on stdout, for scripts
    written = (tmp_path / named).read_bytes()
    assert written == r.content  # the service's CSV, byte for byte: for Swedish Excel
    assert written.startswith(BOM.encode() + b"id;code;")
    assert err.getvalue().startswith("\rexport ")  # the progress bar, by bytes
    assert f"wrote {tmp_path / named}" in err.getvalue()
    assert _names(tmp_path) == [named]  # nothing half-written left

    again = await demo.run("export")
    assert again.status == 2, again
    assert "exists already (give --force to overwrite it)" in again.stderr
    (tmp_path / named).write_bytes(b"kept")
    assert (await demo.run("export")).status == 2
    assert (tmp_path / named).read_bytes() == b"kept"
    assert _names(tmp_path) == [named]
    forced = await demo.run("export", "--force")
    assert forced.status == 0, forced
    assert (tmp_path / named).read_bytes() == r.content


async def test_export_formats_filters_and_stdout(
    demo: Cli, api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path = _folder(tmp_path, monkeypatch)
    book = tmp_path / "rekommendationer.xlsx"
    ran = await demo.run("export", "--format", "xlsx", "-o", str(book))
    assert ran.status == 0, ran
    assert book.read_bytes()[:2] == b"PK"  # a workbook (a zip)
    assert (await demo.run("export", "--format", "xlsx", "-o", str(book))).status == 2

    lines = await demo.run(
        "export", "--format", "ndjson", "-o", "-", "--agency", "skatteverket", "--state", "closed"
    )
    assert lines.status == 0, lines
    rows = [json.loads(line) for line in lines.lines]
    assert rows
    assert {(row["agency_id"], row["state"]) for row in rows} == {("skatteverket", "closed")}
    expected = await _api_export(api, format="ndjson", agency="skatteverket", state="closed")
    assert lines.stdout.encode() == expected

    plain = await demo.run("export", "-o", "-", "--dialect", "rfc4180", "--area", "competence")
    assert plain.status == 0, plain
    assert plain.stdout.encode() == await _api_export(api, dialect="rfc4180", area="competence")
    binary = await demo.run("export", "--format", "xlsx", "-o", "-")
    assert binary.status == 2
    assert "xlsx is binary" in binary.stderr
    assert _names(tmp_path) == ["rekommendationer.xlsx"]


async def test_list_csv_is_for_swedish_excel_like_the_export(demo: Cli, api: Api) -> None:
    listed = await demo.run("list", "--csv", "--agency", "csn")
    assert listed.stdout.startswith(BOM + "id;code;")
    exported = (await _api_export(api, agency="csn")).decode()
    assert exported.startswith(BOM)
    assert exported.split("\r\n")[0].count(";") > 5
    assert {row["agency_id"] for row in excel_csv(listed.stdout)} == {"csn"}
    stats = await demo.run("stats", "--csv")
    share = next(r for r in excel_csv(stats.stdout) if r["metric"] == "implemented_share")
    assert "," in share["value"]  # a decimal comma
    assert "." not in share["value"]


async def test_an_agency_that_does_not_exist_is_named(demo: Cli, tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    for args in (["list"], ["overdue", "--json"], ["export", "-o", str(target)]):
        ran = await demo.run(*args, "--agency", "skatteverkt")
        assert ran.status == 2, (args, ran)
        assert ran.stdout == ""
        assert "no agency 'skatteverkt' (did you mean 'skatteverket'?)" in ran.stderr, ran
    assert not target.exists()
    two = await demo.run("list", "--agency", "skatteverket,nope,ingen")
    assert two.status == 2
    assert "no agencies 'nope'" in two.stderr, two
    assert "'ingen'" in two.stderr
    # an agency's token sees its own agency only: another one is not there for it
    other = await demo.run("list", "--agency", "csn", who="skatteverket")
    assert other.status == 2, other
    assert "not one this token may see" in other.stderr
    own = await demo.run("list", "--agency", "skatteverket", who="skatteverket")
    assert own.status == 0, own


@pytest.mark.parametrize("path", ["/v1", "/v1/", "/"])
async def test_the_url_may_end_in_the_apis_v1(demo: Cli, path: str) -> None:
    ran = await demo.run("stats", "--json", env={"RECOTRACK_URL": demo.url + path})
    assert ran.status == 0, ran
    assert json.loads(ran.stdout)["total"] > 0


async def test_a_url_with_another_path_says_what_to_give(demo: Cli) -> None:
    for path in ("/v1/recommendations", "/dashboard", "/?x=1"):
        ran = await demo.run("stats", "--url", demo.url + path)
        assert ran.status == 2, ran
        assert ran.stderr == (
            f"recotrack-cli: --url: give the service's address without a path, e.g. "
            f"{demo.url} (not {demo.url}{path}: the CLI adds /v1/… itself)\n"
        )


async def test_show_prints_swedish_time_and_says_so(demo: Cli, api: Api) -> None:
    r = await api.call("secretariat", "GET", "/v1/recommendations?state=closed&limit=1")
    rec = r.json()["items"][0]
    ran = await demo.run("show", rec["code"])
    assert ran.status == 0, ran
    timeline = ran.lines[ran.lines.index("Timeline") + 2 :]
    assert timeline[0].startswith("when (Europe/Stockholm)")
    closed = next(line for line in ran.lines if line.startswith("closed at"))
    assert closed.endswith((" CET", " CEST")), closed
