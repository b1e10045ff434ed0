"""The closed vocabularies of the domain."""

from enum import StrEnum


class Area(StrEnum):
    """The five areas, with their Swedish labels in `AREA_LABELS_SV`."""

    WAYS_OF_WORKING = "ways_of_working"
    GOVERNANCE = "governance"
    COMPETENCE = "competence"
    RESULTS = "results"
    ENABLING_CONDITIONS = "enabling_conditions"


AREA_LABELS_SV: dict[Area, str] = {
    Area.WAYS_OF_WORKING: "arbetssätt",
    Area.GOVERNANCE: "styrning och ledning",
    Area.COMPETENCE: "kompetens",
    Area.RESULTS: "resultat",
    Area.ENABLING_CONDITIONS: "förutsättningskapande",
}


class Priority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Decision(StrEnum):
    ACCEPTED = "accepted"
    PARTIALLY_ACCEPTED = "partially_accepted"
    REJECTED = "rejected"
    UNDER_CONSIDERATION = "under_consideration"


class ProgressStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"
    PARTIALLY_IMPLEMENTED = "partially_implemented"
    NOT_IMPLEMENTED = "not_implemented"


class ClosureOutcome(StrEnum):
    IMPLEMENTED = "implemented"
    NOT_IMPLEMENTED = "not_implemented"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"


class State(StrEnum):
    """A recommendation's derived state; never stored."""

    DRAFT = "draft"
    ISSUED = "issued"
    RESPONDED = "responded"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"
    CLOSED = "closed"


class Phase(StrEnum):
    PROPOSED = "proposed"
    PLANNING = "planning"
    PROCUREMENT = "procurement"
    EXECUTION = "execution"
    ROLLOUT = "rollout"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Role(StrEnum):
    SECRETARIAT = "secretariat"
    AGENCY = "agency"
    AUDITOR = "auditor"
