"""Domain errors that the web edge turns into messages and HTTP statuses."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for translation; the web edge translates it when it shows it."""
    return message


class DomainError(Exception):
    """Base of every error a service raises on purpose; message uses %(name)s placeholders."""

    code = "error"
    status = 400

    def __init__(
        self, message: str, *, field: str | None = None, details: dict | None = None, **params: object
    ) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.field = field
        self.params = params
        # Machine-readable extras the API returns beside the message (check results, DST options).
        self.details = details


class NotFound(DomainError):
    """The object does not exist or is not visible to the caller."""

    code = "not_found"
    status = 404


class Conflict(DomainError):
    """The change clashes with existing data (duplicate slug or email, already used link)."""

    code = "conflict"
    status = 409


class Invalid(DomainError):
    """Input is well formed but its values are not acceptable."""

    code = "invalid"
    status = 422


class Forbidden(DomainError):
    """The caller is known and sees the object but may not do this."""

    code = "forbidden"
    status = 403


class Gone(DomainError):
    """A link that existed but expired, was used or was revoked."""

    code = "gone"
    status = 410
