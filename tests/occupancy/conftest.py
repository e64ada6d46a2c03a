"""Fixtures for the occupancy tests: a Butlr answered by `responses`."""

import json

import pytest
import responses

BUTLR = "https://butlr.test"


@pytest.fixture
def butlr_settings(settings):
    settings.BUTLR_API_URL = BUTLR
    settings.BUTLR_CLIENT_ID = "client-id-for-tests"
    settings.BUTLR_CLIENT_SECRET = "very-secret-client-secret"
    settings.BUTLR_RETRIES = 2
    settings.BUTLR_RETRY_BACKOFF = 0.01
    settings.BUTLR_RETRY_AFTER_MAX = 0.5
    settings.BUTLR_CONNECT_TIMEOUT = 0.5
    settings.BUTLR_READ_TIMEOUT = 0.5
    settings.BUTLR_TOKEN_RENEW_MARGIN = 300
    return settings


@pytest.fixture
def butlr_api(butlr_settings):
    """A mocked Butlr whose login hands out numbered tokens valid for an hour."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        issued = []

        def login(request):
            issued.append(f"token-{len(issued) + 1}")
            body = {"access_token": issued[-1], "expires_in": 3600, "token_type": "Bearer"}
            return 200, {}, json.dumps(body)

        mock.add_callback(responses.POST, f"{BUTLR}/api/v2/clients/login", callback=login)
        mock.issued = issued
        yield mock
