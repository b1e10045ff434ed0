"""The app of the webhook tests lets subscriptions go to loopback (the receivers are there);
the worker runs in the test (tests/webhooks/support.py) or in processes of its own."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from recotrack.app import create_app
from tests.conftest import test_settings
from tests.helpers import Api


@pytest.fixture
async def api(db_url: str, service_url: str) -> AsyncIterator[Api]:
    settings = dataclasses.replace(test_settings(service_url), webhook_allow_private=True)
    app = create_app(settings, service_url)
    async with AsyncTestClient(app) as client:
        yield await Api.start(client, db_url)
