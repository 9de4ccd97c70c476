"""Store items from a network: once per network id, enriched, with SLA due times and rules applied."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import Row, TextClause, insert, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from tenants.inbox.business_hours import add_business_seconds
from tenants.inbox.incoming import Incoming, storable
from tenants.inbox.language import detect_language
from tenants.inbox.moderation import CompiledRule, compile_rules, list_rules, matching_rules
from tenants.inbox.priority import is_question, priority_of
from tenants.inbox.sentiment import score_sentiment
from tenants.inbox.settings_store import InboxRules, get_settings, rules_of
from tenants.models import Client, InboxAction, InboxItem, InboxItemTag, SocialAccount
from tenants.models.base import utcnow
from tenants.networks import inbox_actions

# Items older than this when first seen (an account connected with years of history) start closed.
BACKLOG_AGE = timedelta(days=7)
CHUNK = 500


@dataclass
class IngestResult:
    """What one batch added: new item ids, and hide actions the moderation rules asked for."""

    new_ids: list[int] = field(default_factory=list)
    hide_action_ids: list[int] = field(default_factory=list)
    negative: int = 0


@dataclass
class IngestContext:
    """The client's SLA rules and moderation rules, read by the first batch with new items.

    A read of many pages passes one context to every page, so they are read once per read instead
    of once per page; a change saved meanwhile applies from the next read.
    """

    rules: InboxRules | None = None
    compiled: list[CompiledRule] = field(default_factory=list)

    def load(self, session: Session, account: SocialAccount) -> tuple[InboxRules, list[CompiledRule]]:
        """The rules, read now if not yet."""
        if self.rules is None:
            settings = get_settings(session=session, agency_id=account.agency_id, client_id=account.client_id)
            client = session.get(Client, account.client_id)
            self.rules = rules_of(settings, timezone=client.timezone if client else None)
            self.compiled = compile_rules(
                list_rules(session=session, agency_id=account.agency_id, client_id=account.client_id)
            )
        return self.rules, self.compiled


def ingest(
    *,
    session: Session,
    account: SocialAccount,
    items: list[Incoming],
    source: str = "poll",
    now: datetime | None = None,
    context: IngestContext | None = None,
) -> IngestResult:
    """Insert the items this account does not have yet; a repeat (poll after webhook) changes nothing."""
    now = now or utcnow()
    result = IngestResult()
    context = context or IngestContext()
    unique = list({item.remote_id: item for item in items}.values())
    for start in range(0, len(unique), CHUNK):
        chunk = unique[start : start + CHUNK]
        known = dict(
            session.execute(
                select(InboxItem.remote_id, InboxItem.author_name).where(
                    InboxItem.account_id == account.id,
                    InboxItem.remote_id.in_([item.remote_id for item in chunk]),
                )
            ).all()
        )
        _fill_names(session, account, [i for i in chunk if i.author_name and known.get(i.remote_id) == ""])
        fresh = [item for item in chunk if item.remote_id not in known]
        if fresh:
            rules, compiled = context.load(session, account)
            _insert(session, account, fresh, source, now, rules, compiled, result)
    return result


def _fill_names(session: Session, account: SocialAccount, named: list[Incoming]) -> None:
    """A webhook that carried no name (Messenger sends ids only) gets it from the poll of the same item."""
    for item in named:
        session.execute(
            update(InboxItem)
            .where(InboxItem.account_id == account.id, InboxItem.remote_id == item.remote_id)
            .values(
                author_name=storable(item.author_name, 200), author_handle=storable(item.author_handle, 200)
            )
        )


def _insert(
    session: Session,
    account: SocialAccount,
    fresh: list[Incoming],
    source: str,
    now: datetime,
    rules: InboxRules,
    compiled: list[CompiledRule],
    result: IngestResult,
) -> None:
    rows = [_row(account, item, source, now, rules) for item in fresh]
    matched: dict[str, list[CompiledRule]] = {}
    for row in rows:
        hits = matching_rules(compiled, row["text"])
        if hits:
            matched[row["remote_id"]] = hits
            assignee = next((r.assignee_id for r in hits if r.action == "assign"), None)
            if assignee is not None:
                row["assignee_id"] = assignee
    inserted = _insert_rows(session, rows)
    by_remote_id = {row["remote_id"]: row for row in rows}
    tags: list[dict] = []
    for item_id, remote_id in inserted:
        result.new_ids.append(item_id)
        row = by_remote_id[remote_id]
        if row["sentiment"] == "negative":
            result.negative += 1
        hits = matched.get(remote_id)
        if hits:
            tags += _tag_rows(account, item_id, hits)
            _hide_if_asked(session, account, item_id, row["kind"], hits, result)
    if tags:
        session.execute(insert(InboxItemTag.__table__), tags)  # Core: no ORM bookkeeping per row


def _insert_rows(session: Session, rows: list[dict]) -> list[Row]:
    """INSERT ... ON CONFLICT (account_id, remote_id) DO NOTHING RETURNING id, remote_id, for many rows."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        # The rows as one JSON document, expanded into the table's own row type: a short statement
        # PostgreSQL prepares once, encoded by the json module in C (arrays for unnest cost the driver
        # about a microsecond per value, multi-row VALUES ~30 parameters per row to rewrite).
        columns = _json_columns(tuple(rows[0]))
        defaults = _column_defaults(columns, rows[0])
        document = json.dumps([defaults | row for row in rows] if defaults else rows, default=_json_value)
        return session.execute(_json_insert(columns), {"rows": document}).all()
    # One cached statement, the rows as parameters (sent as multi-row VALUES by insertmanyvalues).
    table = InboxItem.__table__
    statement = (
        sqlite.insert(table)
        .on_conflict_do_nothing(index_elements=["account_id", "remote_id"])
        .returning(table.c.id, table.c.remote_id)
    )
    return session.execute(statement, rows).all()


@cache
def _json_columns(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The columns an insert of rows with these keys sets: theirs, and those with a Python default."""
    return tuple(
        column.name
        for column in InboxItem.__table__.columns
        if column.name in keys
        or (column.default is not None and (column.default.is_scalar or column.default.is_callable))
    )


def _column_defaults(columns: tuple[str, ...], row: dict) -> dict:
    """The Python defaults of the columns the rows leave out (the JSON has no SQLAlchemy to add them)."""
    defaults = {}
    for name in columns:
        if name not in row:
            default = InboxItem.__table__.columns[name].default
            defaults[name] = default.arg if default.is_scalar else default.arg(None)
    return defaults


@cache
def _json_insert(columns: tuple[str, ...]) -> TextClause:
    names = ", ".join(columns)
    return text(
        f"INSERT INTO {InboxItem.__tablename__} ({names}) SELECT {names} "
        f"FROM json_populate_recordset(NULL::{InboxItem.__tablename__}, :rows) "
        "ON CONFLICT (account_id, remote_id) DO NOTHING RETURNING id, remote_id"
    )


def _json_value(value: object) -> str:
    """A datetime for the JSON document: aware, in UTC, ISO 8601 (a naive one is refused, as on insert)."""
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"{type(value).__name__} cannot go into an inbox row")


def _row(account: SocialAccount, item: Incoming, source: str, now: datetime, rules: InboxRules) -> dict:
    text = storable(item.text)
    language = detect_language(text)
    sentiment = score_sentiment(text, language)
    question = is_question(text, language)
    backlog = now - item.created_at > BACKLOG_AGE
    # The clock starts when the item reached the network, not when Cadenza first read it.
    started = min(item.created_at, now)
    return {
        "agency_id": account.agency_id,
        "client_id": account.client_id,
        "account_id": account.id,
        "network": account.network,
        "kind": item.kind,
        "remote_id": item.remote_id[:300],
        "thread_key": item.thread_key[:300],
        "post_remote_id": item.post_remote_id,
        "parent_remote_id": item.parent_remote_id,
        "author_id": storable(item.author_id, 200),
        "author_handle": storable(item.author_handle, 200),
        "author_name": storable(item.author_name, 200),
        "author_followers": item.author_followers,
        "text": text,
        "created_at": item.created_at,
        "received_at": now,
        "source": source,
        "sentiment": sentiment.label,
        "sentiment_score": sentiment.score,
        "language": language,
        "is_question": question,
        "priority": priority_of(
            sentiment=sentiment, question=question, author_followers=item.author_followers, kind=item.kind
        ),
        "status": "closed" if backlog else "open",
        "closed_at": now if backlog else None,
        "first_response_due_at": add_business_seconds(
            rules.hours, started, rules.targets.first_response_seconds
        ),
        "resolution_due_at": add_business_seconds(rules.hours, started, rules.targets.resolution_seconds),
        "updated_at": now,
        "assignee_id": None,  # every row has the same keys (one executemany); an assign rule sets it
    }


def _tag_rows(account: SocialAccount, item_id: int, hits: list[CompiledRule]) -> list[dict]:
    tags = {rule.tag_id for rule in hits if rule.action == "tag" and rule.tag_id}
    return [
        {"item_id": item_id, "tag_id": tag_id, "agency_id": account.agency_id, "client_id": account.client_id}
        for tag_id in sorted(tags)
    ]


def _hide_if_asked(
    session: Session, account: SocialAccount, item_id: int, kind: str, hits, result: IngestResult
) -> None:
    if any(rule.action == "hide" for rule in hits) and "inbox_hide" in inbox_actions(account.network, kind):
        action = InboxAction(
            agency_id=account.agency_id,
            client_id=account.client_id,
            item_id=item_id,
            action="hide",
            request_key=f"rule-hide-{item_id}",
        )
        session.add(action)
        session.flush()
        result.hide_action_ids.append(action.id)
