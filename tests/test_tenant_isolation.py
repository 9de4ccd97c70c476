"""Walks every route of the app's URL map as outsiders and under-privileged members.

New routes are covered automatically: each must declare its access (agency_view, client_view,
user_view, token_required) or be listed as public here, and each URL argument must have a
victim value below, or this suite fails and says what to add.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from tenants.models import (
    ApiToken,
    AuditEntry,
    Client,
    Conversion,
    ConversionKey,
    CrisisAlert,
    CsvImport,
    InboxAction,
    InboxItem,
    InboxItemTag,
    InboxNote,
    InboxSettings,
    InboxTag,
    Invitation,
    LinkClick,
    LinkDailyStat,
    MediaAsset,
    Membership,
    ModerationRule,
    NotificationPreference,
    OnboardingLink,
    OutboxMessage,
    Post,
    PostComment,
    PostTarget,
    PostWatcher,
    PublishAttempt,
    Report,
    SavedReply,
    SocialAccount,
    TrackedLink,
    TrackingSettings,
    membership_clients,
)
from tenants.permissions import CLIENT_ROLES, ROLE_PERMISSIONS, STAFF_ROLES
from tests.factories import (
    AgencyFactory,
    ClientFactory,
    SocialAccountFactory,
    api_token,
    login,
    member,
)

PUBLIC_ENDPOINTS = {
    "static",
    "health.healthz",
    "health.readyz",
    # Installation-wide numbers, no tenant data; loopback only (or a bearer token), see web/metrics.py.
    "metrics.metrics",
    "auth.login",
    "auth.logout",
    "auth.signup",
    "auth.forgot_password",
    "auth.reset_password",
    "auth.accept_invite",
    "auth.set_language",
    "api.openapi",
    # Reached without a login; they answer only to a secret (OAuth state in the session, the link's token).
    "oauth.callback",
    "onboarding.page",
    "onboarding.start",
    "onboarding.bluesky",
    "onboarding.pick",
    "onboarding.done",
    # The iCal feed is read by calendar apps without a login; it answers only to the client's secret token.
    "calendar_io.feed",
    # The one-click approval link from the email: no login, it answers only to the token (GET never decides).
    "approvals.link",
    "approvals.link_media",
    # The networks push here without a login; a delivery counts only with a valid signature of the app.
    "webhooks.meta_verify",
    "webhooks.meta_delivery",
    # Short links in published posts are followed by anyone; a code finds one stored destination only.
    "links.follow",
    # The conversion pixel sits in the client's pages; it counts only a real click id of its own client.
    "links.pixel",
}
MARKERS = ("Victim Client Zeta", "victim-owner@victim.example", "Victim Agency Omega", "Sibling Client Kappa")


@dataclass
class World:
    victim_agency: object
    victim_client: Client
    values: dict[str, object]
    members_by_role: dict[str, object]
    tracking: dict[str, object] = field(default_factory=dict)


@pytest.fixture
def world(session) -> World:
    agency = AgencyFactory(name="Victim Agency Omega", slug="victim-agency")
    victim = ClientFactory(agency_id=agency.id, name="Victim Client Zeta", slug="victim-client")
    sibling = ClientFactory(agency_id=agency.id, name="Sibling Client Kappa", slug="sibling-client")
    owner = member(agency, email="victim-owner@victim.example")
    contact = member(agency, "viewer", client=victim)
    invitation = Invitation(
        agency_id=agency.id,
        client_id=victim.id,
        email="new@victim.example",
        role="viewer",
        token_hash="0" * 64,
        expires_at=owner.created_at.replace(year=2100),
    )
    session.add(invitation)
    api_token(agency, "cdz_victim-token-000000000000")
    session.commit()
    token_id = session.scalars(select(ApiToken.id).where(ApiToken.agency_id == agency.id)).one()
    contact_membership = session.scalars(select(Membership.id).where(Membership.user_id == contact.id)).one()
    by_role = {role.value: member(agency, role.value) for role in STAFF_ROLES}
    by_role |= {role.value: member(agency, role.value, client=victim) for role in CLIENT_ROLES}
    del sibling
    victim_account = SocialAccountFactory(
        agency_id=agency.id,
        client_id=victim.id,
        handle="@victim@social.example",
        display_name="Victim Client Zeta account",
    )
    victim_link = OnboardingLink(
        agency_id=agency.id,
        client_id=victim.id,
        token_hash="1" * 64,
        networks=["mastodon"],
        expires_at=owner.created_at.replace(year=2100),
    )
    session.add(victim_link)
    victim_media = MediaAsset(
        agency_id=agency.id,
        client_id=victim.id,
        kind="image",
        mime="image/png",
        size_bytes=10,
        sha256="2" * 64,
        storage_key=f"{agency.id}/{victim.id}/victim.png",
        thumb_key=f"{agency.id}/{victim.id}/victim_thumb.png",
        original_name="Victim Client Zeta secret.png",
    )
    session.add(victim_media)
    victim_import = CsvImport(
        agency_id=agency.id, client_id=victim.id, filename="victim.csv", content="date,time\n", report=[]
    )
    session.add(victim_import)
    session.commit()
    # In review: the stage where approve/reject/edit/comment attempts could do the most.
    victim_post = Post(
        agency_id=agency.id,
        client_id=victim.id,
        status="in_review",
        base_text="Victim Client Zeta secret post",
    )
    victim_post.targets.append(
        PostTarget(
            agency_id=agency.id,
            client_id=victim.id,
            account_id=victim_account.id,
            network="mastodon",
            text="Victim Client Zeta secret post",
        )
    )
    session.add(victim_post)
    session.commit()
    # The publish log holds the networks' answers: a victim attempt whose detail must never leak.
    session.add(
        PublishAttempt(
            agency_id=agency.id,
            client_id=victim.id,
            post_id=victim_post.id,
            target_id=victim_post.targets[0].id,
            number=1,
            outcome="rejected",
            detail="Victim Client Zeta network answer",
        )
    )
    session.commit()
    victim_item = InboxItem(
        agency_id=agency.id,
        client_id=victim.id,
        account_id=victim_account.id,
        network="mastodon",
        kind="mention",
        remote_id="victim-item",
        thread_key="item:victim-item",
        author_name="Victim Client Zeta fan",
        text="Victim Client Zeta secret message",
        created_at=owner.created_at,
    )
    session.add(victim_item)
    session.flush()
    victim_alert = CrisisAlert(
        agency_id=agency.id, client_id=victim.id, window_negative=9, threshold=5.0, expected=1.0
    )
    session.add(victim_alert)
    victim_tag = InboxTag(agency_id=agency.id, client_id=victim.id, name="victim client zeta tag")
    session.add(victim_tag)
    session.flush()
    victim_reply = SavedReply(
        agency_id=agency.id,
        client_id=victim.id,
        title="Victim Client Zeta reply",
        text="Victim Client Zeta text",
    )
    session.add(victim_reply)
    victim_rule = ModerationRule(
        agency_id=agency.id,
        client_id=victim.id,
        name="Victim Client Zeta rule",
        keywords=["victim"],
        action="tag",
        tag_id=victim_tag.id,
    )
    session.add(victim_rule)
    session.add(
        InboxSettings(
            agency_id=agency.id,
            client_id=victim.id,
            business_hours={
                "timezone": "Europe/Rome",
                "weekly": {"mon": [["09:00", "18:00"]]},
                "holidays": [],
            },
            crisis={},
            crisis_webhook_enc="victim-webhook-ciphertext",
            holding_statement="Victim Client Zeta holding statement",
        )
    )
    # A finished report: its CSV names the client, so a leaked download would show.
    victim_report = Report(
        agency_id=agency.id,
        client_id=victim.id,
        kind="scheduled",
        period_start=owner.created_at.date(),
        period_end=owner.created_at.date(),
        schedule_key="weekly:victim",
        status="done",
        progress=100,
        pdf=b"%PDF-1.4 Victim Client Zeta",
        csv="# report\nagency,client\nVictim Agency Omega,Victim Client Zeta\n",
    )
    session.add(victim_report)
    session.commit()
    # Tracked links: a short link of the victim's post, a click on it, a conversion, a conversion key.
    victim_tracking = _victim_tracking(session, agency, victim, victim_post)
    return World(
        victim_agency=agency,
        victim_client=victim,
        values={
            "client_slug": victim.slug,
            "client_id": victim.id,
            "membership_id": contact_membership,
            "invitation_id": invitation.id,
            "token_id": token_id,
            "agency_id": agency.id,
            "token": "not-a-real-token",
            "filename": "app.css",
            "account_id": victim_account.id,
            "link_id": victim_link.id,
            "key": "not-a-real-pending-key",
            "network": "mastodon",
            "post_id": victim_post.id,
            "target_id": victim_post.targets[0].id,
            "media_id": victim_media.id,
            "import_id": victim_import.id,
            "item_id": victim_item.id,
            "alert_id": victim_alert.id,
            "saved_reply_id": victim_reply.id,
            "rule_id": victim_rule.id,
            "key_id": victim_tracking["key_id"],
            "report_id": victim_report.id,
            "fmt": "csv",
        },
        members_by_role=by_role,
        tracking=victim_tracking,
    )


def _victim_tracking(session, agency, victim, victim_post) -> dict:
    """The victim's tracking rows, written through the services that write them in production."""

    from tenants.tracking import clicks, config, conversions, keys, shortening

    target = victim_post.targets[0]
    text = shortening.shorten_links(
        session=session, target=target, text="https://victim.example/zeta", base_url="https://c.example"
    )
    resolved = shortening.resolve(session=session, code=text.rsplit("/", 1)[1])
    hit = clicks.record_click(
        session=session,
        agency_id=agency.id,
        client_id=victim.id,
        link=resolved.link,
        timezone=resolved.timezone,
        hit=clicks.Hit(user_agent="Mozilla/5.0 Firefox/125.0", ip="192.0.2.1"),
        secret="s",
    )
    conversions.record_conversion(
        session=session,
        agency_id=agency.id,
        client_id=victim.id,
        data=conversions.ConversionData(order_id="victim-order", click_id=hit.click.click_id),
    )
    settings_row = config.get_settings(session=session, agency_id=agency.id, client_id=victim.id)
    key, plaintext = keys.create_key(session=session, agency_id=agency.id, client_id=victim.id, actor=None)
    session.commit()
    return {
        "key_id": key.id,
        "key": plaintext,
        "click_id": hit.click.click_id,
        "code": resolved.link.code,
        "pixel_id": settings_row.pixel_id,
    }


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule, values) -> str:
    missing = set(rule.arguments) - set(values)
    assert not missing, f"{rule.endpoint}: give the isolation suite a victim value for {sorted(missing)}"
    return rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]


def _call(web, method, url, headers=None):
    kwargs = {"headers": headers or {}}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json" if url.startswith("/api/") else "data"] = {
            "name": "Hijacked",
            "email": "x@evil.example",
            "role": "owner",
        }
    return web.open(url, method=method, **kwargs)


def _access(app, rule):
    view = app.view_functions[rule.endpoint]
    return getattr(view, "cadenza_access", None)


def _assert_no_leak(resp, label, markers=MARKERS):
    body = resp.get_data(as_text=True)
    for marker in markers:
        assert marker not in body, f"{label} leaked {marker!r}"


def _snapshot(session, agency_id: int):
    """Everything an attack could change in the victim agency."""
    session.expire_all()
    clients = select(Client).where(Client.agency_id == agency_id).order_by(Client.id)
    members = select(Membership).where(Membership.agency_id == agency_id).order_by(Membership.id)
    return (
        [
            (c.name, c.slug, c.deleted_at, c.archived_at, c.timezone, c.ical_token_hash, c.report_cadence)
            for c in session.scalars(clients)
        ],
        [
            (p.scheduled_at, p.status)
            for p in session.scalars(select(Post).where(Post.agency_id == agency_id))
        ],
        session.scalars(select(CsvImport.status).where(CsvImport.agency_id == agency_id)).all(),
        [(m.user_id, m.role, m.client_id, m.limited) for m in session.scalars(members)],
        session.scalars(select(Invitation.revoked_at).where(Invitation.agency_id == agency_id)).all(),
        session.scalars(select(ApiToken.revoked_at).where(ApiToken.agency_id == agency_id)).all(),
        session.scalar(select(func.count(Invitation.id)).where(Invitation.agency_id == agency_id)),
        session.scalar(select(func.count(ApiToken.id)).where(ApiToken.agency_id == agency_id)),
        session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.agency_id == agency_id)),
        session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.agency_id == agency_id)),
        sorted(
            session.execute(select(membership_clients.c.membership_id, membership_clients.c.client_id)).all()
        ),
        [
            (a.client_id, a.status, a.access_token_enc)
            for a in session.scalars(
                select(SocialAccount).where(SocialAccount.agency_id == agency_id).order_by(SocialAccount.id)
            )
        ],
        [
            (
                p.status,
                p.revision,
                p.base_text,
                p.scheduled_at,
                [(t.account_id, t.text, t.status, t.next_attempt_at, t.deleted_at) for t in p.targets],
            )
            for p in session.scalars(select(Post).where(Post.agency_id == agency_id).order_by(Post.id))
        ],
        session.scalar(select(func.count(PostComment.id)).where(PostComment.agency_id == agency_id)),
        [
            (lk.revoked_at, lk.completed_at)
            for lk in session.scalars(
                select(OnboardingLink)
                .where(OnboardingLink.agency_id == agency_id)
                .order_by(OnboardingLink.id)
            )
        ],
        [
            (m.client_id, m.alt_text, m.deleted_at)
            for m in session.scalars(
                select(MediaAsset).where(MediaAsset.agency_id == agency_id).order_by(MediaAsset.id)
            )
        ],
        # "Tell me when it is published": nobody outside may subscribe to (or unsubscribe from) a client.
        session.execute(
            select(NotificationPreference.user_id, NotificationPreference.client_id)
            .where(NotificationPreference.agency_id == agency_id, NotificationPreference.post_published)
            .order_by(NotificationPreference.id)
        ).all(),
        session.execute(
            select(PostWatcher.user_id, PostWatcher.post_id)
            .where(PostWatcher.agency_id == agency_id)
            .order_by(PostWatcher.id)
        ).all(),
        # The inbox: nobody outside may answer, triage, tag or note a client's messages.
        session.execute(
            select(InboxItem.status, InboxItem.assignee_id, InboxItem.hidden, InboxItem.closed_at)
            .where(InboxItem.agency_id == agency_id)
            .order_by(InboxItem.id)
        ).all(),
        session.scalar(select(func.count(InboxAction.id)).where(InboxAction.agency_id == agency_id)),
        session.scalar(select(func.count(InboxNote.id)).where(InboxNote.agency_id == agency_id)),
        session.scalar(select(func.count(InboxItemTag.item_id)).where(InboxItemTag.agency_id == agency_id)),
        session.scalars(select(CrisisAlert.acknowledged_at).where(CrisisAlert.agency_id == agency_id)).all(),
        # Reports: nobody outside may queue one (on demand) or change one.
        session.execute(
            select(Report.id, Report.kind, Report.status, Report.period_start, Report.period_end)
            .where(Report.agency_id == agency_id)
            .order_by(Report.id)
        ).all(),
        # The inbox set-up: tags, saved replies, rules and settings (the webhook included).
        session.scalars(
            select(InboxTag.name).where(InboxTag.agency_id == agency_id).order_by(InboxTag.id)
        ).all(),
        session.execute(
            select(SavedReply.title, SavedReply.text, SavedReply.uses)
            .where(SavedReply.agency_id == agency_id)
            .order_by(SavedReply.id)
        ).all(),
        session.execute(
            select(ModerationRule.name, ModerationRule.keywords, ModerationRule.action, ModerationRule.tag_id)
            .where(ModerationRule.agency_id == agency_id)
            .order_by(ModerationRule.id)
        ).all(),
        [
            (
                s.client_id,
                s.business_hours,
                s.first_response_minutes,
                s.resolution_minutes,
                s.sync_minutes,
                s.crisis,
                s.crisis_webhook_enc,
                s.holding_statement,
            )
            for s in session.scalars(
                select(InboxSettings).where(InboxSettings.agency_id == agency_id).order_by(InboxSettings.id)
            )
        ],
        # Tracking: nobody outside may switch it, change the window, or make, rotate or revoke a key,
        # nor add clicks or conversions to the client's numbers.
        session.scalars(
            select(Client.link_tracking).where(Client.agency_id == agency_id).order_by(Client.id)
        ).all(),
        session.execute(
            select(TrackingSettings.pixel_id, TrackingSettings.attribution_days, TrackingSettings.currency)
            .where(TrackingSettings.agency_id == agency_id)
            .order_by(TrackingSettings.id)
        ).all(),
        session.execute(
            select(ConversionKey.id, ConversionKey.revoked_at)
            .where(ConversionKey.agency_id == agency_id)
            .order_by(ConversionKey.id)
        ).all(),
        session.scalar(select(func.count(TrackedLink.id)).where(TrackedLink.agency_id == agency_id)),
        session.scalar(select(func.count(LinkClick.id)).where(LinkClick.agency_id == agency_id)),
        session.execute(
            select(Conversion.order_id, Conversion.post_id)
            .where(Conversion.agency_id == agency_id)
            .order_by(Conversion.id)
        ).all(),
        session.execute(
            select(
                LinkDailyStat.post_id,
                LinkDailyStat.clicks,
                LinkDailyStat.filtered,
                LinkDailyStat.conversions,
                LinkDailyStat.conversion_value_minor,
            )
            .where(LinkDailyStat.agency_id == agency_id)
            .order_by(LinkDailyStat.id)
        ).all(),
    )


def test_every_route_declares_its_access(app):
    undeclared = [
        rule.endpoint
        for rule, _m in _routes(app)
        if rule.endpoint not in PUBLIC_ENDPOINTS and _access(app, rule) is None
    ]
    assert undeclared == [], "declare access with agency_view/client_view/user_view/token_required"


def test_another_agency_sees_nothing_and_changes_nothing(app, session, world):
    outsider_agency = AgencyFactory(name="Outsider")
    ClientFactory(agency_id=outsider_agency.id, name="Outsider Client")
    outsider = member(outsider_agency)
    outsider_token = api_token(outsider_agency, "cdz_outsider-token-0000000000")
    before = _snapshot(session, world.victim_agency.id)
    web = app.test_client()
    login(web, outsider)
    for rule, method in _routes(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = _url(rule, world.values)
        resp = _call(web, method, url, {"Authorization": f"Bearer {outsider_token}"})
        label = f"{method} {url} as another agency"
        if rule.arguments and rule.endpoint != "static":
            assert resp.status_code == 404, f"{label}: {resp.status_code}"
        else:
            assert resp.status_code < 500, label
        _assert_no_leak(resp, label)
    assert _snapshot(session, world.victim_agency.id) == before


@pytest.mark.parametrize("persona", ["contact_of_sibling", "manager_limited_to_sibling"])
def test_same_agency_members_without_the_client_get_404(app, session, world, persona):
    sibling = session.scalars(select(Client).where(Client.slug == "sibling-client")).one()
    if persona == "contact_of_sibling":
        user = member(world.victim_agency, "approver", client=sibling)
    else:
        user = member(world.victim_agency, "manager", limited_to=[sibling])
    before = _snapshot(session, world.victim_agency.id)
    web = app.test_client()
    login(web, user)
    for rule, method in _routes(app):
        if rule.endpoint in PUBLIC_ENDPOINTS or {"client_slug", "client_id"}.isdisjoint(rule.arguments):
            continue
        if _access(app, rule)[0] == "api":
            continue  # API tokens are agency-wide; covered by the other-agency test
        url = _url(rule, world.values)
        resp = _call(web, method, url)
        assert resp.status_code == 404, f"{method} {url} as {persona}: {resp.status_code}"
        _assert_no_leak(resp, f"{method} {url} as {persona}", markers=("Victim Client Zeta",))
    for path in (
        "/",
        "/team",
        "/roles",
        "/audit",
        "/outbox",
        "/api-tokens",
        "/account",
        "/notifications/settings",
    ):
        resp = web.get(path, follow_redirects=True)
        body = resp.get_data(as_text=True)
        assert "Victim Client Zeta" not in body, f"{path} as {persona} names the hidden client"
    assert _snapshot(session, world.victim_agency.id) == before


def test_roles_without_the_permission_get_403_everywhere(app, session, world):
    before = _snapshot(session, world.victim_agency.id)
    checked = 0
    for rule, method in _routes(app):
        access = _access(app, rule)
        if rule.endpoint in PUBLIC_ENDPOINTS or access is None or access[1] is None:
            continue
        kind, perm = access
        for role, user in world.members_by_role.items():
            if perm in ROLE_PERMISSIONS[role]:
                continue
            web = app.test_client()
            login(web, user)
            url = _url(rule, world.values)
            resp = _call(web, method, url)
            label = f"{method} {url} as {role} (lacks {perm.value})"
            assert resp.status_code == 403, f"{label}: {resp.status_code}"
            assert "Victim Client Zeta" not in resp.get_data(as_text=True) or kind == "client", label
            checked += 1
    assert checked > 20
    assert _snapshot(session, world.victim_agency.id) == before


def test_client_contacts_cannot_act_on_staff_objects(app, session, world):
    before = _snapshot(session, world.victim_agency.id)
    contact = world.members_by_role["viewer"]
    web = app.test_client()
    login(web, contact)
    owner_membership = session.scalars(
        select(Membership.id).join(Membership.user).where(Membership.role == "owner")
    ).first()
    assert web.post(f"/team/{owner_membership}/remove").status_code == 403
    assert web.post(f"/team/invitations/{world.values['invitation_id']}/revoke").status_code == 403
    assert _snapshot(session, world.victim_agency.id) == before
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "member.removed")).all() == []


def test_nobody_outside_the_client_can_delete_its_published_post_at_the_network(app, session, world):
    from redis import Redis

    from worker.queues import get_queue

    post = session.get(Post, world.values["post_id"])
    post.status = "published"
    post.targets[0].status, post.targets[0].remote_id = "published", "victim-remote-1"
    session.commit()
    outsider_agency = AgencyFactory(name="Outsider")
    outsider_token = api_token(outsider_agency, "cdz_outsider-token-0000000000")
    sibling = session.scalars(select(Client).where(Client.slug == "sibling-client")).one()
    people = {
        "another agency": member(outsider_agency),
        "contact of the sibling": member(world.victim_agency, "approver", client=sibling),
        "manager limited to the sibling": member(world.victim_agency, "manager", limited_to=[sibling]),
    }
    page_url = f"/c/victim-client/posts/{post.id}/targets/{post.targets[0].id}/delete-remote"
    api_url = f"/api/v1/posts/{post.id}/targets/{post.targets[0].id}/remote"
    before = _snapshot(session, world.victim_agency.id)
    for persona, user in people.items():
        web = app.test_client()
        login(web, user)
        resp = web.post(page_url)
        assert resp.status_code == 404, f"{persona}: {resp.status_code}"
        # Members of the same agency know its name; never the client's.
        markers = MARKERS if persona == "another agency" else ("Victim Client Zeta",)
        _assert_no_leak(resp, f"POST {page_url} as {persona}", markers=markers)
    resp = app.test_client().delete(api_url, headers={"Authorization": f"Bearer {outsider_token}"})
    assert resp.status_code == 404
    _assert_no_leak(resp, f"DELETE {api_url} as another agency")
    assert _snapshot(session, world.victim_agency.id) == before
    settings = app.extensions["cadenza"]["settings"]
    assert get_queue("publish", connection=Redis.from_url(settings.redis_url)).job_ids == []


@pytest.mark.parametrize("persona", ["other_agency", "contact_of_sibling", "manager_limited_to_sibling"])
def test_nobody_without_the_client_can_ask_to_hear_of_its_posts(app, session, world, persona):
    sibling = session.scalars(select(Client).where(Client.slug == "sibling-client")).one()
    if persona == "other_agency":
        user = member(AgencyFactory(name="Outsider"))
    elif persona == "contact_of_sibling":
        user = member(world.victim_agency, "approver", client=sibling)
    else:
        user = member(world.victim_agency, "manager", limited_to=[sibling])
    web = app.test_client()
    login(web, user)
    post_id = world.values["post_id"]
    assert web.post("/c/victim-client/notifications/published", data={"enabled": "1"}).status_code == 404
    assert web.post(f"/c/victim-client/posts/{post_id}/watch", data={"enabled": "1"}).status_code == 404
    assert web.post(f"/c/sibling-client/posts/{post_id}/watch", data={"enabled": "1"}).status_code == 404
    page = web.get("/notifications/settings").get_data(as_text=True)
    assert "Victim Client Zeta" not in page
    assert session.scalars(select(NotificationPreference)).all() == []
    assert session.scalars(select(PostWatcher)).all() == []


INBOX_SET_UP = (
    ("GET", "/c/{slug}/inbox/settings"),
    ("POST", "/c/{slug}/inbox/settings"),
    ("GET", "/c/{slug}/inbox/saved-replies"),
    ("POST", "/c/{slug}/inbox/saved-replies"),
    ("POST", "/c/{slug}/inbox/saved-replies/{saved_reply_id}"),
    ("POST", "/c/{slug}/inbox/saved-replies/{saved_reply_id}/delete"),
    ("GET", "/c/{slug}/inbox/rules"),
    ("POST", "/c/{slug}/inbox/rules"),
    ("POST", "/c/{slug}/inbox/rules/{rule_id}/delete"),
)


@pytest.mark.parametrize("persona", ["other_agency", "manager_limited_to_sibling"])
def test_nobody_without_the_client_reaches_its_inbox_set_up_even_through_their_own_client(
    app, session, world, persona
):
    """Every set-up route answers 404; so do the victim's reply and rule ids under the caller's own client."""
    if persona == "other_agency":
        outsider_agency = AgencyFactory(name="Outsider")
        ClientFactory(agency_id=outsider_agency.id, name="Outsider Client", slug="outsider-client")
        user, own_slug = member(outsider_agency), "outsider-client"
    else:
        sibling = session.scalars(select(Client).where(Client.slug == "sibling-client")).one()
        user, own_slug = member(world.victim_agency, "manager", limited_to=[sibling]), "sibling-client"
    ids = {"saved_reply_id": world.values["saved_reply_id"], "rule_id": world.values["rule_id"]}
    # Valid data: a refusal must come from the tenant check, not from a form error.
    data = {
        "title": "Hijacked",
        "text": "Hijacked",
        f"reply-{ids['saved_reply_id']}-title": "Hijacked",
        f"reply-{ids['saved_reply_id']}-text": "Hijacked",
        "name": "Hijacked",
        "keywords": "hijacked",
        "action": "hide",
    }
    before = _snapshot(session, world.victim_agency.id)
    web = app.test_client()
    login(web, user)
    for method, pattern in INBOX_SET_UP:
        url = pattern.format(slug="victim-client", **ids)
        resp = web.open(url, method=method, data=data if method == "POST" else None)
        assert resp.status_code == 404, f"{method} {url} as {persona}: {resp.status_code}"
        _assert_no_leak(resp, f"{method} {url} as {persona}", markers=("Victim Client Zeta",))
    for method, pattern in INBOX_SET_UP[4:6] + INBOX_SET_UP[8:]:
        url = pattern.format(slug=own_slug, **ids)
        resp = web.open(url, method=method, data=data)
        assert resp.status_code == 404, f"{method} {url} as {persona}: {resp.status_code}"
        _assert_no_leak(resp, f"{method} {url} as {persona}", markers=("Victim Client Zeta",))
    assert _snapshot(session, world.victim_agency.id) == before


def test_nobody_outside_the_client_counts_on_its_links_or_uses_its_keys(app, session, world):
    """Another client's key, click, pixel or staff cannot add to, attribute to, or revoke the victim's."""
    from urllib.parse import parse_qs, urlsplit

    from tenants.tracking import keys
    from tests.tenants.tracking.conftest import CHROME, link_for, make_shop

    outsider = make_shop(session, slug="outsider-client")
    _key, outsider_key = keys.create_key(session=session, **outsider.scope, actor=None)
    outsider_link = link_for(session, outsider.targets["x"])
    sibling = session.scalars(select(Client).where(Client.slug == "sibling-client")).one()
    _sibling_key, sibling_key = keys.create_key(
        session=session, agency_id=sibling.agency_id, client_id=sibling.id, actor=None
    )
    session.commit()
    staff_token = api_token(world.victim_agency, "cdz_victim-agency-staff-000000")
    people = (
        (member(AgencyFactory(name="Outsider Agency")), None),
        (member(world.victim_agency, "manager", limited_to=[sibling]), "sibling-client"),
    )
    victim = world.tracking
    web = app.test_client()
    clicked = web.get(f"/l/{outsider_link.code}", headers={"User-Agent": CHROME})
    outsider_click = parse_qs(urlsplit(clicked.headers["Location"]).query)["cz_click"][0]
    report = {"order_id": "victim-order", "click_id": victim["click_id"], "value": "9", "currency": "EUR"}

    def victims_numbers():
        session.expire_all()
        victim_id = world.victim_client.id
        return (
            session.execute(
                select(Conversion.order_id, Conversion.post_id).where(Conversion.client_id == victim_id)
            ).all(),
            session.execute(
                select(LinkDailyStat.post_id, LinkDailyStat.conversions, LinkDailyStat.conversion_value_minor)
                .where(LinkDailyStat.client_id == victim_id)
                .order_by(LinkDailyStat.id)
            ).all(),
        )

    # A sibling client of the same agency reports the victim's click id with its own key.
    numbers = victims_numbers()
    resp = web.post("/api/v1/conversions", json=report, headers={"Authorization": f"Bearer {sibling_key}"})
    assert resp.status_code == 201 and resp.get_json()["attributed"] is False
    assert victims_numbers() == numbers
    before = _snapshot(session, world.victim_agency.id)
    resp = web.post("/api/v1/conversions", json=report, headers={"Authorization": f"Bearer {outsider_key}"})
    # Recorded for the key's own client (order ids are per client), never attributed to the victim.
    assert resp.status_code == 201 and resp.get_json()["attributed"] is False
    _assert_no_leak(resp, "POST /api/v1/conversions with another agency's key")
    resp = web.post(
        "/api/v1/conversions",
        json={"order_id": "staff", "click_id": victim["click_id"]},
        headers={"Authorization": f"Bearer {staff_token}"},
    )
    assert resp.status_code == 401
    resp = web.get(f"/p/{victim['pixel_id']}.gif?click={outsider_click}&order=forged&value=999&currency=EUR")
    assert resp.status_code == 200 and resp.mimetype == "image/gif"
    for user, own_slug in people:
        page = app.test_client()
        login(page, user)
        urls = [
            ("GET", "/c/victim-client/settings/tracking"),
            ("POST", "/c/victim-client/settings/tracking"),
            ("POST", "/c/victim-client/settings/tracking/keys"),
            ("POST", f"/c/victim-client/settings/tracking/keys/{victim['key_id']}/revoke"),
        ]
        if own_slug:
            urls.append(("POST", f"/c/{own_slug}/settings/tracking/keys/{victim['key_id']}/revoke"))
        for method, url in urls:
            resp = page.open(url, method=method, data={"attribution_days": "1", "currency": "USD"})
            assert resp.status_code == 404, f"{method} {url}: {resp.status_code}"
            _assert_no_leak(resp, f"{method} {url}", markers=("Victim Client Zeta", victim["pixel_id"]))
    assert _snapshot(session, world.victim_agency.id) == before
