"""Retries of ButterflyMX calls through the session's urllib3 Retry, against a scripted
HTTP server: GETs are retried after transient failures, a release or token call never."""

import json
import threading
import time
import types
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import urllib3.util.retry

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

TENANTS = {"data": [{"id": 7, "building_id": 1}], "page_info": {"next_page": None}}
HANG_SECONDS = 0.6


class Script:
    """What the server answers, one step per request, and what it was asked."""

    def __init__(self):
        self.steps: list = []
        self.requests: list[tuple[str, str]] = []

    def __call__(self, *steps):
        self.steps.extend(steps)


def _handler(script: Script):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            script.requests.append((self.command, self.path.split("?")[0]))
            step = script.steps.pop(0) if script.steps else (200, {}, TENANTS)
            if step == "drop":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if step == "hang":
                time.sleep(HANG_SECONDS)
                step = (200, {}, TENANTS)
            status, headers, body = step
            payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _answer

    return Handler


@pytest.fixture
def script(settings):
    script = Script()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.BUTTERFLYMX_API_URL = url
    settings.BUTTERFLYMX_ACCOUNTS_URL = url
    settings.BUTTERFLYMX_READ_TIMEOUT = 0.3
    yield script
    bmx._session.close()
    server.shutdown()
    server.server_close()


@pytest.fixture
def sleeps(monkeypatch):
    """The waits urllib3 would make between attempts, recorded instead of slept."""
    waited: list[float] = []
    fake = types.SimpleNamespace(sleep=waited.append, time=time.time, monotonic=time.monotonic)
    monkeypatch.setattr(urllib3.util.retry, "time", fake)
    return waited


@pytest.fixture
def client():
    return ButterflyMXClient("a-token")


def test_a_get_is_retried_after_transient_statuses(script, client, sleeps):
    script((503, {}, {"errors": []}), (502, {}, "<html>bad gateway</html>"))

    assert [tenant.id for tenant in client.tenants()] == [7]
    assert len(script.requests) == 3
    assert len(sleeps) == 1  # urllib3 retries the first time at once, then backs off
    assert all(0 < wait <= bmx.MAX_WAIT_SECONDS for wait in sleeps)


def test_a_get_is_retried_after_a_dropped_connection(script, client, sleeps):
    script("drop")

    assert len(client.tenants()) == 1
    assert len(script.requests) == 2


def test_retries_are_bounded(script, client, sleeps):
    script(*[(504, {}, {"errors": []})] * 5)

    with pytest.raises(Unavailable) as raised:
        client.tenants()

    assert raised.value.status == 504
    assert len(script.requests) == 1 + bmx.MAX_RETRIES


def test_a_get_that_timed_out_is_not_repeated(script, client, sleeps):
    script("hang")

    with pytest.raises(UpstreamTimeout):
        client.tenants()

    assert len(script.requests) == 1


def test_a_client_error_is_not_retried(script, client, sleeps):
    script((401, {}, {"errors": [{"code": "unauthorized"}]}))

    with pytest.raises(Unauthorized):
        client.tenants()

    assert len(script.requests) == 1


@pytest.mark.parametrize(
    "failure",
    [(503, {}, {"errors": []}), (429, {"Retry-After": "0"}, {"errors": []}), "drop", "hang"],
)
def test_a_door_release_is_never_retried(script, client, sleeps, failure):
    script(failure)

    with pytest.raises(ButterflyMXError):
        client.door_release(tenant_id=1, kind=DoorKind.ACCESS_POINT, door_id=2)

    assert script.requests == [("POST", "/v4/door_release_requests")]
    assert sleeps == []


def test_a_token_refresh_is_never_retried(script, sleeps):
    script((503, {}, {"error": "temporarily_unavailable"}))

    with pytest.raises(Unavailable):
        token_refresh(refresh_token="a-refresh-token")

    assert script.requests == [("POST", "/oauth/token")]


def test_retry_after_is_honoured(script, client, sleeps):
    script((429, {"Retry-After": "1"}, {"errors": []}))

    assert len(client.tenants()) == 1
    assert sleeps == [1.0]


def test_retry_after_as_a_date_is_honoured(script, client, sleeps):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
    script((429, {"Retry-After": when}, {"errors": []}))

    assert len(client.tenants()) == 1
    assert len(sleeps) == 1 and 0 < sleeps[0] <= bmx.MAX_WAIT_SECONDS


def test_a_long_retry_after_fails_at_once(script, client, sleeps):
    script((429, {"Retry-After": "30"}, {"errors": []}))

    with pytest.raises(RateLimited) as raised:
        client.tenants()

    assert raised.value.retry_after == 30.0
    assert len(script.requests) == 1
    assert sleeps == []
