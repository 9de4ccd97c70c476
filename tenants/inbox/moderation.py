"""Moderation rules: tag, assign or hide new items by keyword or offensive-word match."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.checks.tokens import word_texts
from tenants.checks.wordlists import WordList, find_phrases, offensive_words
from tenants.errors import N_, Invalid, NotFound
from tenants.inbox.people import works_on_inbox
from tenants.inbox.triage import get_or_create_tag
from tenants.models import InboxTag, ModerationRule

RULE_ACTIONS = ("tag", "assign", "hide")


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to match many items quickly."""

    id: int
    action: str
    tag_id: int | None
    assignee_id: int | None
    words: WordList
    phrases: tuple[str, ...]
    match_offensive: bool

    def matches(self, text: str) -> bool:
        """True when the text carries one of the rule's keywords or, if asked, an offensive word."""
        return self.matches_words(text, lowered_words(text))

    def matches_words(self, text: str, lowered: list[str]) -> bool:
        """matches() for a text already split by lowered_words (one split for all the rules)."""
        if self.words.matches_any(lowered):
            return True
        if self.phrases and find_phrases(text, self.phrases):
            return True
        return self.match_offensive and offensive_words().matches_any(lowered)


def lowered_words(text: str) -> list[str]:
    """The words rules match against: lower case, typographic apostrophes made plain."""
    lowered = [w.lower() for w in word_texts(text)]
    return [w.replace("’", "'") for w in lowered] if "’" in text else lowered


def matching_rules(rules: list[CompiledRule], text: str) -> list[CompiledRule]:
    """The rules the text matches, in order; the text is split into words once, only if a rule exists."""
    if not rules:
        return []
    lowered = lowered_words(text)
    return [rule for rule in rules if rule.matches_words(text, lowered)]


def compile_rules(rules: list[ModerationRule]) -> list[CompiledRule]:
    """Enabled rules, compiled (single words and 'stem*' entries, multi-word phrases)."""
    compiled = []
    for rule in rules:
        if not rule.enabled:
            continue
        single = [k for k in rule.keywords if " " not in k.strip()]
        compiled.append(
            CompiledRule(
                id=rule.id,
                action=rule.action,
                tag_id=rule.tag_id,
                assignee_id=rule.assignee_id,
                words=WordList.from_entries(single),
                phrases=tuple(k for k in rule.keywords if " " in k.strip()),
                match_offensive=rule.match_offensive,
            )
        )
    return compiled


def list_rules(*, session: Session, agency_id: int, client_id: int) -> list[ModerationRule]:
    """The client's rules, oldest first (they apply in this order; the first assignment wins)."""
    return list(
        session.scalars(
            select(ModerationRule)
            .where(ModerationRule.agency_id == agency_id, ModerationRule.client_id == client_id)
            .order_by(ModerationRule.id)
        )
    )


def create_rule(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    name: str,
    keywords: list[str],
    match_offensive: bool,
    action: str,
    tag_id: int | None = None,
    tag_name: str = "",
    assignee_id: int | None = None,
) -> ModerationRule:
    """Add a rule after checking its action's target belongs to this client (a tag_name is created if new)."""
    keywords = [k.strip().lower() for k in keywords if k.strip()][:200]
    if not name.strip():
        raise Invalid(N_("Give the rule a name."), field="name")
    if action not in RULE_ACTIONS:
        raise Invalid(N_("Choose what the rule does."), field="action")
    if not keywords and not match_offensive:
        raise Invalid(N_("Give keywords or match offensive words."), field="keywords")
    if action == "tag" and tag_id is None and tag_name.strip():
        tag_id = get_or_create_tag(
            session=session, agency_id=agency_id, client_id=client_id, name=tag_name
        ).id
    if action == "tag":
        tag = session.get(InboxTag, tag_id) if tag_id else None
        if tag is None or (tag.agency_id, tag.client_id) != (agency_id, client_id):
            raise Invalid(N_("Choose a tag of this client."), field="tag_id")
    if action == "assign" and not (
        assignee_id
        and works_on_inbox(session=session, agency_id=agency_id, client_id=client_id, user_id=assignee_id)
    ):
        raise Invalid(N_("Choose a team member who works on this client."), field="assignee_id")
    rule = ModerationRule(
        agency_id=agency_id,
        client_id=client_id,
        name=name.strip()[:100],
        keywords=keywords,
        match_offensive=match_offensive,
        action=action,
        tag_id=tag_id if action == "tag" else None,
        assignee_id=assignee_id if action == "assign" else None,
    )
    session.add(rule)
    session.flush()
    return rule


def delete_rule(*, session: Session, agency_id: int, client_id: int, rule_id: int) -> None:
    """Remove one of the client's rules."""
    rule = session.get(ModerationRule, rule_id)
    if rule is None or (rule.agency_id, rule.client_id) != (agency_id, client_id):
        raise NotFound(N_("No such rule."))
    session.delete(rule)
