"""Chaos for the publishing pipeline, used from the outside only, by the small chaos test in `make test`
and the full benchmark in `make bench`.

Real `cadenza worker` and `cadenza scheduler` processes are SIGKILLed and restarted, a Redis of the run's
own is emptied and restarted, the sandbox fails at random and revokes an account, and waits of minutes
pass in seconds. The outcome is then read back from the sandbox (bench/readback.py).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from redis import Redis, RedisError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bench.pipeline import spawn
from bench.readback import FINAL
from tenants.models import PostTarget, utcnow
from worker import rate_limits

KILL_WORKER = "kill-worker"
RESTART_SCHEDULER = "restart-scheduler"
FLUSH_AND_RESTART_REDIS = "flush-and-restart-redis"
# (share of the targets final, action): spread over the run whatever the machine's speed.
PLAN = (
    (0.10, KILL_WORKER),
    (0.25, RESTART_SCHEDULER),
    (0.40, KILL_WORKER),
    (0.55, FLUSH_AND_RESTART_REDIS),
    (0.70, KILL_WORKER),
)
# The share of the networks' write calls that fail. The sandbox draws its faults one after the other (an
# error first, then a rate limit among the calls left, then a lost response among the writes that went
# through): inject_faults turns these shares into probabilities conditional on the earlier draws.
ERRORS, RATE_LIMITS, LOST_RESPONSES = 0.10, 0.05, 0.02


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of the run's own, keeping nothing on disk: it can be emptied and restarted
    (a machine's shared Redis cannot)."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> str:
        from tenants.embedded_redis import redis_executable

        self.process = subprocess.Popen(
            [redis_executable(), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.data_dir)]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(RedisError):
                if Redis.from_url(self.url, socket_connect_timeout=0.5).ping():
                    return self.url
            time.sleep(0.05)
        raise RuntimeError("private redis-server did not answer")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def flush_and_restart(self, down_seconds: float = 2.0) -> None:
        """FLUSHALL, then a restart with nothing saved: every queued job, hold and lease is gone."""
        Redis.from_url(self.url).flushall()
        self.stop()
        time.sleep(down_seconds)
        self.start()


def pipeline_env(
    base: dict[str, str], *, redis_url: str, sandbox_url: str, stuck_seconds: int
) -> dict[str, str]:
    """The processes' environment: short timeouts so a run takes minutes, not the production hours.

    A "publishing" target may only be recovered once its job is surely dead, so the stuck threshold is
    never shorter than the job timeout.
    """
    return {
        **base,
        "REDIS_URL": redis_url,
        "CADENZA_SANDBOX_URL": sandbox_url,
        "CADENZA_NETWORK_TIMEOUT": "5",
        "CADENZA_PUBLISH_STUCK_SECONDS": str(stuck_seconds),
        "CADENZA_PUBLISH_JOB_TIMEOUT": str(stuck_seconds),
        # One process per `cadenza worker`: the run counts, and kills, workers one by one.
        "CADENZA_WORKER_PROCESSES": "1",
    }


class Fleet:
    """The pipeline's processes: workers and one scheduler (the dispatcher), killed as a crash would."""

    def __init__(self, env: dict[str, str], *, workers: int, log_dir: Path | None = None) -> None:
        self.env = env
        self.log_dir = log_dir
        self.started = 0
        self.revived = 0
        self.workers = [self._spawn("worker") for _ in range(workers)]
        self.scheduler = self._spawn("scheduler")

    def _spawn(self, kind: str) -> subprocess.Popen:
        self.started += 1
        log = self.log_dir / f"{self.started:02d}-{kind}.log" if self.log_dir else None
        return spawn(kind, self.env, log=log)

    @staticmethod
    def _kill(process: subprocess.Popen) -> None:
        """SIGKILL a process and all it started. Its process group is not enough: RQ's work horse makes a
        group of its own, and would finish its job with its worker gone."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGSTOP)  # no new fork while its children are listed
        for pid in [*_descendants(process.pid), process.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=10)

    def kill_worker(self, *, wait: float = 10.0) -> bool:
        """SIGKILL a worker in the middle of a job if one is caught there within `wait` seconds (else the
        oldest) and start a replacement; True when it was caught mid-job."""
        connection = Redis.from_url(self.env["REDIS_URL"])
        deadline, victim = time.monotonic() + wait, None
        while victim is None and time.monotonic() < deadline:
            busy = _busy(connection)
            time.sleep(0.15)  # into the job: past the fork, into the attempts and the network calls
            busy &= _busy(connection)
            victim = next((p for p in self.workers if p.pid in busy), None)
        caught = victim is not None
        victim = victim or self.workers[0]
        self.workers.remove(victim)
        self._kill(victim)
        self.workers.append(self._spawn("worker"))
        return caught

    def restart_scheduler(self) -> None:
        self._kill(self.scheduler)
        self.scheduler = self._spawn("scheduler")

    def revive(self) -> None:
        """Start again what exited by itself (a lost Redis can end a process), as a supervisor would."""
        for index, process in enumerate(self.workers):
            if process.poll() is not None:
                self.workers[index] = self._spawn("worker")
                self.revived += 1
        if self.scheduler.poll() is not None:
            self.scheduler = self._spawn("scheduler")
            self.revived += 1

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            self._kill(process)


def _descendants(pid: int) -> list[int]:
    try:
        children = [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return [grandchild for child in children for grandchild in (child, *_descendants(child))]


def _busy(connection: Redis) -> set[int]:
    """Pids of the workers running a job now, as they tell RQ (a Redis emptied since forgets them)."""
    from rq import Worker

    try:
        return {worker.pid for worker in Worker.all(connection=connection) if worker.get_state() == "busy"}
    except RedisError:
        return set()


def inject_faults(
    http: httpx.Client,
    networks: Iterable[str],
    *,
    revoked: tuple[str, str | None],
    errors: float = ERRORS,
    rate_limits: float = RATE_LIMITS,
    lost_responses: float = LOST_RESPONSES,
) -> None:
    """Random 5xx, 429 and lost responses on every network's writes; one account's token revoked.

    `revoked` is (network, the sandbox's account id or None for every account of that network).
    """
    network, account = revoked
    _fault(http, network=network, kind="revoked", account=account, write_only=True)
    throttled = rate_limits / (1 - errors)
    lost = lost_responses / ((1 - errors) * (1 - throttled))
    for name in networks:
        _fault(http, network=name, kind="error", status=503, probability=errors, write_only=True)
        # X's own 429 spends its whole 15-minute window; a brief one keeps the run to minutes.
        brief = {"reset_seconds": 5} if name == "x" else {}
        _fault(http, network=name, kind="rate_limit", probability=throttled, write_only=True, **brief)
        _fault(http, network=name, kind="response_lost", probability=lost, write_only=True)


def _fault(http: httpx.Client, **fault) -> None:
    http.post("/_control/faults", json={"times": -1, **fault}).raise_for_status()


def time_passes(session: Session, redis: Redis) -> None:
    """Waits of minutes (backoff, the networks' rate windows) pass in seconds: retries are made due now."""
    session.execute(
        update(PostTarget)
        .where(PostTarget.status.in_(("retry", "unconfirmed")), PostTarget.next_attempt_at > utcnow())
        .values(next_attempt_at=utcnow())
    )
    session.commit()
    with contextlib.suppress(RedisError):
        for key in redis.scan_iter(f"{rate_limits.PREFIX}*"):
            redis.delete(key)


@dataclass
class Chaos:
    """What was done to the pipeline during a run."""

    kills: int = 0
    redis_flushes: int = 0
    redis_restarts: int = 0
    scheduler_restarts: int = 0
    processes_revived: int = 0
    seconds: float = 0.0
    events: list[dict] = field(default_factory=list)


def run_chaos(
    *,
    session: Session,
    redis: PrivateRedis,
    env: dict[str, str],
    post_ids: Sequence[int],
    deadline: float,
    workers: int = 2,
    log_dir: Path | None = None,
    plan: Sequence[tuple[float, str]] = PLAN,
    time_passes_after: float = 20.0,
    gap: float = 3.0,
) -> Chaos:
    """Start the pipeline's processes and apply the plan while the targets of these posts are published;
    stop everything once all are final (or at the deadline)."""
    chaos, pending = Chaos(), list(plan)
    client = Redis.from_url(redis.url)
    fleet = Fleet(env, workers=workers, log_dir=log_dir)
    started = last_action = time.monotonic()
    try:
        while (elapsed := time.monotonic() - started) < deadline:
            done = _share_final(session, post_ids)
            if pending and done >= pending[0][0] and time.monotonic() - last_action >= gap:
                action = pending.pop(0)[1]
                event = {"at_s": round(elapsed, 1), "final": round(done, 2), "action": action}
                chaos.events.append(event | _apply(action, chaos, redis, fleet))
                last_action = time.monotonic()
            fleet.revive()
            if elapsed >= time_passes_after:
                time_passes(session, client)
            if not pending and done == 1.0:
                break
            time.sleep(1)
    finally:
        fleet.stop()
    chaos.processes_revived = fleet.revived
    chaos.seconds = round(time.monotonic() - started, 1)
    return chaos


def _apply(action: str, chaos: Chaos, redis: PrivateRedis, fleet: Fleet) -> dict:
    if action == KILL_WORKER:
        chaos.kills += 1
        return {"mid_job": fleet.kill_worker()}
    if action == RESTART_SCHEDULER:
        fleet.restart_scheduler()
        chaos.scheduler_restarts += 1
    elif action == FLUSH_AND_RESTART_REDIS:
        redis.flush_and_restart()
        chaos.redis_flushes += 1
        chaos.redis_restarts += 1
    else:
        raise ValueError(action)
    return {}


def _share_final(session: Session, post_ids: Sequence[int]) -> float:
    session.expire_all()
    counts = dict(
        session.execute(
            select(PostTarget.status, func.count())
            .where(PostTarget.post_id.in_(post_ids))
            .group_by(PostTarget.status)
        ).all()
    )
    return sum(counts.get(status, 0) for status in FINAL) / max(sum(counts.values()), 1)
