"""The one function that hands out a valid ButterflyMX access token."""

import threading
import types
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from residents.butterflymx import client as butterflymx_client
from residents.butterflymx.client import (
    ButterflyMXClient,
    InvalidGrant,
    Unavailable,
    UpstreamTimeout,
    token_refresh,
)
from residents.crypto import token_decrypt
from residents.models import ButterflyMXConnection
from residents.tokens import (
    ReconnectRequired,
    _statements_may_wait_for_a_refresh,
    access_token_get,
    access_token_refresh,
)
from tests.factories import connection_change
from tests.fixtures.scripted_http import HANG, Answer
from tests.residents.conftest import connection_create

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def expire(user):
    connection_change(user, expires_at=timezone.now() + timedelta(seconds=30))


def connection_of(user) -> ButterflyMXConnection:
    return ButterflyMXConnection.objects.get(user=user)


def stored(user) -> tuple[str, str]:
    connection = ButterflyMXConnection.objects.get(user=user)
    return (
        token_decrypt(connection.access_token_ciphertext),
        token_decrypt(connection.refresh_token_ciphertext),
    )


def test_a_fresh_token_is_handed_out_without_refreshing(bmx_sandbox, connected_resident):
    access, _ = stored(connected_resident)
    assert access_token_get(connection=connection_of(connected_resident)) == access
    assert bmx_sandbox.calls("butterflymx.token") == 0


def test_a_token_near_expiry_is_refreshed_with_rotation(bmx_sandbox, connected_resident):
    old_access, old_refresh = stored(connected_resident)
    expire(connected_resident)

    new_access = access_token_get(connection=connection_of(connected_resident))

    assert bmx_sandbox.calls("butterflymx.token") == 1
    assert new_access != old_access
    access, refresh = stored(connected_resident)
    assert (access, refresh != old_refresh) == (new_access, True)
    assert len(ButterflyMXClient(new_access).tenants()) == 3
    connection = ButterflyMXConnection.objects.get(user=connected_resident)
    assert connection.expires_at > timezone.now() + timedelta(hours=23)
    with pytest.raises(InvalidGrant):
        token_refresh(refresh_token=old_refresh)  # rotation: the old one is dead


def test_a_rejected_token_is_refreshed_once(bmx_sandbox, connected_resident):
    old_access, _ = stored(connected_resident)

    new_access = access_token_refresh(
        connection=connection_of(connected_resident), rejected=old_access
    )
    again = access_token_refresh(connection=connection_of(connected_resident), rejected=old_access)

    assert new_access != old_access
    assert again == new_access  # someone already refreshed: no second call
    assert bmx_sandbox.calls("butterflymx.token") == 1


def test_a_refused_refresh_asks_for_reconnect(bmx_sandbox, connected_resident, client):
    expire(connected_resident)
    bmx_sandbox.fault(
        endpoint="butterflymx.token",
        kind="status",
        status=400,
        body={"error": "invalid_grant", "error_description": "revoked"},
        times=1,
    )
    with pytest.raises(ReconnectRequired):
        access_token_get(connection=connection_of(connected_resident))
    with pytest.raises(ReconnectRequired):
        access_token_get(connection=connection_of(connected_resident))  # no second attempt upstream
    assert bmx_sandbox.calls("butterflymx.token") == 1
    assert ButterflyMXConnection.objects.get(user=connected_resident).needs_reconnect

    client.force_login(connected_resident)
    page = client.get(reverse("home")).content.decode()
    assert "Reconnect ButterflyMX" in page


def test_butterflymx_down_during_refresh_keeps_the_tokens(bmx_sandbox, connected_resident):
    before = stored(connected_resident)
    expire(connected_resident)
    bmx_sandbox.fault(endpoint="butterflymx.token", kind="status", status=503)

    with pytest.raises(Unavailable):
        access_token_get(connection=connection_of(connected_resident))

    assert stored(connected_resident) == before
    assert not ButterflyMXConnection.objects.get(user=connected_resident).needs_reconnect


def test_concurrent_requests_refresh_exactly_once(bmx_sandbox, connected_resident):
    if db_connection.vendor == "sqlite":
        pytest.skip("row locks need PostgreSQL; .ci/run runs this on PostgreSQL")
    expire(connected_resident)
    bmx_sandbox.fault(endpoint="butterflymx.token", latency_ms=200)
    results, errors = [], []
    start = threading.Barrier(8)

    def ask():
        try:
            start.wait()
            results.append(access_token_get(connection=connection_of(connected_resident)))
        except Exception as exc:
            errors.append(exc)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(results) == 8
    assert len(set(results)) == 1
    assert bmx_sandbox.calls("butterflymx.token") == 1
    assert stored(connected_resident)[0] == results[0]


def test_the_token_endpoint_is_waited_for_longer_than_the_api(
    bmx_sandbox, connected_resident, settings
):
    settings.BUTTERFLYMX_READ_TIMEOUT = 0.2
    settings.BUTTERFLYMX_TOKEN_READ_TIMEOUT = 3
    old_access, _ = stored(connected_resident)
    expire(connected_resident)
    bmx_sandbox.fault(endpoint="butterflymx.token", latency_ms=400, times=1)

    new_access = access_token_get(connection=connection_of(connected_resident))

    assert new_access != old_access
    assert bmx_sandbox.calls("butterflymx.token") == 1


def test_a_refresh_answered_too_late_is_sent_once_more_with_the_same_token(
    bmx_sandbox, connected_resident, settings
):
    # The first request waits in ButterflyMX past our timeout; the second, with the same
    # refresh token, is handled first, so the token was not yet spent and works.
    settings.BUTTERFLYMX_TOKEN_READ_TIMEOUT = 0.3
    old_access, _ = stored(connected_resident)
    expire(connected_resident)
    bmx_sandbox.fault(endpoint="butterflymx.token", latency_ms=900, times=1)

    new_access = access_token_get(connection=connection_of(connected_resident))

    assert new_access != old_access
    assert stored(connected_resident)[0] == new_access
    assert not connection_of(connected_resident).needs_reconnect
    assert bmx_sandbox.calls("butterflymx.token") == 2
    assert len(ButterflyMXClient(new_access).tenants()) == 3


@pytest.fixture
def token_endpoint(scripted_http, settings, resident):
    """A ButterflyMX accounts host that answers from a script, and the resident connected
    with a pair that is due for a refresh."""
    settings.BUTTERFLYMX_ACCOUNTS_URL = scripted_http.url
    settings.BUTTERFLYMX_TOKEN_READ_TIMEOUT = 0.2
    person = types.SimpleNamespace(pk=7, email="rosa@example.com")
    tokens = {"access_token": "old-access", "refresh_token": "old-refresh", "expires_in": 30}
    connection_create(user=resident, person=person, tokens=tokens)
    yield scripted_http
    butterflymx_client._session.close()


def test_a_refresh_whose_answer_was_lost_twice_asks_for_reconnect(token_endpoint, resident):
    # ButterflyMX handled the first request (the token is spent), then refuses the second.
    refused = Answer(400, body={"error": "invalid_grant", "error_description": "spent"})
    token_endpoint.script(HANG, refused)

    with pytest.raises(ReconnectRequired):
        access_token_get(connection=connection_of(resident))

    assert token_endpoint.requests == [("POST", "/oauth/token")] * 2
    assert connection_of(resident).needs_reconnect


def test_a_refresh_that_times_out_twice_keeps_the_tokens(token_endpoint, resident):
    token_endpoint.script(HANG, HANG)

    with pytest.raises(UpstreamTimeout):
        access_token_get(connection=connection_of(resident))

    assert len(token_endpoint.requests) == 2
    assert stored(resident) == ("old-access", "old-refresh")
    assert not connection_of(resident).needs_reconnect


def test_a_refresh_lets_statements_wait_for_it_on_postgresql(connected_resident, settings):
    if db_connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's statement timeout; .ci/run runs this on PostgreSQL")
    settings.BUTTERFLYMX_CONNECT_TIMEOUT, settings.BUTTERFLYMX_TOKEN_READ_TIMEOUT = 3, 15
    with transaction.atomic(), db_connection.cursor() as cursor:
        _statements_may_wait_for_a_refresh()
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "41s"
