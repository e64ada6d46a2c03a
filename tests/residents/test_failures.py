"""One reading of every ButterflyMX failure, for pages, taps and the history."""

import pytest

from residents.butterflymx.errors import (
    BadResponse,
    ButterflyMXError,
    FieldError,
    Forbidden,
    NotFound,
    OAuthError,
    RateLimited,
    Unauthorized,
    Unavailable,
    Unreachable,
    UpstreamTimeout,
    ValidationFailed,
)
from residents.failures import failure_for
from residents.models import DoorEvent
from residents.tokens import ReconnectRequired

Code, Outcome = DoorEvent.ErrorCode, DoorEvent.Outcome


@pytest.mark.parametrize(
    ("error", "code", "outcome", "status", "door_words"),
    [
        (ReconnectRequired(), Code.RECONNECT, Outcome.FAILED, 200, "needs you to reconnect"),
        (Unauthorized(status=401), Code.RECONNECT, Outcome.FAILED, 200, "needs you to reconnect"),
        (Unreachable(), Code.UNREACHABLE, Outcome.FAILED, 503, "Couldn't reach ButterflyMX"),
        (UpstreamTimeout(), Code.NO_ANSWER, Outcome.UNCONFIRMED, 504, "didn't answer"),
        (Unavailable(), Code.NO_ANSWER, Outcome.UNCONFIRMED, 504, "didn't answer"),
        (BadResponse(status=201), Code.BAD_RESPONSE, Outcome.UNCONFIRMED, 502, "couldn't read"),
        (BadResponse(), Code.BAD_RESPONSE, Outcome.UNCONFIRMED, 502, "couldn't read"),
        (RateLimited(status=429, retry_after=30), Code.RATE_LIMITED, Outcome.FAILED, 503, "in 30"),
        (RateLimited(status=429), Code.RATE_LIMITED, Outcome.FAILED, 503, "in a moment"),
        (Forbidden(status=403), Code.FORBIDDEN, Outcome.FAILED, 503, "may not open"),
        (NotFound(status=404), Code.NOT_FOUND, Outcome.FAILED, 503, "no longer knows"),
        (ValidationFailed(status=422), Code.REFUSED, Outcome.FAILED, 503, "refused to open it."),
        (Unavailable(status=503), Code.UNAVAILABLE, Outcome.FAILED, 503, "having trouble"),
        (OAuthError(status=401), Code.UNAVAILABLE, Outcome.FAILED, 503, "having trouble"),
        (ButterflyMXError(), Code.UNAVAILABLE, Outcome.FAILED, 503, "having trouble"),
    ],
)
def test_each_failure_has_one_reading(error, code, outcome, status, door_words):
    failure = failure_for(error)

    assert (failure.code, failure.outcome, failure.status) == (code, outcome, status)
    assert door_words in failure.door_message
    assert failure.page_message
    assert failure.reconnect == (code == Code.RECONNECT)


def test_a_refusal_says_what_butterflymx_objected_to():
    error = ValidationFailed(
        status=422, errors=(FieldError(field="tenant", code="invalid", message="is inactive"),)
    )

    assert failure_for(error).door_message == "ButterflyMX refused to open it: is inactive."


def test_every_code_reads_in_the_history():
    assert all(label and label != value for value, label in DoorEvent.ErrorCode.choices)


@pytest.mark.parametrize(("wait", "words"), [(1, "in 1 second."), (2, "in 2 seconds.")])
def test_a_wait_reads_right(wait, words):
    assert failure_for(RateLimited(status=429, retry_after=wait)).door_message.endswith(words)
