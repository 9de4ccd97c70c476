"""enqueue_once: one waiting job per id, and a new one once the last run of that id is over."""

from __future__ import annotations

from redis import Redis

from worker.queues import enqueue_once, get_queue


def _noop() -> str:
    return "done"


def test_a_job_queued_again_after_a_finished_run_keeps_no_expiry_of_that_run(settings):
    redis = Redis.from_url(settings.redis_url)
    queue = get_queue("default", connection=redis)
    first = enqueue_once(queue, _noop, job_id="bench-read-1", result_ttl=60)
    assert enqueue_once(queue, _noop, job_id="bench-read-1", result_ttl=60).id == first.id
    assert queue.count == 1  # still waiting: not queued twice
    # What a worker leaves behind: the run is over and its key expires in result_ttl.
    queue.remove(first.id)
    first.set_status("finished")
    redis.expire(first.key, 60)
    again = enqueue_once(queue, _noop, job_id="bench-read-1", result_ttl=60)
    assert again.get_status(refresh=True) == "queued" and queue.job_ids == ["bench-read-1"]
    assert redis.ttl(again.key) == -1  # it lives until a worker runs it
