"""What follows a recommendation, under `/v1/recommendations/{id}/…`: its history, the
agency's response and progress, the secretariat's assessments and closure, a controller each
(api/history.py, responses.py, progress.py, assessments.py, closures.py) on this base."""

from __future__ import annotations

from litestar import Controller
from litestar.params import FromPath

RecommendationId = FromPath[str]


class FollowUp(Controller):
    path = "/recommendations/{recommendation_id:str}"
    tags = ["follow-up"]  # noqa: RUF012
