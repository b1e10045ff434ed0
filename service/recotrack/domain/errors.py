"""Errors the domain raises; the API maps each to one problem type."""


class DomainError(Exception):
    """A rule of the domain was broken."""

    def __init__(self, detail: str, *, pointer: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.pointer = pointer


class RuleViolation(DomainError):
    """The input is well-formed but breaks a rule (e.g. a rejection without rationale)."""


class TransitionNotAllowed(DomainError):
    """The action is not allowed in the recommendation's current state."""


class NotPermitted(DomainError):
    """The caller's role may not do this."""
