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
}


def render(kind: str, params: dict, locale: str | None) -> tuple[str, str]:
    """(subject, sentence) of a notification in the locale (English when unknown)."""
    texts = TEXTS.get(kind)
    if texts is None:
        return kind, kind
    subject, sentence = texts.get(locale or "en", texts["en"])
    safe = {key: params.get(key, "") for key in ("handle", "network", "reason", "client", "accounts")}
    return subject % safe, sentence % safe
