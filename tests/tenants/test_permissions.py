import pytest

from tenants.permissions import (
    CLIENT_ROLES,
    ROLE_PERMISSIONS,
    STAFF_ROLES,
    Perm,
    Role,
    assignable_roles,
    is_client_role,
    role_allows,
)


def test_every_role_has_an_entry_in_the_table():
    assert set(ROLE_PERMISSIONS) == set(Role)


@pytest.mark.parametrize("role", CLIENT_ROLES)
def test_client_contacts_cannot_touch_agency_matters(role):
    for perm in (
        Perm.STAFF_VIEW,
        Perm.STAFF_MANAGE,
        Perm.AUDIT_VIEW,
        Perm.CLIENT_CREATE,
        Perm.CLIENT_EDIT,
        Perm.CLIENT_DELETE,
        Perm.API_TOKENS_MANAGE,
        Perm.OUTBOX_VIEW,
        Perm.POSTS_WRITE,
        Perm.PUBLISH_LOG_VIEW,
    ):
        assert not role_allows(role, perm)
    assert role_allows(role, Perm.REPORTS_VIEW)


def test_only_client_approvers_give_client_approval():
    allowed = {r for r in Role if role_allows(r, Perm.POSTS_APPROVE_CLIENT)}
    assert allowed == {Role.APPROVER}


def test_analyst_reads_but_does_not_write():
    assert role_allows("analyst", Perm.REPORTS_VIEW)
    assert not role_allows("analyst", Perm.POSTS_WRITE)
    assert not role_allows("analyst", Perm.CLIENT_EDIT)


def test_only_owner_changes_agency_settings_and_admin_cannot_make_owners():
    assert role_allows("owner", Perm.AGENCY_SETTINGS) and not role_allows("admin", Perm.AGENCY_SETTINGS)
    assert Role.OWNER not in assignable_roles("admin")
    assert set(assignable_roles("manager")) == set(CLIENT_ROLES)
    assert assignable_roles("editor") == ()


def test_unknown_role_allows_nothing():
    assert not role_allows("superuser", Perm.CLIENT_VIEW)
    assert assignable_roles("superuser") == ()


def test_staff_and_client_roles_do_not_overlap():
    assert not any(is_client_role(r) for r in STAFF_ROLES)
    assert all(is_client_role(r) for r in CLIENT_ROLES)
