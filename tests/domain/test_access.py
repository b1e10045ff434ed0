"""Who may do what (DESIGN: "Who may do what"), and who a caller is."""

from __future__ import annotations

import pytest

from recotrack.domain.access import ROLE_PERMISSIONS, Permission, Principal, may
from recotrack.domain.vocabulary import Role

P = Permission

# DESIGN's table, permission by permission:
# - secretariat: reads everything; writes agencies, investments (so their external_ref too),
#   reviews, recommendations, closures (ADMINISTER), tokens; and its own assessments.
# - agency: reads its own data; writes its responses and progress reports (RESPOND) and its
#   investments' external_ref (LINK_INVESTMENT). Nothing of the secretariat's.
# - auditor: reads everything (the token list too, never secrets), writes nothing.
# - verifying (and exporting) the whole audit log: the auditor and the secretariat (AUDIT).
# - webhook subscriptions: the secretariat any, an agency its own (MANAGE_WEBHOOKS); the
#   auditor reads them (READ).
# - releases of public records: the secretariat makes them (DISCLOSE); what was released to
#   whom the secretariat and the auditor read (READ_DISCLOSURES), no agency.
EXPECTED = {
    #             READ  ADMIN RD_TOK MG_TOK RESPOND ASSESS LINK  AUDIT HOOKS DISCL RD_DISCL
    Role.SECRETARIAT: (1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1),
    Role.AGENCY:      (1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0),
    Role.AUDITOR:     (1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1),
}  # fmt: skip
COLUMNS = (
    P.READ,
    P.ADMINISTER,
    P.READ_TOKENS,
    P.MANAGE_TOKENS,
    P.RESPOND,
    P.ASSESS,
    P.LINK_INVESTMENT,
    P.AUDIT,
    P.MANAGE_WEBHOOKS,
    P.DISCLOSE,
    P.READ_DISCLOSURES,
)


def test_the_table_covers_every_role_and_permission() -> None:
    assert set(EXPECTED) == set(Role) == set(ROLE_PERMISSIONS)
    assert set(COLUMNS) == set(Permission)


@pytest.mark.parametrize("role", list(Role))
def test_role_permissions_match_design(role: Role) -> None:
    granted = {p for p, yes in zip(COLUMNS, EXPECTED[role], strict=True) if yes}
    assert ROLE_PERMISSIONS[role] == granted
    for permission in Permission:
        assert may(role, permission) is (permission in granted)


def test_an_agency_principal_is_scoped_to_its_agency() -> None:
    principal = Principal(token_id="t1", role=Role.AGENCY, agency_id="skatteverket")
    assert principal.scope == "skatteverket"
    assert principal.actor == "token:t1"
    assert principal.may(P.RESPOND)
    assert not principal.may(P.ADMINISTER)


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.AUDITOR])
def test_other_principals_see_every_agency(role: Role) -> None:
    principal = Principal(token_id="t2", role=role, agency_id=None)
    assert principal.scope is None
    assert principal.may(P.READ)
    assert not principal.may(P.RESPOND)


def test_an_agency_principal_needs_an_agency() -> None:
    with pytest.raises(ValueError, match="agency"):
        Principal(token_id="t", role=Role.AGENCY, agency_id=None)


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.AUDITOR])
def test_other_principals_must_not_have_an_agency(role: Role) -> None:
    with pytest.raises(ValueError, match="agency"):
        Principal(token_id="t", role=role, agency_id="skatteverket")
