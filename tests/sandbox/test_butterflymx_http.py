"""The sandbox ButterflyMX over real HTTP, as the client and a browser reach it."""

import base64
import hashlib
import re
import secrets
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def bearer(tokens: dict) -> dict:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_fixture_points_the_client_settings_at_the_live_sandbox(bmx_sandbox, live_server, settings):
    assert bmx_sandbox.accounts_url == settings.BUTTERFLYMX_ACCOUNTS_URL
    assert bmx_sandbox.api_url == settings.BUTTERFLYMX_API_URL
    assert bmx_sandbox.api_url == f"{live_server.url}/sandbox/butterflymx/api"
    callback = f"{live_server.url}/accounts/butterflymx/login/callback/"
    assert callback in settings.SANDBOX_BUTTERFLYMX_REDIRECT_URIS
    assert (
        "http://testserver/accounts/butterflymx/login/callback/"
        in settings.SANDBOX_BUTTERFLYMX_REDIRECT_URIS
    )


def test_the_whole_oauth_dance_and_api_over_http(bmx_sandbox, live_server, settings):
    callback = f"{live_server.url}/accounts/butterflymx/login/callback/"
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    browser = requests.Session()
    params = {
        "client_id": settings.BUTTERFLYMX_CLIENT_ID,
        "redirect_uri": callback,
        "response_type": "code",
        "state": "s-42",
        "scope": "public",
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
    }
    page = browser.get(f"{bmx_sandbox.accounts_url}/oauth/authorize", params=params, timeout=5)
    assert page.status_code == 200
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    approved = browser.post(
        f"{bmx_sandbox.accounts_url}/oauth/authorize",
        data={
            **params,
            "csrfmiddlewaretoken": csrf,
            "person": bmx_sandbox.world.pat.pk,
            "decision": "approve",
        },
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=5,
    )
    assert approved.status_code == 302
    query = parse_qs(urlsplit(approved.headers["Location"]).query)
    assert query["state"] == ["s-42"]

    tokens = requests.post(
        f"{bmx_sandbox.accounts_url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": callback,
            "code_verifier": verifier,
        },
        auth=(settings.BUTTERFLYMX_CLIENT_ID, settings.BUTTERFLYMX_CLIENT_SECRET),
        timeout=5,
    ).json()
    info = requests.get(
        f"{bmx_sandbox.accounts_url}/oauth/token/info", headers=bearer(tokens), timeout=5
    ).json()
    assert info["resource_owner_id"] == bmx_sandbox.world.pat.pk

    tenants = requests.get(
        f"{bmx_sandbox.api_url}/v4/tenants?scope=self", headers=bearer(tokens), timeout=5
    ).json()["data"]
    assert [t["id"] for t in tenants] == [bmx_sandbox.world.pat_tower.id]
    doors, page_number = [], 1
    while page_number:
        body = requests.get(
            f"{bmx_sandbox.api_url}/v4/access_points",
            params={
                "q[building_id_eq]": tenants[0]["building_id"],
                "per": 100,
                "page": page_number,
            },
            headers=bearer(tokens),
            timeout=5,
        ).json()
        doors += body["data"]
        page_number = body["page_info"]["next_page"]
    assert len(doors) == 130
    released = requests.post(
        f"{bmx_sandbox.api_url}/v4/door_release_requests",
        json={
            "door_release_request": {
                "tenant_id": tenants[0]["id"],
                "access_point_id": doors[-1]["id"],
            }
        },
        headers=bearer(tokens),
        timeout=5,
    )
    assert released.status_code == 201
    assert released.json()["data"]["release_method"] == "api"
    assert bmx_sandbox.calls("butterflymx.access_points") == 2
    assert bmx_sandbox.calls("butterflymx.door_release") == 1

    assert (
        requests.post(
            f"{bmx_sandbox.accounts_url}/oauth/revoke",
            data={"token": tokens["access_token"]},
            timeout=5,
        ).json()
        == {}
    )
    revoked = requests.get(f"{bmx_sandbox.api_url}/v4/tenants", headers=bearer(tokens), timeout=5)
    assert revoked.status_code == 401
    assert revoked.json()["errors"][0]["code"] == "unauthorized"


def test_issued_tokens_work_and_refresh_over_http(bmx_sandbox, settings):
    tokens = bmx_sandbox.issue_tokens(bmx_sandbox.world.rosa, expires_in=600)
    assert tokens["expires_in"] == 600
    assert tokens["token_type"] == "Bearer"
    assert tokens["scope"] == "public"
    response = requests.get(
        f"{bmx_sandbox.api_url}/v4/buildings", headers=bearer(tokens), timeout=5
    )
    assert [b["name"] for b in response.json()["data"]] == [
        "Harbor Point",
        "Elm Street Lofts",
        "Skyline Commons",
    ]
    refresh = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": settings.BUTTERFLYMX_CLIENT_ID,
        "client_secret": settings.BUTTERFLYMX_CLIENT_SECRET,
    }
    url = f"{bmx_sandbox.accounts_url}/oauth/token"
    assert requests.post(url, data=refresh, timeout=5).status_code == 200
    reused = requests.post(url, data=refresh, timeout=5)
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


def test_a_dropped_connection_fails_fast_and_the_next_call_works(bmx_sandbox):
    tokens = bmx_sandbox.issue_tokens(bmx_sandbox.world.rosa)
    bmx_sandbox.fault(endpoint="butterflymx.tenants", kind="drop", times=1)
    session = requests.Session()
    url = f"{bmx_sandbox.api_url}/v4/tenants"
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        session.get(url, headers=bearer(tokens), timeout=(2, 5))
    assert time.monotonic() - started < 2
    assert session.get(url, headers=bearer(tokens), timeout=5).status_code == 200
    assert bmx_sandbox.calls("butterflymx.tenants") == 2


def test_a_hang_outlasts_the_read_timeout(bmx_sandbox):
    tokens = bmx_sandbox.issue_tokens(bmx_sandbox.world.rosa)
    bmx_sandbox.fault(endpoint="butterflymx.devices", kind="hang", hang_seconds=0.8, times=1)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{bmx_sandbox.api_url}/v4/devices", headers=bearer(tokens), timeout=(2, 0.3))


def test_malformed_and_html_bodies_over_http(bmx_sandbox):
    tokens = bmx_sandbox.issue_tokens(bmx_sandbox.world.rosa)
    bmx_sandbox.fault(endpoint="butterflymx.buildings", kind="malformed", times=1)
    bmx_sandbox.fault(endpoint="butterflymx.access_points", kind="html", times=1)
    malformed = requests.get(
        f"{bmx_sandbox.api_url}/v4/buildings", headers=bearer(tokens), timeout=5
    )
    assert malformed.status_code == 200
    with pytest.raises(requests.exceptions.JSONDecodeError):
        malformed.json()
    html = requests.get(
        f"{bmx_sandbox.api_url}/v4/access_points", headers=bearer(tokens), timeout=5
    )
    assert html.status_code == 502
    assert html.headers["Content-Type"].startswith("text/html")
