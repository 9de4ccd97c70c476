"""All tables, importable from one place (each lives in its own module)."""

from tenants.models.agency import Agency, Membership, User, membership_clients
from tenants.models.base import Base, utcnow
from tenants.models.calendar import CsvImport, TimeSlot
from tenants.models.client import DEFAULT_TIMEZONE, Client
from tenants.models.inbox import (
    CrisisAlert,
    InboxAction,
    InboxItem,
    InboxItemTag,
    InboxNote,
    InboxSettings,
    InboxSyncState,
    InboxTag,
    ModerationRule,
    SavedReply,
)
from tenants.models.media import MediaAsset
from tenants.models.metrics import (
    AccountMetricDay,
    ClientMetricDay,
    KpiTarget,
    MetricReading,
    MetricSyncState,
    PostMetricDay,
)
from tenants.models.notifications import Notification, NotificationPreference, PostWatcher
from tenants.models.plan import CommunicationPlan
from tenants.models.posts import ApprovalToken, Post, PostComment, PostTarget, PublishAttempt
from tenants.models.records import AuditEntry, OutboxMessage
from tenants.models.reports import Report
from tenants.models.security import ApiToken, Invitation, PasswordReset
from tenants.models.social import MastodonApp, OnboardingLink, PendingConnection, SocialAccount
from tenants.models.tracking import (
    Conversion,
    ConversionKey,
    LinkClick,
    LinkDailyStat,
    TrackedLink,
    TrackingSettings,
)

__all__ = [
    "DEFAULT_TIMEZONE",
    "Agency",
    "ApiToken",
    "ApprovalToken",
    "CsvImport",
    "CrisisAlert",
    "InboxAction",
    "InboxItem",
    "InboxItemTag",
    "InboxNote",
    "InboxSettings",
    "InboxSyncState",
    "InboxTag",
    "ModerationRule",
    "SavedReply",
    "MediaAsset",
    "AccountMetricDay",
    "ClientMetricDay",
    "KpiTarget",
    "MetricReading",
    "MetricSyncState",
    "PostMetricDay",
    "Post",
    "PostComment",
    "PostTarget",
    "PostWatcher",
    "PublishAttempt",
    "Report",
    "TimeSlot",
    "AuditEntry",
    "Base",
    "Client",
    "CommunicationPlan",
    "Conversion",
    "ConversionKey",
    "LinkClick",
    "LinkDailyStat",
    "TrackedLink",
    "TrackingSettings",
    "Invitation",
    "MastodonApp",
    "Notification",
    "NotificationPreference",
    "OnboardingLink",
    "PendingConnection",
    "Membership",
    "OutboxMessage",
    "PasswordReset",
    "SocialAccount",
    "User",
    "membership_clients",
    "utcnow",
]
