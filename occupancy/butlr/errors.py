"""Typed errors raised by the Butlr client; their text never holds credentials or tokens."""


class ButlrError(Exception):
    """Butlr could not answer the question asked."""


class Unauthorized(ButlrError):
    """Butlr rejected our client credentials or token."""


class RateLimited(ButlrError):
    """Butlr asked us to slow down (429) for longer than we are willing to wait."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(ButlrError):
    """Butlr could not be reached or answered with a server error."""


class UpstreamTimeout(ButlrError):
    """Butlr did not answer in time."""


class BadRequest(ButlrError):
    """Butlr refused the request as malformed (400 and other client errors)."""


class BadResponse(ButlrError):
    """Butlr answered with something we cannot read."""
