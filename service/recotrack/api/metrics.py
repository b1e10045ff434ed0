"""`/metrics` in the Prometheus text format (prometheus_client), and what it measures:

- every request, by method, route template and status, and its latency, counted by the
  outermost wrapper (`api/requests.py`), which sees the true status of every answer.
  (Litestar's own Prometheus middleware runs inside the exception handling of the route: a
  401 from the authentication middleware reached it as a 200 with no duration);
- the database pool (open and idle connections, the maximum), read when scraped;
- the events in the log, read from its head when scraped: a counter of every event written by
  any replica or command (the numbers are gapless), so `rate()` is events written per second;
- the size of each `/v1/sync/progress` batch and its items' outcomes, counted as they happen;
- webhook deliveries, read from the database when scraped (so whichever process delivered
  them, `recotrack worker` included): attempts by outcome for each subscription, the failed
  attempts in a row at its head change, and how long its oldest undelivered change has waited.

The endpoint sits outside the bearer tokens and the OpenAPI document. It is for the cluster's
or the host's monitoring only: reach it over loopback or inside the cluster, or set
`RECOTRACK_METRICS_TOKEN` so that a scrape must send `Authorization: Bearer <that token>`.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Iterator
from typing import Any

import structlog
from litestar import Response, get
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard
from prometheus_client import (
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from recotrack.api.problems import problem
from recotrack.store import deliveries, events
from recotrack.store.pool import Pool

_SCRAPE_DB_TIMEOUT_SECONDS = 2.0
_CONTENT_TYPE = (
    "text/plain; version=0.0.4"  # what generate_latest writes; Litestar adds the charset
)
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="recotrack-metrics"'}

log = structlog.get_logger("recotrack.metrics")

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

REQUESTS = Counter(
    "recotrack_http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "recotrack_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response, by method and route template",
    ["method", "route"],
    buckets=_LATENCY_BUCKETS,
)
IN_FLIGHT = Gauge("recotrack_http_requests_in_flight", "HTTP requests being answered now")
POOL_CONNECTIONS = Gauge(
    "recotrack_db_pool_connections", "Database connections the pool holds open"
)
POOL_IDLE = Gauge("recotrack_db_pool_idle_connections", "Open database connections not in use")
POOL_MAX = Gauge("recotrack_db_pool_max_connections", "The most connections the pool opens")
DATABASE_UP = Gauge(
    "recotrack_database_up", "1 when the database answered the last scrape's query, else 0"
)
SYNC_BATCH_ITEMS = Histogram(
    "recotrack_sync_batch_items",
    "Items in each /v1/sync/progress batch",
    buckets=[1, 10, 50, 100, 500, 1000, 2500, 5000, 10000],
)
SYNC_ITEMS = Counter(
    "recotrack_sync_items",
    "Items of /v1/sync/progress batches by outcome (created, unchanged, conflict, rejected)",
    ["outcome"],
)


class _EventLogCollector(Collector):
    """`recotrack_events_total`: the event log's size as of the last scrape."""

    def __init__(self) -> None:
        self.count: int | None = None

    def collect(self) -> Iterator[CounterMetricFamily]:
        if self.count is not None:
            yield CounterMetricFamily(
                "recotrack_events",
                "Events written to the audit log, by every replica and command",
                value=self.count,
            )


class _DeliveryCollector(Collector):
    """Webhook deliveries as of the last scrape, one series per subscription."""

    def __init__(self) -> None:
        self.figures: list[deliveries.Figures] = []

    def collect(self) -> Iterator[Metric]:
        labels = ["webhook", "agency"]
        attempts = CounterMetricFamily(
            "recotrack_webhook_deliveries",
            "Attempts to deliver a change (retries included, redeliveries not), by outcome",
            labels=[*labels, "outcome"],
        )
        failing = GaugeMetricFamily(
            "recotrack_webhook_consecutive_failures",
            "Failed attempts in a row at the change a subscription is held at (0: none)",
            labels=labels,
        )
        oldest = GaugeMetricFamily(
            "recotrack_webhook_oldest_undelivered_seconds",
            "How long the oldest change a subscription has not been sent has waited",
            labels=labels,
        )
        active = GaugeMetricFamily(
            "recotrack_webhook_active", "1 while a subscription is sent changes", labels=labels
        )
        for f in self.figures:
            names = [f.id, f.agency_id or ""]
            attempts.add_metric([*names, "succeeded"], f.succeeded)
            attempts.add_metric([*names, "failed"], f.failed)
            failing.add_metric(names, f.failures)
            oldest.add_metric(names, f.oldest_undelivered_seconds)
            active.add_metric(names, 1 if f.active else 0)
        yield from (attempts, failing, oldest, active)


# `_created` series double the output and tell nothing that a counter's reset does not.
disable_created_metrics()  # type: ignore[no-untyped-call]
_EVENT_LOG = _EventLogCollector()
REGISTRY.register(_EVENT_LOG)
_DELIVERIES = _DeliveryCollector()
REGISTRY.register(_DELIVERIES)


_request_series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}


def observe_request(method: str, route: str | None, status: int, seconds: float) -> None:
    """Count one answered request. Called for every request: a dict look-up and two updates.

    The labels are bounded: the route is the route's template
    (`/v1/recommendations/{recommendation_id}`), or `unmatched` for a path that matches none,
    and an unknown method is `other`.
    """
    key = (method if method in _METHODS else "other", route or "unmatched", status)
    series = _request_series.get(key)
    if series is None:
        series = (REQUESTS.labels(key[0], key[1], str(status)), LATENCY.labels(key[0], key[1]))
        _request_series[key] = series
    series[0].inc()
    series[1].observe(seconds)


def record_sync_batch(created: int, unchanged: int, conflict: int, rejected: int) -> None:
    SYNC_BATCH_ITEMS.observe(created + unchanged + conflict + rejected)
    SYNC_ITEMS.labels("created").inc(created)
    SYNC_ITEMS.labels("unchanged").inc(unchanged)
    SYNC_ITEMS.labels("conflict").inc(conflict)
    SYNC_ITEMS.labels("rejected").inc(rejected)


def metrics_guard(token: str | None) -> Guard:
    """A guard: with a token set, a scrape must send it as a bearer token."""
    expected = f"Bearer {token}".encode() if token else None

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if expected is None:
            return
        given = connection.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            raise problem(
                "unauthorized",
                401,
                "send the metrics token: Authorization: Bearer <RECOTRACK_METRICS_TOKEN>",
                headers=_CHALLENGE,
            )

    return guard


async def _read_database(pool: Pool) -> None:
    POOL_CONNECTIONS.set(pool.get_size())
    POOL_IDLE.set(pool.get_idle_size())
    POOL_MAX.set(pool.get_max_size())
    try:
        async with asyncio.timeout(_SCRAPE_DB_TIMEOUT_SECONDS), pool.acquire() as conn:
            _EVENT_LOG.count = await events.count(conn)
            _DELIVERIES.figures = await deliveries.figures(conn)
    except Exception as exc:  # a scrape must answer even when the database does not
        DATABASE_UP.set(0)
        log.warning("metrics: the database did not answer", error=type(exc).__name__)
    else:
        DATABASE_UP.set(1)


def metrics_handler(token: str | None) -> HTTPRouteHandler:
    @get(
        "/metrics",
        include_in_schema=False,
        guards=[metrics_guard(token)],
        media_type=_CONTENT_TYPE,
    )
    async def metrics(state: State) -> Response[bytes]:
        await _read_database(state.pool)
        return Response(generate_latest(REGISTRY), media_type=_CONTENT_TYPE)

    return metrics
