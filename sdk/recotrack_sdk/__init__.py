"""Typed client and wire models for the recotrack API.

```python
from recotrack_sdk import Client
from recotrack_sdk.models import RecommendationPatch

with Client("https://recotrack.example.se", token) as client:
    current = client.get_recommendation(rec_id)
    client.update_recommendation(rec_id, RecommendationPatch(priority="high"), if_match=current)
```

The wire models are in `recotrack_sdk.models`; everything else is imported from here.
"""

from recotrack_sdk._agency_sync import AgencySync, AsyncAgencySync, PullResult, SyncResult
from recotrack_sdk._async_changes import AsyncChangeStream
from recotrack_sdk._async_client import AsyncClient
from recotrack_sdk._changes import ChangeStream
from recotrack_sdk._client import Client
from recotrack_sdk._errors import (
    PROBLEM_BASE,
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ConnectionError,
    FieldError,
    IdempotencyInProgressError,
    IdempotencyKeyMismatchError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    PreconditionRequiredError,
    Problem,
    RateLimitedError,
    RecotrackError,
    RuleViolationError,
    ServerError,
    TimeoutError,
    TransitionNotAllowedError,
    ValidationError,
    WebhookVerificationError,
)
from recotrack_sdk._exports import Export
from recotrack_sdk._types import HasVersion, Health, IfMatch, Versioned
from recotrack_sdk._version import __version__

__all__ = [
    "PROBLEM_BASE",
    "APIError",
    "AgencySync",
    "AsyncAgencySync",
    "AsyncChangeStream",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "ChangeStream",
    "Client",
    "ConflictError",
    "ConnectionError",
    "Export",
    "FieldError",
    "HasVersion",
    "Health",
    "IdempotencyInProgressError",
    "IdempotencyKeyMismatchError",
    "IfMatch",
    "NotFoundError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "PreconditionRequiredError",
    "Problem",
    "PullResult",
    "RateLimitedError",
    "RecotrackError",
    "RuleViolationError",
    "ServerError",
    "SyncResult",
    "TimeoutError",
    "TransitionNotAllowedError",
    "ValidationError",
    "Versioned",
    "WebhookVerificationError",
    "__version__",
]
