"""Setting up a client's inbox (/c/<slug>/inbox/...): hours, targets, crisis alerts, saved replies, rules."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from tenants.crypto import TokenCipher
from tenants.errors import DomainError, NotFound
from tenants.inbox import moderation, saved_replies, settings_store, triage
from tenants.inbox.people import inbox_team
from tenants.models import Client, User
from tenants.permissions import Perm
from web.context import db, settings
from web.inbox_forms import RULE_ACTION_LABELS, WEEKDAY_LABELS, InboxSettingsForm, RuleForm, SavedReplyForm
from web.tenancy import client_view
from web.views.helpers import attach_error

bp = Blueprint("inbox_settings", __name__, url_prefix="/c/<client_slug>/inbox")

# The service counts in minutes and checks the tag by id; the forms ask for an amount and a tag name.
ALIASES = {"first_response_minutes": "first_response", "resolution_minutes": "resolution", "tag_id": "tag"}


def _scope(client: Client) -> dict:
    return {"session": db(), "agency_id": client.agency_id, "client_id": client.id}


def _commit(step: Callable[[], object], form: FlaskForm | None = None) -> bool:
    """Run one service call and commit; on a domain error roll back, 404 or show it on the form."""
    try:
        step()
        db().commit()
    except DomainError as exc:
        db().rollback()
        if isinstance(exc, NotFound) or form is None:
            abort(404)
        attach_error(form, exc, ALIASES)
        return False
    return True


@bp.route("/settings", methods=["GET", "POST"])
@client_view(Perm.INBOX_MANAGE)
def edit(client: Client):
    row = settings_store.get_settings(**_scope(client))
    form = InboxSettingsForm(data=InboxSettingsForm.initial(row))
    # Read before a failed save rolls back: the row may have been created in this very transaction.
    has_webhook = row.crisis_webhook_enc is not None
    sandbox = settings().uses_sandbox

    def step() -> None:
        settings_store.update_settings(
            **_scope(client),
            cipher=TokenCipher.from_settings(settings()),
            business_hours=form.business_hours(client.timezone),
            first_response_minutes=form.first_response_minutes(),
            resolution_minutes=form.resolution_minutes(),
            sync_minutes=form.sync_minutes.data,
            crisis=form.crisis(),
            holding_statement=form.holding_statement.data or "",
            crisis_webhook=form.webhook_change(),
            allow_http=sandbox,
            actor=current_user,
        )

    if form.validate_on_submit() and _commit(step, form):
        flash(_("Inbox settings saved."), "success")
        return redirect(url_for("inbox_settings.edit", client_slug=client.slug))
    page = render_template(
        "inbox/settings.html",
        client=client,
        form=form,
        weekdays=WEEKDAY_LABELS,
        has_webhook=has_webhook,
        allow_http=sandbox,
    )
    return page, 422 if form.is_submitted() else 200


def _replies_page(client: Client, form: SavedReplyForm, failed: dict[int, SavedReplyForm] | None = None):
    """The saved replies with an edit form each (a failed one keeps what was typed)."""
    replies = saved_replies.list_saved_replies(**_scope(client))
    edit_forms = {r.id: SavedReplyForm(formdata=None, prefix=f"reply-{r.id}", obj=r) for r in replies}
    page = render_template(
        "inbox/saved_replies.html",
        client=client,
        replies=replies,
        form=form,
        edit_forms=edit_forms | (failed or {}),
        variables=saved_replies.VARIABLES,
    )
    return page, 422 if form.is_submitted() or failed else 200


@bp.get("/saved-replies")
@client_view(Perm.INBOX_REPLY)
def replies(client: Client):
    return _replies_page(client, SavedReplyForm())


@bp.post("/saved-replies")
@client_view(Perm.INBOX_REPLY)
def create_reply(client: Client):
    form = SavedReplyForm()

    def step() -> None:
        saved_replies.save_reply(
            **_scope(client), title=form.title.data, text=form.text.data, user=current_user
        )

    if form.validate_on_submit() and _commit(step, form):
        flash(_("Saved reply added."), "success")
        return redirect(url_for("inbox_settings.replies", client_slug=client.slug))
    return _replies_page(client, form)


@bp.post("/saved-replies/<int:saved_reply_id>")
@client_view(Perm.INBOX_REPLY)
def edit_reply(client: Client, saved_reply_id: int):
    form = SavedReplyForm(prefix=f"reply-{saved_reply_id}")

    def step() -> None:
        saved_replies.save_reply(
            **_scope(client),
            title=form.title.data,
            text=form.text.data,
            user=current_user,
            saved_reply_id=saved_reply_id,
        )

    # Another client's id answers 404 whether or not the form is valid.
    try:
        saved_replies.get_saved_reply(**_scope(client), saved_reply_id=saved_reply_id)
    except NotFound:
        abort(404)
    if form.validate_on_submit() and _commit(step, form):
        flash(_("Saved reply changed."), "success")
        return redirect(url_for("inbox_settings.replies", client_slug=client.slug))
    return _replies_page(client, SavedReplyForm(formdata=None), failed={saved_reply_id: form})


@bp.post("/saved-replies/<int:saved_reply_id>/delete")
@client_view(Perm.INBOX_REPLY)
def delete_reply(client: Client, saved_reply_id: int) -> Response:
    _commit(lambda: saved_replies.delete_saved_reply(**_scope(client), saved_reply_id=saved_reply_id))
    flash(_("Saved reply deleted."), "success")
    return redirect(url_for("inbox_settings.replies", client_slug=client.slug))


def _rule_form(team: list[User]) -> RuleForm:
    form = RuleForm()
    form.assignee_id.choices = [SelectChoice("", "—"), *(SelectChoice(u.id, u.name_or_email) for u in team)]
    return form


def _rules_page(client: Client, form: RuleForm, team: list[User]):
    scope = _scope(client)
    tags = triage.list_tags(**scope)
    page = render_template(
        "inbox/rules.html",
        client=client,
        form=form,
        rules=moderation.list_rules(**scope),
        tags=tags,
        tag_names={t.id: t.name for t in tags},
        team={u.id: u for u in team},
        action_labels=RULE_ACTION_LABELS,
    )
    return page, 422 if form.is_submitted() else 200


@bp.get("/rules")
@client_view(Perm.INBOX_MANAGE)
def rules(client: Client):
    team = inbox_team(**_scope(client))
    return _rules_page(client, _rule_form(team), team)


@bp.post("/rules")
@client_view(Perm.INBOX_MANAGE)
def create_rule(client: Client):
    team = inbox_team(**_scope(client))
    form = _rule_form(team)

    def step() -> None:
        moderation.create_rule(
            **_scope(client),
            name=form.name.data,
            keywords=form.keyword_list(),
            match_offensive=form.match_offensive.data,
            action=form.action.data,
            tag_name=form.tag.data or "",
            assignee_id=form.assignee_id.data,
        )

    if form.validate_on_submit() and _commit(step, form):
        flash(_("Rule added: it applies to new messages."), "success")
        return redirect(url_for("inbox_settings.rules", client_slug=client.slug))
    return _rules_page(client, form, team)


@bp.post("/rules/<int:rule_id>/delete")
@client_view(Perm.INBOX_MANAGE)
def delete_rule(client: Client, rule_id: int) -> Response:
    _commit(lambda: moderation.delete_rule(**_scope(client), rule_id=rule_id))
    flash(_("Rule deleted."), "success")
    return redirect(url_for("inbox_settings.rules", client_slug=client.slug))
