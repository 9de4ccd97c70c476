"""The posts API: write, list, read, change, delete, approval steps, DST answers and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tenants.models import AuditEntry, OutboxMessage, Post, utcnow
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, api_token, member


@pytest.fixture
def agency(session):
    return AgencyFactory(name="API Agency", slug="api-agency")


@pytest.fixture
def auth(agency):
    return {"Authorization": f"Bearer {api_token(agency)}"}


@pytest.fixture
def target(session, agency):
    client = ClientFactory(agency_id=agency.id, approval_workflow="internal")
    x = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="x", handle="@trattoria")
    masto = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    return client, x, masto


def _soon(days=3):
    return (utcnow() + timedelta(days=days)).replace(microsecond=0).isoformat()


def _error(resp, status, code):
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()["error"]
    assert body["code"] == code
    return body


def _create(web, auth, client, accounts, text="Stasera pizza napoletana!", **extra):
    body = {
        "text": text,
        "targets": [{"account_id": a.id} for a in accounts],
        "scheduled_at": _soon(),
        **extra,
    }
    resp = web.post(f"/api/v1/clients/{client.id}/posts", json=body, headers=auth)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.get_json()


def test_create_read_list_change_and_delete(client, session, target, auth):
    customer, x, masto = target
    created = _create(
        client,
        auth,
        customer,
        [x, masto],
        targets=[{"account_id": x.id, "text": "Solo su X"}, {"account_id": masto.id}],
    )
    assert created["status"] == "draft" and created["source"] == "api"
    by_account = {t["account_id"]: t for t in created["targets"]}
    assert by_account[x.id]["text"] == "Solo su X" and by_account[x.id]["customised"] is True
    assert by_account[masto.id]["text"] == "Stasera pizza napoletana!"
    assert created["checks"]["results"]
    fetched = client.get(f"/api/v1/posts/{created['id']}", headers=auth).get_json()
    assert fetched["id"] == created["id"] and fetched["timezone"] == "Europe/Rome"

    changed = client.patch(
        f"/api/v1/posts/{created['id']}", json={"text": "Domani pizza"}, headers=auth
    ).get_json()
    by_account = {t["account_id"]: t for t in changed["targets"]}
    assert by_account[masto.id]["text"] == "Domani pizza" and by_account[x.id]["text"] == "Solo su X"

    day = (utcnow() + timedelta(days=3)).date().isoformat()
    listed = client.get(f"/api/v1/clients/{customer.id}/posts?from={day}&to={day}&status=draft", headers=auth)
    assert [p["id"] for p in listed.get_json()["data"]] == [created["id"]]
    assert (
        client.get(f"/api/v1/clients/{customer.id}/posts?status=scheduled", headers=auth).get_json()["data"]
        == []
    )
    _error(client.get(f"/api/v1/clients/{customer.id}/posts?status=lost", headers=auth), 422, "invalid")

    assert client.delete(f"/api/v1/posts/{created['id']}", headers=auth).status_code == 204
    _error(client.get(f"/api/v1/posts/{created['id']}", headers=auth), 404, "not_found")


def test_approval_steps_through_the_api(client, session, agency, target, auth):
    customer, x, _masto = target
    member(agency, "manager")
    post = _create(client, auth, customer, [x])
    submitted = client.post(f"/api/v1/posts/{post['id']}/submit", headers=auth).get_json()
    assert submitted["status"] == "in_review"
    assert session.scalars(select(OutboxMessage)).all()  # the reviewers were told by email
    _error(client.post(f"/api/v1/posts/{post['id']}/submit", headers=auth), 409, "conflict")
    assert (
        client.post(f"/api/v1/posts/{post['id']}/approve", json={"note": "ok"}, headers=auth).status_code
        == 200
    )
    scheduled = client.post(f"/api/v1/posts/{post['id']}/schedule", headers=auth).get_json()
    assert scheduled["status"] == "scheduled"
    assert (
        client.post(f"/api/v1/posts/{post['id']}/unschedule", headers=auth).get_json()["status"] == "approved"
    )
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == str(post["id"]))).all()
    assert actions[-3:] == ["post.approved", "post.scheduled", "post.unscheduled"]


def test_reject_needs_a_reason(client, session, target, auth):
    customer, x, _masto = target
    post = _create(client, auth, customer, [x])
    client.post(f"/api/v1/posts/{post['id']}/submit", headers=auth)
    assert (
        _error(client.post(f"/api/v1/posts/{post['id']}/reject", json={}, headers=auth), 422, "invalid")[
            "field"
        ]
        == "reason"
    )
    back = client.post(f"/api/v1/posts/{post['id']}/reject", json={"reason": "Troppo lungo"}, headers=auth)
    assert back.get_json()["status"] == "draft"


def test_blocking_checks_answer_422_with_the_findings_and_a_manager_override_lets_it_pass(
    client, session, target, auth
):
    customer, x, _masto = target
    post = _create(client, auth, customer, [x], text="Offerta! " + "a" * 300)
    error = _error(client.post(f"/api/v1/posts/{post['id']}/submit", headers=auth), 422, "checks_blocking")
    assert error["details"]["unresolved"] == [{"code": "length", "network": "x"}]
    assert session.get(Post, post["id"]).status == "draft"
    override = {"code": "length", "network": "x", "reason": "X Premium account, long posts allowed"}
    assert (
        client.post(f"/api/v1/posts/{post['id']}/overrides", json=override, headers=auth).status_code == 200
    )
    assert client.post(f"/api/v1/posts/{post['id']}/submit", headers=auth).get_json()["status"] == "in_review"


def test_dst_times_need_a_choice(client, session, target, auth):
    customer, x, _masto = target
    post = _create(client, auth, customer, [x])
    error = _error(
        client.patch(
            f"/api/v1/posts/{post['id']}", json={"scheduled_local": "2027-03-28T02:30"}, headers=auth
        ),
        409,
        "time_choice_needed",
    )
    assert error["details"]["kind"] == "gap" and len(error["details"]["options"]) == 2
    chosen = client.patch(
        f"/api/v1/posts/{post['id']}",
        json={"scheduled_local": "2027-03-28T02:30", "dst_choice": "later"},
        headers=auth,
    ).get_json()
    assert chosen["scheduled_local"] == "2027-03-28T03:30"


def test_bad_input_is_refused_and_nothing_is_half_saved(client, session, agency, target, auth):
    customer, x, _masto = target
    other = ClientFactory(agency_id=agency.id)
    foreign = SocialAccountFactory(agency_id=agency.id, client_id=other.id, network="x")
    gone = SocialAccountFactory(
        agency_id=agency.id, client_id=customer.id, network="x", status="disconnected"
    )
    url = f"/api/v1/clients/{customer.id}/posts"
    past = (utcnow() - timedelta(hours=1)).isoformat()
    for body, field in [
        ({"text": "x", "targets": [{"account_id": foreign.id}]}, "targets"),
        ({"text": "x", "targets": [{"account_id": gone.id}]}, "targets"),
        ({"text": "x", "scheduled_at": past}, "scheduled_at"),
        ({"text": "x", "scheduled_at": "2026-05-04T09:30"}, "scheduled_at"),
        ({"text": "x", "pillar": "nonsense"}, "pillar"),
        ({"text": "x", "colour": "red"}, "colour"),
        ({"text": 5}, "text"),
    ]:
        assert _error(client.post(url, json=body, headers=auth), 422, "invalid")["field"] == field
    assert session.scalars(select(Post)).all() == []
    x.status = "needs_reconnect"
    session.commit()
    customer.approval_workflow = "none"
    session.commit()
    post = _create(client, auth, customer, [x])
    client.post(f"/api/v1/posts/{post['id']}/submit", headers=auth)
    assert (
        "Reconnect"
        in _error(client.post(f"/api/v1/posts/{post['id']}/schedule", headers=auth), 422, "invalid")[
            "message"
        ]
    )


def test_another_agencys_posts_are_not_found(client, session, auth):
    stranger = AgencyFactory()
    their_client = ClientFactory(agency_id=stranger.id)
    their_auth = {"Authorization": f"Bearer {api_token(stranger, 'cdz_stranger-token-0000000000')}"}
    account = SocialAccountFactory(agency_id=stranger.id, client_id=their_client.id, network="x")
    post = _create(client, their_auth, their_client, [account])
    for method, path in [
        ("get", f"/api/v1/posts/{post['id']}"),
        ("patch", f"/api/v1/posts/{post['id']}"),
        ("delete", f"/api/v1/posts/{post['id']}"),
        ("post", f"/api/v1/posts/{post['id']}/submit"),
        ("post", f"/api/v1/posts/{post['id']}/approve"),
        ("get", f"/api/v1/clients/{their_client.id}/posts"),
    ]:
        kwargs = {"json": {"text": "mine"}} if method == "patch" else {}
        _error(getattr(client, method)(path, headers=auth, **kwargs), 404, "not_found")
    assert session.get(Post, post["id"]).base_text == "Stasera pizza napoletana!"
