"""Retries of ButterflyMX calls through the session's urllib3 Retry, against a scripted
HTTP server: GETs are retried after transient failures, a release or token call never."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from residents.butterflymx import client as bmx
from residents.butterflymx.client import (
    ButterflyMXClient,
    ButterflyMXError,
    DoorKind,
    RateLimited,
    Unauthorized,
    Unavailable,
    UpstreamTimeout,
    token_refresh,
)
from tests.fixtures.scripted_http import DROP, HANG, Answer

TENANTS = {"data": [{"id": 7, "building_id": 1}], "page_info": {"next_page": None}}
DOWN = Answer(503, body={"errors": []})


@pytest.fixture
def server(scripted_http, settings):
    scripted_http.otherwise = Answer(body=TENANTS)
    settings.BUTTERFLYMX_API_URL = scripted_http.url
    settings.BUTTERFLYMX_ACCOUNTS_URL = scripted_http.url
    settings.BUTTERFLYMX_READ_TIMEOUT = 0.3
    yield scripted_http
    bmx._session.close()


@pytest.fixture
def client():
    return ButterflyMXClient("a-token")


def test_a_get_is_retried_after_transient_statuses(server, client, urllib3_waits):
    server.script(DOWN, Answer(502, body="<html>bad gateway</html>"))

    assert [tenant.id for tenant in client.tenants()] == [7]
    assert len(server.requests) == 3
    assert len(urllib3_waits) == 1  # urllib3 retries the first time at once, then backs off
    assert all(0 < wait <= bmx.MAX_WAIT_SECONDS for wait in urllib3_waits)


def test_a_get_is_retried_after_a_dropped_connection(server, client, urllib3_waits):
    server.script(DROP)

    assert len(client.tenants()) == 1
    assert len(server.requests) == 2


def test_retries_are_bounded(server, client, urllib3_waits):
    server.script(otherwise=Answer(504, body={"errors": []}))

    with pytest.raises(Unavailable) as raised:
        client.tenants()

    assert raised.value.status == 504
    assert len(server.requests) == 1 + bmx.MAX_RETRIES


def test_a_get_that_timed_out_is_not_repeated(server, client, urllib3_waits):
    server.script(HANG)

    with pytest.raises(UpstreamTimeout):
        client.tenants()

    assert len(server.requests) == 1


def test_a_client_error_is_not_retried(server, client, urllib3_waits):
    server.script(Answer(401, body={"errors": [{"code": "unauthorized"}]}))

    with pytest.raises(Unauthorized):
        client.tenants()

    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "failure", [DOWN, Answer(429, {"Retry-After": "0"}, {"errors": []}), DROP, HANG]
)
def test_a_door_release_is_never_retried(server, client, urllib3_waits, failure):
    server.script(failure)

    with pytest.raises(ButterflyMXError):
        client.door_release(tenant_id=1, kind=DoorKind.ACCESS_POINT, door_id=2)

    assert server.requests == [("POST", "/v4/door_release_requests")]
    assert urllib3_waits == []


def test_a_token_refresh_is_never_retried(server, urllib3_waits):
    server.script(Answer(503, body={"error": "temporarily_unavailable"}))

    with pytest.raises(Unavailable):
        token_refresh(refresh_token="a-refresh-token")

    assert server.requests == [("POST", "/oauth/token")]


def test_retry_after_is_honoured(server, client, urllib3_waits):
    server.script(Answer(429, {"Retry-After": "1"}, {"errors": []}))

    assert len(client.tenants()) == 1
    assert urllib3_waits == [1.0]


def test_retry_after_as_a_date_is_honoured(server, client, urllib3_waits):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
    server.script(Answer(429, {"Retry-After": when}, {"errors": []}))

    assert len(client.tenants()) == 1
    assert len(urllib3_waits) == 1 and 0 < urllib3_waits[0] <= bmx.MAX_WAIT_SECONDS


def test_a_long_retry_after_fails_at_once(server, client, urllib3_waits):
    server.script(Answer(429, {"Retry-After": "30"}, {"errors": []}))

    with pytest.raises(RateLimited) as raised:
        client.tenants()

    assert raised.value.retry_after == 30.0
    assert len(server.requests) == 1
    assert urllib3_waits == []
