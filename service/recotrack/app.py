"""The Litestar application: routes under `/v1`, the pool in the lifespan, problems for errors."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Router
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import ASGIApp

from recotrack import __version__
from recotrack.api.agencies import AgencyController
from recotrack.api.assessments import AssessmentController
from recotrack.api.audit import AuditController
from recotrack.api.auth import PrincipalCache, authentication_middleware, permission_guard
from recotrack.api.benchmarks import BenchmarkController
from recotrack.api.body import MAX_DEPTH, strict_request
from recotrack.api.changes import ChangeController
from recotrack.api.closures import ClosureController
from recotrack.api.contract import StructSchemas, say_no_nul_in_parameters
from recotrack.api.deps import DEPENDENCIES
from recotrack.api.disclosures import DisclosureController
from recotrack.api.exports import ExportController
from recotrack.api.good_examples import GoodExampleController
from recotrack.api.health import healthz, readyz
from recotrack.api.history import HistoryController
from recotrack.api.idempotency import idempotency_middleware
from recotrack.api.investments import InvestmentController
from recotrack.api.limits import (
    header_limit_middleware,
    public_rate_limit_middleware,
    rate_limit_middleware,
)
from recotrack.api.links import LinkController
from recotrack.api.metrics import metrics_handler
from recotrack.api.options import options_middleware
from recotrack.api.problems import EXCEPTION_HANDLERS
from recotrack.api.progress import ProgressController
from recotrack.api.public import public_api_router
from recotrack.api.recommendations import RecommendationController
from recotrack.api.reference import OwnSwaggerUI, reference_router
from recotrack.api.requests import request_id_middleware
from recotrack.api.responses import ResponseController
from recotrack.api.reviews import ReviewController
from recotrack.api.secrecy import SecrecyController, SecrecyGroundController
from recotrack.api.stats import StatsController
from recotrack.api.sync import SyncController
from recotrack.api.timeouts import request_timeout_middleware
from recotrack.api.tokens import TokenController
from recotrack.api.webhooks import WebhookController
from recotrack.secretbox import load_secret_box
from recotrack.settings import Settings
from recotrack.signing import Signer, load_signer
from recotrack.store.checkpoints import register_key
from recotrack.store.database import Database
from recotrack.store.notify import ChangeNotifier
from recotrack.store.pool import connect, create_pool
from recotrack.store.stats import StatsCache
from recotrack.web import TEMPLATE_CONFIG, dashboard_router, public_router, to_dashboard
from recotrack.worker import background

CONTROLLERS: list[type] = [
    AgencyController,
    InvestmentController,
    ReviewController,
    RecommendationController,
    HistoryController,
    ResponseController,
    ProgressController,
    AssessmentController,
    ClosureController,
    LinkController,
    SecrecyController,
    SecrecyGroundController,
    DisclosureController,
    GoodExampleController,
    BenchmarkController,
    TokenController,
    WebhookController,
    ChangeController,
    SyncController,
    StatsController,
    ExportController,
    AuditController,
]


def create_app(settings: Settings, dsn: str, signer: Signer | None = None) -> Litestar:
    """The app for one database, resolved by the caller (embedded or `DATABASE_URL`), as the
    service's role; it migrates on start only when that role owns the tables (store/migrate.py,
    `prepare`): `recotrack serve` migrates as the owner first when it knows the owner's URL.
    `signer` signs checkpoints (read from the settings' key file at start when not given)."""

    @asynccontextmanager
    async def database(app: Litestar) -> AsyncIterator[None]:
        key = signer or load_signer(settings.signing_key_file, settings.data_dir)
        secret_box = load_secret_box(settings.secrets_key_file, settings.data_dir)
        await Database(dsn).prepare()
        conn = await connect(dsn)
        try:
            await register_key(conn, key)
        finally:
            await conn.close()
        app.state.pool = await create_pool(
            dsn,
            min_size=settings.pool_min_size,
            max_size=settings.pool_max_size,
            acquire_timeout=settings.pool_acquire_timeout,
            statement_timeout=settings.statement_timeout,
        )
        notifier = ChangeNotifier()
        app.state.principals = PrincipalCache(
            settings.token_cache_seconds, trusted=lambda: notifier.listening
        )
        notifier.on_revoked = app.state.principals.clear
        app.state.notifier = notifier
        app.state.stats_cache = StatsCache()
        app.state.signer = key
        app.state.secret_box = secret_box
        app.state.webhook_allow_private = settings.webhook_allow_private
        try:
            await app.state.notifier.start(dsn)
            work = (
                background.running(settings, dsn, signer=key, box=secret_box, notifier=notifier)
                if settings.worker
                else contextlib.nullcontext()
            )
            async with work:
                yield
        finally:
            await app.state.notifier.close()
            await app.state.pool.close()

    v1 = Router(
        path="/v1",
        route_handlers=CONTROLLERS,
        guards=[permission_guard],
        dependencies=DEPENDENCIES,
        before_request=strict_request,
        security=[{"bearer": []}],
    )
    # Off, the catalogue's paths are simply not routed: every one of them is 404.
    public = [public_api_router(), public_router(settings)] if settings.public_catalogue else []
    app = Litestar(
        route_handlers=[
            v1,
            *public,
            healthz,
            readyz,
            metrics_handler(settings.metrics_token),
            dashboard_router(settings),
            to_dashboard,
        ],
        lifespan=[database],
        middleware=[authentication_middleware(), options_middleware, idempotency_middleware],
        plugins=[StructSchemas()],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        template_config=TEMPLATE_CONFIG,
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="recotrack",
            version=__version__,
            description="The system of record for the expert group's recommendations to agencies."
            f" Request bodies are JSON in UTF-8, nested at most {MAX_DEPTH} deep (400 "
            "otherwise), no larger than the service's RECOTRACK_MAX_BODY_BYTES (1 MiB unless "
            "configured; 64 MiB for a batch; 413 otherwise); unknown fields are refused (422),"
            " and so is an integer written as a decimal (`5.0`, `5e0`: write `5`), in a body as"
            " in a query parameter (400). A query parameter that the operation does not take"
            " is refused too (400, naming it and the nearest name it takes), not ignored."
            " Moments are RFC 3339 in UTC (`2026-03-01T12:00:00Z`) in every answer and export;"
            " dates (`YYYY-MM-DD`) are Swedish calendar days (Europe/Stockholm), as are"
            " `overdue` and the default `reported_on`.",
            render_plugins=[OwnSwaggerUI()],
            openapi_router=reference_router(),
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer", description="rt_… token")
                }
            ),
        ),
        logging_config=None,
        debug=False,
    )
    say_no_nul_in_parameters(app.openapi_schema)
    # Around the whole app, not each route: so that unknown paths, wrong methods and failed
    # authentication get a request id and an access line too.
    app.asgi_handler = request_id_middleware(protect(app.asgi_handler, settings))
    return app


def protect(app: ASGIApp, settings: Settings) -> ASGIApp:
    """The limits every request meets before Litestar sees it: headers, rate, time."""
    inner = request_timeout_middleware(app, settings.request_timeout)
    inner = rate_limit_middleware(inner, settings.rate_limit, settings.rate_burst)
    inner = public_rate_limit_middleware(
        inner, settings.public_rate_limit, settings.public_rate_burst
    )
    return header_limit_middleware(inner, settings.max_header_bytes)
