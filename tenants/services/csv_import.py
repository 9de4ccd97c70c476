"""Bulk import of posts from CSV: every row is checked first, then all posts are saved, or none.

Columns (header row required, any order, case-insensitive): date (2026-05-04 or 04/05/2026), time
(09:30, in the client's time zone), accounts (handles or network names of the client, separated by
spaces), text, pillar, persona, dst_choice (earlier or later, only for a time that DST skips or repeats);
Italian headers (data, ora, account, testo, pilastro) work too.
UTF-8 with or without BOM, or Windows-1252; ',' or ';' between cells (Italian Excel uses ';').
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.errors import N_, DomainError, Invalid, NotFound
from tenants.models import Client, CsvImport, Membership, SocialAccount, User
from tenants.models.base import utcnow
from tenants.permissions import Perm
from tenants.services import audit, local_time, plans, posts
from tenants.services.access import membership_in, require
from tenants.services.calendar_slots import parse_hhmm

MAX_ROWS = 2000
PROGRESS_EVERY = 25
COLUMNS = ("date", "time", "accounts", "text", "pillar", "persona", "dst_choice")
REQUIRED = ("date", "time", "accounts", "text")
FINISHED = ("done", "rejected", "failed")
# Italian headers, as a team in Italy types them.
HEADER_ALIASES = {"data": "date", "ora": "time", "account": "accounts", "testo": "text", "pilastro": "pillar"}
_SPLIT = re.compile(r"[\s,;|]+")


def decode(raw: bytes) -> str:
    """Text of an uploaded file: UTF-8 (a BOM is dropped), else Windows-1252 as older Excel saves it."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _records(text: str) -> list[list[str]]:
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))


def read_rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The normalised header and the non-empty data rows with their row numbers (the header is row 1)."""
    records = _records(text)
    if not records:
        return [], []
    header = [h.strip().lower().replace(" ", "_") for h in records[0]]
    header = [HEADER_ALIASES.get(h, h) for h in header]
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if any(cell.strip() for cell in record):
            rows.append(
                (number, {h: (record[i].strip() if i < len(record) else "") for i, h in enumerate(header)})
            )
    return header, rows


def template_csv(client: Client, accounts: list[SocialAccount]) -> str:
    """A header row and two example rows to fill in (';'-separated, as Italian Excel expects)."""
    first = accounts[0].handle if accounts else "instagram"
    network = accounts[-1].network if accounts else "facebook"
    lines = [
        ";".join(COLUMNS),
        f"2030-05-04;09:30;{first};Buongiorno! Il nuovo menù è online.;;;",
        f"05/05/2030;18:00;{first} {network};Stasera diretta alle 21: non mancate!;;;",
    ]
    return "\r\n".join(lines) + "\r\n"


def start_import(
    *,
    session: Session,
    client: Client,
    membership: Membership,
    actor: User | None,
    filename: str,
    raw: bytes,
) -> CsvImport:
    """Store an uploaded file as a pending import (the job checks and saves it)."""
    require(membership, Perm.POSTS_WRITE)
    if client.is_archived:
        raise Invalid(N_("This client is archived; restore it to plan new posts."))
    text = decode(raw)
    if not text.strip():
        raise Invalid(N_("The file is empty."), field="file")
    try:
        _header, rows = read_rows(text)
    except csv.Error as exc:
        raise Invalid(N_("This file is not a readable CSV file."), field="file") from exc
    record = CsvImport(
        agency_id=client.agency_id,
        client_id=client.id,
        created_by_id=actor.id if actor else None,
        filename=(filename or "import.csv")[:255],
        content=text,
        status="pending",
        total_rows=len(rows),
        report=[],
    )
    session.add(record)
    session.flush()
    audit.record(
        session=session,
        agency_id=client.agency_id,
        client_id=client.id,
        action="calendar.import_uploaded",
        actor=actor,
        target_type="csv_import",
        target_id=record.id,
        details={"filename": record.filename, "rows": record.total_rows},
    )
    return record


def get_import(*, session: Session, client: Client, import_id: int) -> CsvImport:
    """One of the client's imports; NotFound otherwise."""
    record = session.scalars(
        select(CsvImport).where(
            CsvImport.agency_id == client.agency_id,
            CsvImport.client_id == client.id,
            CsvImport.id == import_id,
        )
    ).first()
    if record is None:
        raise NotFound(N_("Import not found."))
    return record


def recent_imports(*, session: Session, client: Client, limit: int = 10) -> list[CsvImport]:
    """The client's latest imports, newest first."""
    query = select(CsvImport).where(CsvImport.agency_id == client.agency_id, CsvImport.client_id == client.id)
    return list(session.scalars(query.order_by(CsvImport.id.desc()).limit(limit)))


def _finish(record: CsvImport, status: str, report: list[dict[str, Any]]) -> None:
    record.status = status
    record.report = report
    record.finished_at = utcnow()


def mark_not_queued(*, session: Session, record: CsvImport) -> None:
    """The queue could not take the job: fail the import now rather than leave it pending forever."""
    _finish(record, "failed", [_problem(0, None, N_("The job queue was not reachable; nothing was saved."))])
    session.flush()


def _problem(row: int, column: str | None, message: str, **params: Any) -> dict[str, Any]:
    return {"row": row, "column": column, "message": message, "params": params}


@dataclass
class _Context:
    client: Client
    accounts: list[SocialAccount]
    pillars: set[str]
    personas: set[str]


def _context(session: Session, client: Client) -> _Context:
    plan = plans.current_plan(session=session, agency_id=client.agency_id, client_id=client.id)
    data = plan.data if plan else {}
    accounts = session.scalars(
        select(SocialAccount)
        .where(SocialAccount.agency_id == client.agency_id, SocialAccount.client_id == client.id)
        .order_by(SocialAccount.id)
    ).all()
    return _Context(
        client=client,
        accounts=list(accounts),
        pillars={p["key"] for p in data.get("pillars", [])},
        personas={p["name"] for p in data.get("personas", [])},
    )


def _parse_date(value: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _accounts(ctx: _Context, value: str, row: int, problems: list[dict]) -> list[int]:
    ids: list[int] = []
    tokens = [t for t in _SPLIT.split(value) if t]
    if not tokens:
        problems.append(_problem(row, "accounts", N_("Name at least one account or network.")))
    for token in tokens:
        wanted = token.lower()
        matches = [a for a in ctx.accounts if wanted in (a.handle.lower(), a.network)]
        if not matches:
            problems.append(
                _problem(row, "accounts", N_("Unknown account or network: %(value)s."), value=token)
            )
        elif all(a.status == "disconnected" for a in matches):
            problems.append(
                _problem(row, "accounts", N_("This account is disconnected: %(value)s."), value=token)
            )
        ids += [a.id for a in matches if a.status != "disconnected"]
    return list(dict.fromkeys(ids))


def _moment(ctx: _Context, row: int, cells: dict[str, str], problems: list[dict]) -> datetime | None:
    day = _parse_date(cells.get("date", ""))
    if day is None:
        problems.append(_problem(row, "date", N_("Use a date like 2026-05-04 or 04/05/2026.")))
    time_text = cells.get("time", "")
    if time_text.count(":") == 2:
        time_text = time_text.rsplit(":", 1)[0]  # Excel may add seconds
    try:
        minute = parse_hhmm(time_text)
    except Invalid:
        problems.append(_problem(row, "time", N_("Use a time like 09:30.")))
        return None
    choice = cells.get("dst_choice", "").lower() or None
    if choice not in (None, *local_time.CHOICES):
        problems.append(_problem(row, "dst_choice", N_("dst_choice must be earlier or later.")))
        return None
    if day is None:
        return None
    local = datetime.combine(day, datetime.min.time()) + timedelta(minutes=minute)
    try:
        moment = local_time.to_utc(local, ctx.client.timezone, choice)
    except local_time.TimeChoiceNeeded as exc:
        message = (
            N_("%(time)s does not exist that day (the clocks go forward): add dst_choice earlier or later.")
            if exc.kind == "gap"
            else N_("%(time)s happens twice that day (the clocks go back): add dst_choice earlier or later.")
        )
        problems.append(_problem(row, "time", message, time=local.strftime("%H:%M")))
        return None
    if moment < utcnow() + timedelta(minutes=1):
        problems.append(_problem(row, "date", N_("This date and time is in the past.")))
    return moment


def check_row(ctx: _Context, row: int, cells: dict[str, str]) -> tuple[dict[str, Any], list[dict]]:
    """The create_post data for one row, and its problems (each with the row number and column)."""
    problems: list[dict] = []
    moment = _moment(ctx, row, cells, problems)
    targets = _accounts(ctx, cells.get("accounts", ""), row, problems)
    text = cells.get("text", "").replace("\r\n", "\n")
    if not text.strip():
        problems.append(_problem(row, "text", N_("The text is empty.")))
    elif len(text) > posts.MAX_TEXT:
        problems.append(_problem(row, "text", N_("Use at most %(n)s characters."), n=posts.MAX_TEXT))
    pillar = cells.get("pillar", "").lower() or None
    if pillar is not None and pillar not in ctx.pillars:
        problems.append(_problem(row, "pillar", N_("Unknown pillar: %(value)s."), value=pillar))
    persona = cells.get("persona") or None
    if persona is not None and persona not in ctx.personas:
        problems.append(_problem(row, "persona", N_("Unknown persona: %(value)s."), value=persona))
    data = {"text": text, "targets": targets, "pillar": pillar, "persona": persona}
    if moment is not None:
        data["scheduled_at"] = moment.isoformat()
    return data, problems


def _validate(session: Session, record: CsvImport, client: Client) -> tuple[list, list[dict]]:
    """Check every row, committing progress every few rows so the progress page moves."""
    header, rows = read_rows(record.content)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [_problem(1, c, N_("Missing column: %(name)s."), name=c) for c in missing]
    if not rows:
        return [], [_problem(1, None, N_("The file has no rows to import."))]
    if len(rows) > MAX_ROWS:
        return [], [
            _problem(rows[MAX_ROWS][0], None, N_("Too many rows: at most %(n)s per file."), n=MAX_ROWS)
        ]
    ctx = _context(session, client)
    checked, problems = [], []
    for done, (number, cells) in enumerate(rows, start=1):
        data, found = check_row(ctx, number, cells)
        checked.append((number, data))
        problems += found
        if done % PROGRESS_EVERY == 0 or done == len(rows):
            record.processed_rows = done
            session.commit()
    return checked, problems


def _create_all(session: Session, record: CsvImport, client: Client, rows: list) -> list[dict]:
    """Every post in one transaction; a DomainError rolls all of them back."""
    user = session.get(User, record.created_by_id) if record.created_by_id else None
    membership = membership_in(session=session, user_id=user.id, agency_id=client.agency_id) if user else None
    if membership is None:
        raise Invalid(N_("The person who uploaded this file is no longer a member; nothing was saved."))
    created = []
    for number, data in rows:
        try:
            post = posts.create_post(
                session=session,
                agency_id=client.agency_id,
                client_id=client.id,
                membership=membership,
                actor=user,
                data=data,
                source="csv",
            )
        except DomainError as exc:
            exc.params["row"] = number
            raise
        created.append({"row": number, "post_id": post.id})
    return created


def fail_import(*, session: Session, import_id: int) -> None:
    """An unexpected crash: roll back whatever was half done and say the import failed."""
    session.rollback()
    record = session.get(CsvImport, import_id)
    if record is not None and record.status not in FINISHED:
        _finish(
            record, "failed", [_problem(0, None, N_("The import stopped unexpectedly; nothing was saved."))]
        )
        session.commit()


def run_import(*, session: Session, import_id: int) -> str:
    """Check every row of a pending import, then save all its posts as drafts or none; returns the status."""
    record = session.get(CsvImport, import_id)
    if record is None:
        return "missing"
    if record.status in FINISHED:
        return record.status  # a retried job never imports twice
    client = session.get(Client, record.client_id)
    record.status, record.processed_rows = "running", 0
    session.commit()
    rows, problems = _validate(session, record, client)
    if problems:
        _finish(record, "rejected", problems)
        session.commit()
        return record.status
    try:
        created = _create_all(session, record, client, rows)
    except DomainError as exc:
        session.rollback()
        row = int(exc.params.get("row", 0))
        params = {key: value for key, value in exc.params.items() if key != "row"}
        _finish(record, "rejected", [_problem(row, exc.field, exc.message, **params)])
        session.commit()
        return record.status
    record.created_posts = len(created)
    _finish(record, "done", created)
    audit.record(
        session=session,
        agency_id=client.agency_id,
        client_id=client.id,
        action="calendar.import_done",
        target_type="csv_import",
        target_id=record.id,
        details={"posts": len(created)},
    )
    session.commit()
    return record.status
