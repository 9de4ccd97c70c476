"""The outcome of a publishing run, read back from where it matters: what each sandbox network holds
(every target's post counted by its unique text), and the state each target was left in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenants.models import Post, PostTarget, PublishAttempt

FINAL = ("published", "failed", "cancelled")


@dataclass
class Outcome:
    """The run read back: from the sandbox (what each network holds) and from the database (states)."""

    targets: int
    published_exactly_once: int
    duplicates: list[dict]
    missing: list[dict]
    failed_healthy: list[dict]
    reconnect_failed: int
    revoked_targets: int
    revoked_wrong: list[dict]
    left_in_flight: list[dict]
    attempts: dict[str, int]
    most_attempts: int
    histories: dict[int, list[tuple]] = field(default_factory=dict)

    @property
    def problems(self) -> dict[str, list]:
        """Everything that breaks the promise (empty when every target went out exactly once)."""
        found = {
            "duplicates": self.duplicates,
            "missing": self.missing,
            "failed_healthy": self.failed_healthy,
            "revoked_wrong": self.revoked_wrong,
            "left_in_flight": self.left_in_flight,
        }
        return {name: rows for name, rows in found.items() if rows}

    def as_dict(self) -> dict:
        return asdict(self)


def read_back(
    session: Session, http: httpx.Client, post_ids: Sequence[int], *, revoked_account_ids: set[int]
) -> Outcome:
    """Count each target's copies on its network by its post's (unique) text, and check every state."""
    session.expire_all()
    rows = session.execute(
        select(PostTarget, Post.base_text)
        .join(Post, Post.id == PostTarget.post_id)
        .where(Post.id.in_(post_ids))
        .order_by(PostTarget.id)
    ).all()
    posted: dict[str, list[str]] = {}
    for item in http.get("/_control/published").json()["published"]:
        if item["kind"] == "post":
            posted.setdefault(item["network"], []).append(item["text"])
    once, duplicates, missing, failed, revoked_wrong, in_flight = 0, [], [], [], [], []
    reconnect = revoked = 0
    for target, text in rows:
        copies = sum(text in posted_text for posted_text in posted.get(target.network, []))
        row = {"target": target.id, "network": target.network, "status": target.status, "copies": copies}
        if target.status not in FINAL:
            in_flight.append(row)
        if target.account_id in revoked_account_ids:
            revoked += 1
            if target.status == "failed" and target.error_class == "reconnect" and copies == 0:
                reconnect += 1
            else:
                revoked_wrong.append({**row, "error_class": target.error_class})
            continue
        if copies > 1:
            duplicates.append(row)
        elif copies == 0:
            missing.append(row)
        if target.status == "failed":
            failed.append({**row, "error_class": target.error_class, "error": target.error_message})
        elif copies == 1 and target.status == "published":
            once += 1
    attempts = Counter(
        dict(
            session.execute(
                select(func.coalesce(PublishAttempt.outcome, "unfinished"), func.count())
                .where(PublishAttempt.post_id.in_(post_ids))
                .group_by(PublishAttempt.outcome)
            ).all()
        )
    )
    outcome = Outcome(
        targets=len(rows),
        published_exactly_once=once,
        duplicates=duplicates,
        missing=missing,
        failed_healthy=failed,
        reconnect_failed=reconnect,
        revoked_targets=revoked,
        revoked_wrong=revoked_wrong,
        left_in_flight=in_flight,
        attempts=dict(sorted(attempts.items())),
        most_attempts=max((target.attempts for target, _text in rows), default=0),
    )
    troubled = sorted({row["target"] for rows in outcome.problems.values() for row in rows})[:20]
    outcome.histories = {target_id: history(session, target_id) for target_id in troubled}
    return outcome


def history(session: Session, target_id: int) -> list[tuple]:
    """A target's attempts, for a report: (number, kind, outcome, job id, started, finished, detail)."""
    attempts = session.scalars(
        select(PublishAttempt).where(PublishAttempt.target_id == target_id).order_by(PublishAttempt.number)
    )
    return [
        (a.number, a.kind, a.outcome, a.job_id, str(a.started_at), str(a.finished_at), a.detail)
        for a in attempts
    ]
