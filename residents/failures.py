"""What a ButterflyMX failure means to a resident: one table for pages, taps and history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import ngettext

from residents.butterflymx.errors import (
    BadResponse,
    ButterflyMXError,
    FieldError,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
    Unreachable,
    ValidationFailed,
)
from residents.models import DoorEvent
from residents.tokens import ReconnectRequired

Code = DoorEvent.ErrorCode
Outcome = DoorEvent.Outcome

# The words of a page ButterflyMX could not fill, by the status it is served with.
TOO_LONG = "ButterflyMX is taking too long to answer. Try again in a moment."
NOT_ANSWERING = "ButterflyMX isn't answering right now. Try again in a moment."


@dataclass(frozen=True)
class Failure:
    """One failure, said for a page (``status``, ``page_message``) and for a door that was
    tapped (``outcome``, ``door_message``, recorded in the history as ``code``)."""

    code: DoorEvent.ErrorCode
    outcome: DoorEvent.Outcome
    status: int
    page_message: str
    door_message: str

    @property
    def reconnect(self) -> bool:
        return self.code == Code.RECONNECT


def _code(error: Exception) -> DoorEvent.ErrorCode:
    if isinstance(error, ReconnectRequired | Unauthorized):
        return Code.RECONNECT
    if isinstance(error, Unreachable):
        return Code.UNREACHABLE
    if isinstance(error, BadResponse):
        return Code.BAD_RESPONSE
    if isinstance(error, Unavailable) and error.status is None:
        # Timed out or dropped after it went out, with no answer: a door may have opened.
        return Code.NO_ANSWER
    if isinstance(error, RateLimited):
        return Code.RATE_LIMITED
    if isinstance(error, Forbidden):
        return Code.FORBIDDEN
    if isinstance(error, NotFound):
        return Code.NOT_FOUND
    if isinstance(error, ValidationFailed):
        return Code.REFUSED
    return Code.UNAVAILABLE


def seconds(count: int) -> str:
    """ "1 second", "30 seconds"."""
    return ngettext("%(count)d second", "%(count)d seconds", count) % {"count": count}


def _rate_limited_words(error: Exception) -> str:
    retry_after = getattr(error, "retry_after", None)
    wait = f" in {seconds(int(retry_after))}" if retry_after else " in a moment"
    return f"ButterflyMX is busy. Try again{wait}."


def _refused_words(error: Exception) -> str:
    detail = "; ".join(e.message for e in getattr(error, "errors", ()) if e.message)
    return f"ButterflyMX refused to open it{f': {detail}' if detail else ''}."


# code: (history outcome, page status, page words, door words or a function of the error)
_TABLE: dict[str, tuple[str, int, str, str | Callable[[Exception], str]]] = {
    Code.RECONNECT: (
        Outcome.FAILED,
        200,
        "Reconnect ButterflyMX to see your doors.",
        "ButterflyMX needs you to reconnect before doors open.",
    ),
    Code.UNREACHABLE: (
        Outcome.FAILED,
        503,
        NOT_ANSWERING,
        "Couldn't reach ButterflyMX, so the door didn't open. Try again in a moment.",
    ),
    Code.NO_ANSWER: (
        Outcome.UNCONFIRMED,
        504,
        TOO_LONG,
        "ButterflyMX didn't answer: check the door before trying again.",
    ),
    Code.BAD_RESPONSE: (
        Outcome.UNCONFIRMED,
        502,
        "ButterflyMX sent an answer we couldn't read. Try again in a moment.",
        "ButterflyMX answered in a way we couldn't read: check the door.",
    ),
    Code.RATE_LIMITED: (
        Outcome.FAILED,
        503,
        "ButterflyMX asked us to slow down. Try again in a minute.",
        _rate_limited_words,
    ),
    Code.FORBIDDEN: (
        Outcome.FAILED,
        503,
        NOT_ANSWERING,
        "ButterflyMX says you may not open this door.",
    ),
    Code.NOT_FOUND: (
        Outcome.FAILED,
        503,
        NOT_ANSWERING,
        "ButterflyMX no longer knows this door. Refresh your doors.",
    ),
    Code.REFUSED: (Outcome.FAILED, 503, NOT_ANSWERING, _refused_words),
    Code.UNAVAILABLE: (
        Outcome.FAILED,
        503,
        NOT_ANSWERING,
        "ButterflyMX is having trouble. The door didn't open; try again shortly.",
    ),
}


def failure_for(error: ButterflyMXError | ReconnectRequired) -> Failure:
    """The one reading of a ButterflyMX client error (or a refused refresh)."""
    code = _code(error)
    outcome, status, page_message, door_words = _TABLE[code]
    door_message = door_words(error) if callable(door_words) else door_words
    return Failure(
        code=code,
        outcome=DoorEvent.Outcome(outcome),
        status=status,
        page_message=page_message,
        door_message=door_message,
    )


# What a view catches to hand to failure_for.
FAILURES = (ButterflyMXError, ReconnectRequired)


# What ButterflyMX's refusals of a visitor pass mean, beside the field they concern.
PASS_FIELD_WORDS = {
    "start_time_must_be_before_the_end_time": "The start must be before the end.",
    "end_time_must_be_after_the_start_time": "The end must be after the start.",
    "must_be_less_than_time_to": "The start time must be before the end time.",
    "must_have_an_associated_unit_or_tenant": "ButterflyMX doesn't know your home for this.",
    "delivery_pass_not_enabled": "Your building doesn't take delivery passes.",
}


def pass_field_words(error: FieldError) -> str:
    """A refusal of a visitor pass in the resident's words."""
    if error.code in PASS_FIELD_WORDS:
        return PASS_FIELD_WORDS[error.code]
    return (
        f"ButterflyMX refused this: {error.message}."
        if error.message
        else "ButterflyMX refused this."
    )
