"""Requests per second and latency of the service beside the floor of its stack.

Three requests: GET one recommendation (by id, with its derived state), a filtered list page
(`?agency=&area=&limit=50`), POST a progress report. Each runs against `recotrack serve` (one
uvicorn worker, authentication, the JSON access log and ETags on, as shipped) and against
`floor.py` (a bare ASGI app calling the same store functions on the same kind of pool), back
to back, with `wrk` on loopback: the server pinned to core 0, wrk to core 1 (PostgreSQL runs
where it may). Two loads: 32 connections (throughput at saturation: there p50 is just
connections ÷ rate) and 4 connections (latency at a load the floor serves with p99 < 10 ms).

    apt-get install wrk                       # once
    .venv/bin/python bench/load.py            # embedded PostgreSQL
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/load.py
    .venv/bin/python bench/load.py --seconds 5 --only get

Targets: reads at ≥ 50% of the floor's throughput; p99 under 25 ms at the 4-connection load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from _support import (
    database,
    free_port,
    org_number,
    postgres_server,
    running,
    service_command,
    token,
)
from recotrack.store.pool import connect

BENCH = Path(__file__).resolve().parent
AGENCIES = 20
RECOMMENDATIONS = 5_000
LOADS = {"saturation": 32, "light": 4}
SERVER_CORE, CLIENT_CORE = "0", "1"

SEED_SQL = f"""
insert into investment (agency_id, title, phase, external_ref)
select 'agency-' || (n % {AGENCIES} + 1), 'Investering ' || n, 'execution', 'PPM-' || n
from generate_series(1, 200) n;

insert into review (investment_id, agency_id, title, started_on, delivered_on)
select i.id, i.agency_id, 'Granskning ' || r, date '2024-01-01', date '2024-03-01'
from investment i, generate_series(1, 5) r;

with reviews as (select array_agg(id) as ids, array_agg(agency_id) as agencies from review)
insert into recommendation (code, review_id, agency_id, title, body, area, priority,
    issued_on, response_due, implementation_due)
select 'R-' || n, reviews.ids[n % 1000 + 1], reviews.agencies[n % 1000 + 1],
    'Stärk styrningen av investeringar ' || n,
    'Myndigheten bör se över **portföljstyrningen** och nyttorealiseringen. '
        || repeat('Text ', 40),
    (array['ways_of_working', 'governance', 'competence', 'results',
        'enabling_conditions'])[n % 5 + 1],
    (array['high', 'medium', 'low'])[n % 3 + 1],
    date '2024-01-01' + (n % 700), date '2024-03-01' + (n % 700), date '2024-09-01' + (n % 900)
from generate_series(1, {RECOMMENDATIONS}) n, reviews;

insert into response (recommendation_id, decision, rationale, responded_by, target_date)
select id, (array['accepted', 'partially_accepted', 'rejected', 'under_consideration'])[
        abs(hashtext(id::text)) % 4 + 1],
    'Myndigheten delar delvis bedömningen.', 'Handläggare', issued_on + 365
from recommendation where abs(hashtext(id::text)) % 10 < 7;

insert into progress_report (recommendation_id, agency_id, status, note, reported_on)
select r.id, r.agency_id,
    (array['not_started', 'in_progress', 'implemented', 'partially_implemented'])[
        abs(hashtext(r.id::text || s)) % 4 + 1],
    'Arbetet pågår enligt plan.', r.issued_on + 30 * s
from recommendation r, generate_series(1, 2) s where abs(hashtext(r.id::text)) % 10 < 6;

analyze;
"""


@dataclass(frozen=True)
class Workload:
    name: str
    method: str
    paths: list[str]
    token: str
    body: str | None = None

    def script(self, folder: Path) -> Path:
        paths = ", ".join(f'"{p}"' for p in self.paths)
        headers = f'["Authorization"] = "Bearer {self.token}"'
        if self.body is not None:
            headers += ', ["Content-Type"] = "application/json"'
        body = f"'{self.body}'" if self.body is not None else "nil"
        path = folder / f"{self.name}.lua"
        path.write_text(
            f"""
local paths = {{{paths}}}
local headers = {{{headers}}}
local body = {body}
math.randomseed(os.time())
request = function()
  return wrk.format("{self.method}", paths[math.random(#paths)], headers, body)
end
"""
        )
        return path


@dataclass(frozen=True)
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us: float
    """The server process's CPU time per request: what contention on a shared machine
    changes least (throughput and latency swing with whatever else runs)."""

    def __str__(self) -> str:
        flag = f"  ({self.errors} non-2xx!)" if self.errors else ""
        return (
            f"{self.rps:8.0f} req/s  p50 {self.p50_ms:6.2f} ms  p99 {self.p99_ms:6.2f} ms"
            f"  cpu {self.cpu_us:5.0f} µs/req{flag}"
        )


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(url: str, script: Path, connections: int, seconds: int, pid: int) -> Figures:
    command = ["taskset", "-c", CLIENT_CORE, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s"]
    cpu_before = _cpu_seconds(pid)
    ran = subprocess.run(  # noqa: S603  (ours)
        [*command, "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    )
    cpu = _cpu_seconds(pid) - cpu_before
    out = ran.stdout
    try:
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
        p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
        p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    except AttributeError:
        raise RuntimeError(f"cannot read wrk's output:\n{out}\n{ran.stderr}") from None
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    failed = re.search(r"Socket errors:.*", out)
    if failed:
        print(f"    wrk: {failed.group(0)}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return Figures(
        rps, p50, p99, int(errors.group(1)) if errors else 0, cpu / max(requests, 1) * 1e6
    )


def _profile(pid: int, url: str, script: Path, seconds: int, folder: Path) -> None:
    """Sample the service with py-spy while wrk loads it; print where its time goes: the
    functions most often on top of the stack (own time), and ours and the framework's most
    often anywhere on it (time including calls)."""
    raw = folder / f"{script.stem}.profile.txt"
    py_spy = str(Path(sys.executable).with_name("py-spy"))
    spy = subprocess.Popen(  # noqa: S603  (ours)
        [
            py_spy,
            "record",
            "-p",
            str(pid),
            "-d",
            str(seconds),
            "-r",
            "200",
            "-f",
            "raw",
            "-o",
            str(raw),
            "--nonblocking",
            "--gil",  # only samples holding the GIL: Python's own work, not waits in syscalls
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wrk(url, script, LOADS["saturation"], seconds, pid)
    spy.wait(seconds + 60)
    own: dict[str, int] = {}
    anywhere: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = stack.split(";")
        total += count
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            anywhere[frame] = anywhere.get(frame, 0) + count
    print(f"\nprofile of {script.stem}: {total} samples; own time:")
    for frame, count in sorted(own.items(), key=lambda kv: -kv[1])[:15]:
        print(f"  {count / total:6.1%}  {frame}")
    print("  including calls (recotrack, litestar, asyncpg, structlog, uvicorn, msgspec):")
    packages = ("recotrack", "litestar/", "asyncpg", "structlog", "uvicorn", "h11")
    picked = [kv for kv in anywhere.items() if any(p in kv[0] for p in packages)]
    for frame, count in sorted(picked, key=lambda kv: -kv[1])[:30]:
        print(f"  {count / total:6.1%}  {frame}")


def _report(
    results: dict[tuple[str, str, str], Figures], workloads: list[Workload], rounds: int
) -> None:
    print(f"\nmedians of {rounds} rounds:")
    for workload in workloads:
        for load in LOADS:
            service = results[workload.name, load, "service"]
            floor = results[workload.name, load, "floor"]
            print(f"  {workload.name:4} {load:10} floor   {floor}")
            share, cost = service.rps / floor.rps, service.cpu_us / floor.cpu_us
            print(f"  {'':4} {'':10} service {service}")
            print(
                f"  {'':4} {'':10} = {share:.0%} of the floor's rate, {cost:.1f}x its CPU a request"
            )
    print("\ntargets: reads >= 50% of the floor at saturation; p99 < 25 ms at the light load")
    for workload in workloads:
        saturated = results[workload.name, "saturation", "service"]
        floor = results[workload.name, "saturation", "floor"]
        light = results[workload.name, "light", "service"]
        light_floor = results[workload.name, "light", "floor"]
        print(
            f"  {workload.name:5} {saturated.rps / floor.rps:5.0%} of {floor.rps:6.0f} req/s;"
            f" p99 {light.p99_ms:6.2f} ms at 4 connections (floor {light_floor.p99_ms:5.2f} ms)"
        )


def _median(runs: list[Figures]) -> Figures:
    return Figures(
        statistics.median(f.rps for f in runs),
        statistics.median(f.p50_ms for f in runs),
        statistics.median(f.p99_ms for f in runs),
        sum(f.errors for f in runs),
        statistics.median(f.cpu_us for f in runs),
    )


async def _seed(db_url: str) -> tuple[dict[str, str], list[str], list[str]]:
    """Tokens (secretariat, agency-1), ids to read, and agency-1's ids to report on."""
    conn = await connect(db_url)
    try:
        await conn.executemany(
            "insert into agency (id, name, org_number) values ($1, $2, $3)",
            [(f"agency-{n}", f"Myndighet {n}", org_number(n)) for n in range(1, AGENCIES + 1)],
        )
        await conn.execute(SEED_SQL)
        tokens = {
            "secretariat": await token(conn, "secretariat"),
            "agency": await token(conn, "agency", "agency-1"),
        }
        reads = [r[0] for r in await conn.fetch("select id::text from recommendation limit 500")]
        ours = [
            r[0]
            for r in await conn.fetch(
                "select id::text from recommendation where agency_id = 'agency-1' limit 200"
            )
        ]
    finally:
        await conn.close()
    return tokens, reads, ours


def main() -> int:
    parser = argparse.ArgumentParser(description="Service vs floor, with wrk on loopback.")
    parser.add_argument("--seconds", type=int, default=8, help="each wrk run (default 8)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument("--only", choices=["get", "list", "post"], action="append")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the service, e.g. RECOTRACK_LOG_LEVEL=warning (to weigh logging)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="then profile the service under each load with py-spy (pip install py-spy)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None or shutil.which("taskset") is None:
        print("needs wrk and taskset: apt-get install wrk util-linux", file=sys.stderr)
        return 2
    with postgres_server() as server:
        extra = dict(item.split("=", 1) for item in args.set)
        return asyncio.run(_run(server, args.seconds, args.rounds, args.only, args.profile, extra))


async def _run(
    server: str,
    seconds: int,
    rounds: int,
    only: list[str] | None,
    profile: bool,
    extra: dict[str, str],
) -> int:
    async with database(server) as db_url:
        tokens, reads, ours = await _seed(db_url)
        pages = [
            f"/v1/recommendations?agency=agency-{n}&area=governance&limit=50" for n in range(1, 5)
        ]
        secretariat = tokens["secretariat"]
        workloads = [
            Workload("get", "GET", [f"/v1/recommendations/{i}" for i in reads], secretariat),
            Workload("list", "GET", pages, secretariat),
            Workload(
                "post",
                "POST",
                [f"/v1/recommendations/{i}/progress" for i in ours],
                tokens["agency"],
                body='{"status": "in_progress", "note": "Lasttest"}',
            ),
        ]  # fmt: skip
        workloads = [w for w in workloads if not only or w.name in only]
        folder = Path(tempfile.mkdtemp(prefix="rt-load-"))
        service_port, floor_port = free_port(), free_port()
        service_env = {
            "DATABASE_URL": db_url,
            "RECOTRACK_LOG_FORMAT": "json",
            "RECOTRACK_LOG_LEVEL": "info",
            **extra,
        }
        floor_env = {"BENCH_DSN": db_url, "BENCH_AGENCY": "agency-1"}
        pinned = ["taskset", "-c", SERVER_CORE]  # taskset from util-linux
        floor_command = [sys.executable, str(BENCH / "floor.py"), "--port", str(floor_port)]
        with (
            running(
                [*pinned, *service_command(service_port)],
                port=service_port,
                env=service_env,
                log=folder / "service.log",
            ) as service,
            running(
                [*pinned, *floor_command], port=floor_port, env=floor_env, log=folder / "floor.log"
            ) as floor,
        ):
            print(f"{RECOMMENDATIONS} recommendations; wrk {seconds} s a run; logs in {folder}")
            service_url, service_pid = service.url, service.pid
            floor_url, floor_pid = floor.url, floor.pid
            runs: dict[tuple[str, str, str], list[Figures]] = {}
            for workload in workloads:
                script = workload.script(folder)
                for url, pid in ((service_url, service_pid), (floor_url, floor_pid)):  # warm-up
                    wrk(url, script, LOADS["light"], min(2, seconds), pid)
                for load, connections in LOADS.items():
                    print(f"{workload.name}, {load} ({connections} connections):")
                    for round_ in range(rounds):
                        # back to back, the order swapped each round: drift hits both alike
                        order = [
                            ("floor", floor_url, floor_pid),
                            ("service", service_url, service_pid),
                        ]
                        for who, url, pid in order if round_ % 2 == 0 else order[::-1]:
                            figures = wrk(url, script, connections, seconds, pid)
                            runs.setdefault((workload.name, load, who), []).append(figures)
                            print(f"  {who:8} {figures}")
            if profile:
                for workload in workloads:
                    script = workload.script(folder)
                    _profile(service_pid, service_url, script, seconds, folder)
        _report({key: _median(figures) for key, figures in runs.items()}, workloads, rounds)
        if not profile:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
