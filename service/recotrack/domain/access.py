"""Who may do what, by role (DESIGN: "Who may do what"): the one table of it. An action on a
recommendation needs the permission the transition table names (`rules.TRANSITIONS`); a route
needs the one its guard names (`api.auth.requires`, `performs` for those actions).

Agency scoping (an agency sees only its own data) is not a permission: it is applied to every
query, so another agency's objects are simply not found.
"""

from enum import StrEnum

from recotrack.domain.vocabulary import Role


class Permission(StrEnum):
    READ = "read"
    ADMINISTER = "administer"
    """Agencies, investments, reviews, recommendations, closures: the secretariat's records."""
    READ_TOKENS = "read_tokens"
    """The list of tokens (never their secrets): every agency's, so not for agencies."""
    MANAGE_TOKENS = "manage_tokens"
    RESPOND = "respond"
    """The agency's own voice: responses and progress reports."""
    ASSESS = "assess"
    LINK_INVESTMENT = "link_investment"
    """Set an investment's `external_ref` (the id in the agency's portfolio tool)."""
    MANAGE_WEBHOOKS = "manage_webhooks"
    """Webhook subscriptions: an agency its own agency's, the secretariat every one."""
    DISCLOSE = "disclose"
    """Register a request for public records and release them (with secrecy applied)."""
    READ_DISCLOSURES = "read_disclosures"
    """What was released to whom: every agency's records, and who asked, so not agencies'."""
    AUDIT = "audit"
    """Verify the event log's hash chain (and export it): every agency's history at once."""


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.SECRETARIAT: frozenset(
        {
            Permission.READ,
            Permission.ADMINISTER,
            Permission.READ_TOKENS,
            Permission.MANAGE_TOKENS,
            Permission.ASSESS,
            Permission.LINK_INVESTMENT,
            Permission.MANAGE_WEBHOOKS,
            Permission.DISCLOSE,
            Permission.READ_DISCLOSURES,
            Permission.AUDIT,
        }
    ),
    Role.AGENCY: frozenset(
        {
            Permission.READ,
            Permission.RESPOND,
            Permission.LINK_INVESTMENT,
            Permission.MANAGE_WEBHOOKS,
        }
    ),
    Role.AUDITOR: frozenset(
        {Permission.READ, Permission.READ_TOKENS, Permission.READ_DISCLOSURES, Permission.AUDIT}
    ),
}


def may(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


class Principal:
    """Who is calling: a token's role, and for an agency token the one agency it speaks for."""

    __slots__ = ("agency_id", "role", "token_id")

    def __init__(self, *, token_id: str, role: Role, agency_id: str | None) -> None:
        if (role is Role.AGENCY) != (agency_id is not None):
            raise ValueError("an agency token is bound to exactly one agency; other roles to none")
        self.token_id = token_id
        self.role = role
        self.agency_id = agency_id

    @property
    def scope(self) -> str | None:
        """The agency whose data alone this caller may see, or None for all agencies."""
        return self.agency_id

    @property
    def actor(self) -> str:
        """How the event log names this caller."""
        return f"token:{self.token_id}"

    def may(self, permission: Permission) -> bool:
        return may(self.role, permission)
