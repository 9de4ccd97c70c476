"""Prometheus metrics at /metrics, gathered at scrape time from the database and Redis.

Workers are separate processes (often separate machines): rather than per-process counters, the numbers
come from where the truth is kept, so any web process answers for the whole installation.
"""

from __future__ import annotations

import ipaddress

from flask import Blueprint, Response, abort, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from redis import RedisError
from rq import Worker

from tenants.services import pipeline_stats
from web.context import db, redis, settings
from worker.queues import QUEUE_NAMES, get_queue

bp = Blueprint("metrics", __name__)
LAG_BUCKETS = (1, 2, 5, 10, 30, 60, 120, 300, 900, 3600)


class PipelineCollector:
    """Publishing outcomes, lag from due time to published, target states, queue depths, workers."""

    def collect(self):
        """Yield the metric families (called on each scrape)."""
        session = db()
        outcomes = CounterMetricFamily(
            "cadenza_publish_attempts",
            "Finished publish attempts by network and outcome",
            labels=["network", "outcome"],
        )
        for network, outcome, count in pipeline_stats.outcomes(session=session):
            outcomes.add_metric([network, outcome], count)
        yield outcomes
        states = GaugeMetricFamily("cadenza_targets", "Post targets by status", labels=["status"])
        for status, count in pipeline_stats.targets_by_status(session=session):
            states.add_metric([status], count)
        yield states
        yield GaugeMetricFamily(
            "cadenza_targets_overdue",
            "Due targets not published yet",
            value=pipeline_stats.overdue(session=session),
        )
        lags = sorted(pipeline_stats.publish_lags(session=session))
        buckets = [(str(bound), sum(1 for lag in lags if lag <= bound)) for bound in LAG_BUCKETS]
        buckets.append(("+Inf", len(lags)))
        yield HistogramMetricFamily(
            "cadenza_publish_lag_seconds",
            "Seconds from due time to published (targets published in the last hour)",
            buckets=buckets,
            sum_value=sum(lags),
        )
        yield from self._redis_families()

    def _redis_families(self):
        depth = GaugeMetricFamily("cadenza_queue_depth", "Jobs waiting per RQ queue", labels=["queue"])
        workers = GaugeMetricFamily("cadenza_workers", "RQ worker processes alive")
        try:
            connection = redis()
            for name in QUEUE_NAMES:
                depth.add_metric([name], get_queue(name, connection=connection).count)
            workers.add_metric([], Worker.count(connection=connection))
        except RedisError:
            return  # Redis down: /readyz says so; the database figures above still stand
        yield depth
        yield workers


def _allowed() -> bool:
    token = settings().metrics_token
    if token:
        return request.headers.get("Authorization") == f"Bearer {token}"
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text format: with CADENZA_METRICS_TOKEN set it needs that bearer token, else loopback."""
    if not _allowed():
        abort(404)
    registry = CollectorRegistry()
    registry.register(PipelineCollector())
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
