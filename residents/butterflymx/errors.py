"""Typed errors raised by the ButterflyMX client, each one a view can turn into a message."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One entry of ButterflyMX's ``{"errors": [{field, code, message}]}`` envelope."""

    field: str | None
    code: str | None
    message: str | None


class ButterflyMXError(Exception):
    """A ButterflyMX call failed. ``str()`` is safe to log: it never holds a token."""

    default_message = "The ButterflyMX request failed."

    def __init__(
        self, message: str | None = None, *, status: int | None = None, code: str | None = None
    ):
        super().__init__(message or self.default_message)
        self.status = status
        self.code = code


class Unauthorized(ButterflyMXError):
    default_message = "ButterflyMX did not accept the resident's authorization."


class Forbidden(ButterflyMXError):
    default_message = "ButterflyMX refused this action for the resident."


class NotFound(ButterflyMXError):
    default_message = "ButterflyMX does not know this item."


class ValidationFailed(ButterflyMXError):
    default_message = "ButterflyMX rejected the request."

    def __init__(
        self, message: str | None = None, *, errors: tuple[FieldError, ...] = (), **kwargs
    ):
        super().__init__(message, **kwargs)
        self.errors: tuple[FieldError, ...] = tuple(errors)


class RateLimited(ButterflyMXError):
    default_message = "ButterflyMX is receiving too many requests."

    def __init__(self, message: str | None = None, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class Unavailable(ButterflyMXError):
    default_message = "ButterflyMX is unavailable."


class Unreachable(Unavailable):
    """No connection to ButterflyMX could be opened, so the request was never sent."""

    default_message = "ButterflyMX could not be reached."


class UpstreamTimeout(Unavailable):
    """ButterflyMX did not answer in time: for a door release the outcome is unknown."""

    default_message = "ButterflyMX did not answer in time."


class BadResponse(ButterflyMXError):
    default_message = "ButterflyMX sent a response that could not be understood."


class InvalidGrant(ButterflyMXError):
    """The refresh token is no longer valid: the resident has to connect again."""

    default_message = "The ButterflyMX connection has expired; the resident must reconnect."


class OAuthError(ButterflyMXError):
    default_message = "ButterflyMX refused the OAuth request."
