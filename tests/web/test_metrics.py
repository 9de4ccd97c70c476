"""/metrics: publishing outcomes, lag, target states and queues, for Prometheus only."""

from __future__ import annotations

from datetime import timedelta

from tenants.models import PublishAttempt, utcnow
from tests.factories import AgencyFactory, ClientFactory, SocialAccountFactory, draft_post, member


def _published_post(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    account = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="mastodon")
    post = draft_post(client, member(agency, "manager"), [account], "Ciao")
    post.status, post.scheduled_at = "published", utcnow() - timedelta(seconds=30)
    (target,) = post.targets
    target.status, target.published_at = "published", utcnow() - timedelta(seconds=26)
    session.add(
        PublishAttempt(
            agency_id=agency.id,
            client_id=client.id,
            post_id=post.id,
            target_id=target.id,
            number=1,
            outcome="published",
            finished_at=utcnow(),
        )
    )
    session.commit()


def test_metrics_report_outcomes_lag_states_and_queues(client, session):
    _published_post(session)
    body = client.get("/metrics").get_data(as_text=True)
    assert 'cadenza_publish_attempts_total{network="mastodon",outcome="published"} 1.0' in body
    assert 'cadenza_publish_lag_seconds_bucket{le="5"} 1.0' in body
    assert 'cadenza_publish_lag_seconds_bucket{le="2"} 0.0' in body
    assert 'cadenza_targets{status="published"} 1.0' in body
    assert 'cadenza_queue_depth{queue="publish"} 0.0' in body and "cadenza_workers" in body


def test_metrics_need_the_token_when_one_is_set(settings, session):
    from web import create_app

    app = create_app(settings.with_overrides(metrics_token="s3cret"), config={"TESTING": True})
    web = app.test_client()
    assert web.get("/metrics").status_code == 404
    assert web.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert web.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_metrics_are_not_served_to_the_outside_without_a_token(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404
