"""What each kind of notification says, in Italian and English (for the page and for the email)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "account.needs_reconnect": {
        "en": ("%(handle)s needs reconnecting", "%(handle)s (%(network)s) needs reconnecting: %(reason)s"),
        "it": ("%(handle)s è da ricollegare", "%(handle)s (%(network)s) è da ricollegare: %(reason)s"),
    },
    "onboarding.completed": {
        "en": (
            "%(client)s connected their accounts",
            "%(client)s finished connecting accounts (%(accounts)s connected).",
        ),
        "it": (
            "%(client)s ha collegato i suoi account",
            "%(client)s ha finito di collegare gli account (account collegati: %(accounts)s).",
        ),
    },
    "post.review_requested": {
        "en": ("A post waits for your review", "%(actor)s asks you to review a post: “%(post)s”."),
        "it": ("Un post aspetta la tua revisione", "%(actor)s ti chiede di rivedere un post: “%(post)s”."),
    },
    "post.awaiting_client": {
        "en": ("A post waits for your approval", "Your agency asks you to approve a post: “%(post)s”."),
        "it": (
            "Un post aspetta la tua approvazione",
            "La tua agenzia ti chiede di approvare un post: “%(post)s”.",
        ),
    },
    "post.approved": {
        "en": ("A post was approved", "%(actor)s approved the post “%(post)s”."),
        "it": ("Un post è stato approvato", "%(actor)s ha approvato il post “%(post)s”."),
    },
    "post.rejected": {
        "en": ("A post needs changes", "%(actor)s sent back the post “%(post)s”: %(reason)s"),
        "it": ("Un post va modificato", "%(actor)s ha rimandato indietro il post “%(post)s”: %(reason)s"),
    },
    "post.scheduled": {
        "en": ("A post is scheduled", "%(actor)s scheduled the post “%(post)s”."),
        "it": ("Un post è programmato", "%(actor)s ha programmato il post “%(post)s”."),
    },
    "post.comment": {
        "en": ("New comment on a post", "%(actor)s commented on the post “%(post)s”."),
        "it": ("Nuovo commento su un post", "%(actor)s ha commentato il post “%(post)s”."),
    },
    "post.publish_failed": {
        "en": (
            "A post could not be published on %(handle)s",
            "“%(post)s” was not published on %(handle)s (%(network)s): %(reason)s",
        ),
        "it": (
            "Un post non è stato pubblicato su %(handle)s",
            "“%(post)s” non è stato pubblicato su %(handle)s (%(network)s): %(reason)s",
        ),
    },
    "post.published": {
        "en": (
            "A post of %(client)s is published",
            "The post “%(post)s” of %(client)s is published on %(accounts)s.",
        ),
        "it": (
            "Un post di %(client)s è pubblicato",
            "Il post “%(post)s” di %(client)s è pubblicato su %(accounts)s.",
        ),
    },
    "inbox.mentioned": {
        "en": (
            "%(actor)s mentioned you in the inbox",
            "%(actor)s mentioned you in a note on %(client)s's inbox.",
        ),
        "it": (
            "%(actor)s ti ha menzionato nell'inbox",
            "%(actor)s ti ha menzionato in una nota nell'inbox di %(client)s.",
        ),
    },
    "inbox.assigned": {
        "en": ("An inbox item is yours", "%(actor)s gave you a message of %(author)s in %(client)s's inbox."),
        "it": (
            "Un messaggio è tuo",
            "%(actor)s ti ha assegnato un messaggio di %(author)s nell'inbox di %(client)s.",
        ),
    },
    "inbox.reply_failed": {
        "en": (
            "A reply was not sent",
            "Your reply to %(author)s (%(client)s, %(network)s) was not sent: %(reason)s",
        ),
        "it": (
            "Una risposta non è stata inviata",
            "La tua risposta a %(author)s (%(client)s, %(network)s) non è stata inviata: %(reason)s",
        ),
    },
    "inbox.crisis": {
        "en": (
            "Possible crisis for %(client)s",
            "%(count)s negative messages for %(client)s in the last %(window)s minutes "
            "(usually about %(expected)s).",
        ),
        "it": (
            "Possibile crisi per %(client)s",
            "%(count)s messaggi negativi per %(client)s negli ultimi %(window)s minuti "
            "(di solito circa %(expected)s).",
        ),
    },
}
ONE_CLICK = {
    "en": "Approve or reject with one click (the link works once, for this version of the post): %(link)s",
    "it": "Approva o rifiuta con un clic (il link vale una volta, per questa versione del post): %(link)s",
}
PARAMS = (
    "handle",
    "network",
    "reason",
    "client",
    "accounts",
    "post",
    "actor",
    "author",
    "count",
    "window",
    "expected",
)


def render(kind: str, params: dict, locale: str | None) -> tuple[str, str]:
    """(subject, sentence) of a notification in the locale (English when unknown)."""
    texts = TEXTS.get(kind)
    if texts is None:
        return kind, kind
    subject, sentence = texts.get(locale or "en", texts["en"])
    safe = {key: params.get(key, "") for key in PARAMS}
    return subject % safe, sentence % safe


def link_lines(params: dict) -> list[str]:
    """One line per network a notification points to (a published post's links), for the email."""
    lines = []
    for link in params.get("links") or []:
        account = f"{link.get('name', '')} {link.get('handle', '')}".strip()
        lines.append(f"{account}: {link['url']}" if link.get("url") else account)
    return lines
