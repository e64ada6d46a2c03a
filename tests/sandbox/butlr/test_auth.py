"""Tests of the Butlr sandbox's logins and bearer tokens."""

import json

import pytest
import requests
import time_machine

from sandbox import faults
from sandbox.butlr.auth import bearer_subject, token_issue, token_subject

pytestmark = pytest.mark.django_db

LOGIN = "/sandbox/butlr/api/v2/clients/login"


@pytest.fixture(autouse=True)
def _fresh_faults():
    faults.reset()
    yield
    faults.reset()


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _credentials(settings, **changes):
    body = {
        "client_id": settings.SANDBOX_BUTLR_CLIENT_ID,
        "client_secret": settings.SANDBOX_BUTLR_CLIENT_SECRET,
        "audience": "https://butlrauth/",
        "grant_type": "client_credentials",
    }
    body.update(changes)
    return body


def test_client_login_issues_a_bearer_token_for_the_configured_lifetime(client, settings):
    settings.SANDBOX_BUTLR_TOKEN_LIFETIME = 1234

    response = _post(client, LOGIN, _credentials(settings))

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 1234
    assert body["scope"]
    assert token_subject(token=body["access_token"]) == settings.SANDBOX_BUTLR_CLIENT_ID


@pytest.mark.parametrize(
    "changes",
    [{"client_secret": "wrong"}, {"client_id": "someone-else"}, {"client_secret": None}],
)
def test_client_login_refuses_wrong_credentials(client, settings, changes):
    response = _post(client, LOGIN, _credentials(settings, **changes))

    assert response.status_code == 401
    assert response.json()["error"] == "access_denied"
    assert "access_token" not in response.json()


def test_client_login_needs_the_client_credentials_grant(client, settings):
    response = _post(client, LOGIN, _credentials(settings, grant_type="password"))

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b""])
def test_client_login_refuses_a_body_that_is_not_a_json_object(client, raw):
    response = client.post(LOGIN, data=raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_client_login_only_answers_post(client):
    assert client.get(LOGIN).status_code == 405


def test_logins_are_counted(client, settings):
    _post(client, LOGIN, _credentials(settings))
    _post(client, LOGIN, _credentials(settings, client_secret="wrong"))

    assert faults.calls_count("butlr.login") == 2


def test_a_token_expires_after_its_lifetime(client, settings):
    settings.SANDBOX_BUTLR_TOKEN_LIFETIME = 60
    with time_machine.travel("2026-03-02 12:00:00Z", tick=False) as traveller:
        token = _post(client, LOGIN, _credentials(settings)).json()["access_token"]
        traveller.shift(59)
        assert token_subject(token=token) == settings.SANDBOX_BUTLR_CLIENT_ID
        traveller.shift(2)
        assert token_subject(token=token) is None


def test_a_tampered_or_foreign_token_is_refused():
    assert token_subject(token="not-a-token") is None
    assert bearer_subject(authorization="Basic abc") is None
    assert bearer_subject(authorization="Bearer ") is None
    assert token_subject(token=token_issue(subject="someone", kind="refresh", lifetime=60)) is None


def test_a_login_fault_answers_instead_of_the_view(client, settings):
    faults.fault_add(endpoint="butlr.login", kind="status", status=503, times=1)

    first = _post(client, LOGIN, _credentials(settings))
    second = _post(client, LOGIN, _credentials(settings))

    assert first.status_code == 503
    assert "error" in first.json()
    assert second.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_client_login_over_http(butlr_sandbox, settings):
    response = requests.post(
        f"{butlr_sandbox.api_url}/api/v2/clients/login",
        json=_credentials(settings),
        timeout=5,
    )

    assert response.status_code == 200
    assert token_subject(token=response.json()["access_token"]) == settings.BUTLR_CLIENT_ID
    assert butlr_sandbox.calls("login") == 1
    assert token_subject(token=butlr_sandbox.token()) == settings.SANDBOX_BUTLR_CLIENT_ID
