"""`/metrics`: Prometheus text that moves with the traffic, outside the API's tokens and schema."""

from __future__ import annotations

import asyncpg
from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families

from recotrack.app import create_app
from recotrack.settings import Settings
from tests import flow
from tests.helpers import Api, secrets_key_file, signing_key_file

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(api: Api) -> Samples:
    r = await api.client.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(r.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


async def test_the_counters_move_with_requests(api: Api, db: asyncpg.Connection) -> None:
    before = await scrape(api)
    rec = await flow.recommendation(api)  # three POSTs by the secretariat
    for _ in range(3):
        assert (await api.call("auditor", "GET", "/v1/agencies")).status_code == 200
    assert (await api.client.get("/v1/agencies")).status_code == 401  # no token
    assert (await api.call("auditor", "GET", f"/v1/recommendations/{rec['id']}")).status_code == 200
    assert (await api.client.get("/no/such/path")).status_code == 404
    items = [
        {"recommendation_id": rec["id"], "external_ref": f"M-{i}", "status": "in_progress"}
        for i in range(7)
    ]
    r = await api.call("skatteverket", "POST", "/v1/sync/progress", json={"items": items})
    assert r.status_code == 200, r.text
    r = await api.call("skatteverket", "POST", "/v1/sync/progress", json={"items": items[:2]})
    assert r.status_code == 200, r.text
    after = await scrape(api)

    requests = "recotrack_http_requests_total"
    assert moved(before, after, requests, method="GET", route="/v1/agencies", status="200") == 3
    assert moved(before, after, requests, method="GET", route="/v1/agencies", status="401") == 1
    assert moved(before, after, requests, method="POST", route="/v1/recommendations", status="201")
    one = "/v1/recommendations/{recommendation_id}"
    assert moved(before, after, requests, method="GET", route=one, status="200") == 1
    assert moved(before, after, requests, method="GET", route="unmatched", status="404") == 1
    latency = "recotrack_http_request_duration_seconds"
    assert moved(before, after, f"{latency}_count", method="GET", route="/v1/agencies") == 4
    assert moved(before, after, f"{latency}_bucket", method="GET", route="/v1/agencies", le="+Inf")
    assert value(after, f"{latency}_sum", method="GET", route="/v1/agencies") > 0

    assert moved(before, after, "recotrack_sync_batch_items_count") == 2
    assert moved(before, after, "recotrack_sync_batch_items_sum") == 9
    assert moved(before, after, "recotrack_sync_batch_items_bucket", le="10.0") == 2
    assert moved(before, after, "recotrack_sync_items_total", outcome="created") == 7
    assert moved(before, after, "recotrack_sync_items_total", outcome="unchanged") == 2

    # the event log's size, as the database has it
    assert value(after, "recotrack_events_total") == await db.fetchval("select count(*) from event")
    assert moved(before, after, "recotrack_events_total") >= 3 + 7
    assert value(after, "recotrack_database_up") == 1
    assert value(after, "recotrack_db_pool_max_connections") == 20
    assert value(after, "recotrack_db_pool_connections") >= 1
    idle = value(after, "recotrack_db_pool_idle_connections")
    assert 0 <= idle <= value(after, "recotrack_db_pool_connections")


async def test_metrics_are_outside_the_api_schema_and_its_tokens(api: Api) -> None:
    r = await api.client.get("/schema/openapi.json")
    assert "/metrics" not in r.json()["paths"]
    # no bearer token needed, and an API token changes nothing
    assert (await api.client.get("/metrics")).status_code == 200
    assert (await api.call("skatteverket", "GET", "/metrics")).status_code == 200


async def test_a_metrics_token_guards_the_endpoint(db_url: str) -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": db_url,
            "RECOTRACK_METRICS_TOKEN": "s3cret-m",
            "RECOTRACK_SIGNING_KEY_FILE": signing_key_file(),
            "RECOTRACK_SECRETS_KEY_FILE": secrets_key_file(),
        }
    )
    async with AsyncTestClient(create_app(settings, db_url)) as client:
        refused = await client.get("/metrics")
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        ok = await client.get("/metrics", headers={"Authorization": "Bearer s3cret-m"})
        assert ok.status_code == 200
        assert "recotrack_http_requests_total" in ok.text
