"""Roles and the one table that says what each role may do."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Agency staff roles first, then client-contact roles."""

    OWNER = "owner"
    ADMIN = "admin"
    MANAGER = "manager"
    EDITOR = "editor"
    ANALYST = "analyst"
    APPROVER = "approver"
    VIEWER = "viewer"


class Perm(StrEnum):
    """Things a member may do; checked by the web edge and by services."""

    AGENCY_SETTINGS = "agency.settings"
    STAFF_VIEW = "staff.view"
    STAFF_MANAGE = "staff.manage"
    AUDIT_VIEW = "audit.view"
    OUTBOX_VIEW = "outbox.view"
    API_TOKENS_MANAGE = "api_tokens.manage"
    CLIENT_VIEW = "client.view"
    CLIENT_CREATE = "client.create"
    CLIENT_EDIT = "client.edit"
    CLIENT_ARCHIVE = "client.archive"
    CLIENT_DELETE = "client.delete"
    CONTACTS_MANAGE = "contacts.manage"
    ACCOUNTS_MANAGE = "accounts.manage"
    REPORTS_VIEW = "reports.view"
    # Queue a PDF report for a chosen range: staff work; client contacts read the archive.
    REPORTS_GENERATE = "reports.generate"
    POSTS_WRITE = "posts.write"
    POSTS_APPROVE_INTERNAL = "posts.approve_internal"
    POSTS_APPROVE_CLIENT = "posts.approve_client"
    PUBLISH_LOG_VIEW = "publish_log.view"
    INBOX_VIEW = "inbox.view"
    INBOX_REPLY = "inbox.reply"
    INBOX_MANAGE = "inbox.manage"
    KPI_EDIT = "kpi.edit"
    PLAN_EDIT = "plan.edit"
    CHECKS_OVERRIDE = "checks.override"


STAFF_ROLES = (Role.OWNER, Role.ADMIN, Role.MANAGER, Role.EDITOR, Role.ANALYST)
CLIENT_ROLES = (Role.APPROVER, Role.VIEWER)
# Owners and admins always see every client; these may be limited to chosen clients.
LIMITABLE_ROLES = (Role.MANAGER, Role.EDITOR, Role.ANALYST)

_EVERYTHING = frozenset(Perm)
_MANAGER = frozenset(
    {
        Perm.STAFF_VIEW,
        Perm.CLIENT_VIEW,
        Perm.CLIENT_CREATE,
        Perm.CLIENT_EDIT,
        Perm.CLIENT_ARCHIVE,
        Perm.CONTACTS_MANAGE,
        Perm.ACCOUNTS_MANAGE,
        Perm.REPORTS_VIEW,
        Perm.REPORTS_GENERATE,
        Perm.POSTS_WRITE,
        Perm.POSTS_APPROVE_INTERNAL,
        Perm.PUBLISH_LOG_VIEW,
        Perm.INBOX_VIEW,
        Perm.INBOX_REPLY,
        Perm.INBOX_MANAGE,
        Perm.KPI_EDIT,
        Perm.PLAN_EDIT,
        Perm.CHECKS_OVERRIDE,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.OWNER: _EVERYTHING - {Perm.POSTS_APPROVE_CLIENT},
    # The dev outbox holds invitation and reset links: only owners read it.
    Role.ADMIN: _EVERYTHING - {Perm.POSTS_APPROVE_CLIENT, Perm.AGENCY_SETTINGS, Perm.OUTBOX_VIEW},
    Role.MANAGER: _MANAGER,
    Role.EDITOR: frozenset(
        {
            Perm.STAFF_VIEW,
            Perm.CLIENT_VIEW,
            Perm.REPORTS_VIEW,
            Perm.REPORTS_GENERATE,
            Perm.POSTS_WRITE,
            Perm.PUBLISH_LOG_VIEW,
            Perm.INBOX_VIEW,
            Perm.INBOX_REPLY,
        }
    ),
    # The publish log holds the networks' raw answers: staff read it, client contacts never do.
    Role.ANALYST: frozenset(
        {
            Perm.STAFF_VIEW,
            Perm.CLIENT_VIEW,
            Perm.REPORTS_VIEW,
            Perm.REPORTS_GENERATE,
            Perm.PUBLISH_LOG_VIEW,
            Perm.INBOX_VIEW,
        }
    ),
    Role.APPROVER: frozenset({Perm.CLIENT_VIEW, Perm.REPORTS_VIEW, Perm.POSTS_APPROVE_CLIENT}),
    Role.VIEWER: frozenset({Perm.CLIENT_VIEW, Perm.REPORTS_VIEW}),
}

# Roles a given role may hand out when inviting or changing a member.
ASSIGNABLE_ROLES: dict[Role, tuple[Role, ...]] = {
    Role.OWNER: (Role.OWNER, Role.ADMIN, *LIMITABLE_ROLES, *CLIENT_ROLES),
    Role.ADMIN: (Role.ADMIN, *LIMITABLE_ROLES, *CLIENT_ROLES),
    Role.MANAGER: CLIENT_ROLES,
}


def role_allows(role: str, perm: Perm) -> bool:
    """True when the role carries the permission."""
    try:
        return perm in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False


def is_client_role(role: str) -> bool:
    """True for roles that belong to a client contact rather than agency staff."""
    return role in {r.value for r in CLIENT_ROLES}


def assignable_roles(role: str) -> tuple[Role, ...]:
    """Roles that a member with `role` may give to others."""
    try:
        return ASSIGNABLE_ROLES.get(Role(role), ())
    except ValueError:
        return ()
