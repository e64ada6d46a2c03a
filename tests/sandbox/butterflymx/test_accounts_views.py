"""The sandbox ButterflyMX accounts host: authorize and consent, token, refresh, revoke, info."""

import base64
import hashlib
import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from sandbox.butterflymx.models import AccessToken, AuthorizationCode, Device, Person, Tenant
from sandbox.butterflymx.world import ELM_STREET, HARBOR_POINT

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])

ACCOUNTS = "/sandbox/butterflymx/accounts"
API = "/sandbox/butterflymx/api"
CALLBACK = "https://foyer.example/accounts/butterflymx/login/callback/"
CLIENT_ID = "test-client"
CLIENT_SECRET = "test-client-secret"


@pytest.fixture(autouse=True)
def _oauth_client(settings):
    settings.SANDBOX_BUTTERFLYMX_CLIENT_ID = CLIENT_ID
    settings.SANDBOX_BUTTERFLYMX_CLIENT_SECRET = CLIENT_SECRET
    settings.SANDBOX_BUTTERFLYMX_REDIRECT_URIS = [CALLBACK]
    settings.SANDBOX_BUTTERFLYMX_TOKEN_LIFETIME = 86400


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(**overrides) -> dict:
    return {
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "state": "state-123",
        "scope": "public",
        **overrides,
    }


def redirect_query(response) -> dict:
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(CALLBACK)
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def approve(client, person, **overrides) -> str:
    params = authorize_params(**overrides)
    response = client.post(
        f"{ACCOUNTS}/oauth/authorize", {**params, "person": person.pk, "decision": "approve"}
    )
    query = redirect_query(response)
    assert query["state"] == params["state"]
    return query["code"]


def token_post(client, data: dict, **extra):
    credentials = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    return client.post(f"{ACCOUNTS}/oauth/token", {**credentials, **data}, **extra)


def exchange(client, code, verifier, **overrides):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
        **overrides,
    }
    return token_post(client, data)


def client_tokens(client, person) -> dict:
    verifier, challenge = pkce_pair()
    code = approve(client, person, code_challenge=challenge, code_challenge_method="S256")
    response = exchange(client, code, verifier)
    assert response.status_code == 200
    return response.json()


def api_status(client, access_token) -> int:
    headers = {"Authorization": f"Bearer {access_token}"}
    return client.get(f"{API}/v4/tenants", headers=headers).status_code


def oauth_error(response, status: int, error: str) -> None:
    assert response.status_code == status
    body = response.json()
    assert body["error"] == error
    assert body["error_description"]


# Authorize and consent.


def test_consent_page_lists_people_with_labels_and_keeps_the_request(client, bmx_world):
    _verifier, challenge = pkce_pair()
    response = client.get(
        f"{ACCOUNTS}/oauth/authorize",
        authorize_params(code_challenge=challenge, code_challenge_method="S256"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    for person in bmx_world.people:
        assert f'<label class="check" for="person-{person.pk}">' in page
        assert f'id="person-{person.pk}"' in page
        assert person.email in page
    assert "<legend>Who are you?</legend>" in page
    assert f'value="{challenge}"' in page
    assert 'value="state-123"' in page
    assert "csrfmiddlewaretoken" in page


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "someone-else"},
        {"redirect_uri": "https://evil.example/callback"},
        {"redirect_uri": CALLBACK.rstrip("/")},
        {"redirect_uri": ""},
    ],
)
def test_unknown_client_or_redirect_uri_shows_an_error_page_and_never_redirects(
    client, bmx_world, overrides
):
    for method in (client.get, client.post):
        response = method(
            f"{ACCOUNTS}/oauth/authorize",
            {**authorize_params(**overrides), "person": bmx_world.rosa.pk, "decision": "approve"},
        )
        assert response.status_code == 400
        assert "Location" not in response
        assert b"cannot be used" in response.content
    assert not AuthorizationCode.objects.exists()


def test_redirect_uris_are_read_at_request_time(client, settings, bmx_world):
    other = "http://testserver/accounts/butterflymx/login/callback/"
    assert (
        client.get(f"{ACCOUNTS}/oauth/authorize", authorize_params(redirect_uri=other)).status_code
        == 400
    )
    settings.SANDBOX_BUTTERFLYMX_REDIRECT_URIS = [CALLBACK, other]
    response = client.get(f"{ACCOUNTS}/oauth/authorize", authorize_params(redirect_uri=other))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "admin"}, "invalid_scope"),
        ({"code_challenge": "abc", "code_challenge_method": "S512"}, "invalid_request"),
        ({"code_challenge_method": "S256"}, "invalid_request"),
    ],
)
def test_bad_authorization_requests_are_refused_on_the_redirect_uri(
    client, bmx_world, overrides, error
):
    response = client.get(f"{ACCOUNTS}/oauth/authorize", authorize_params(**overrides))
    query = redirect_query(response)
    assert query["error"] == error
    assert query["state"] == "state-123"
    assert "code" not in query


def test_deny_redirects_with_access_denied_and_state(client, bmx_world):
    response = client.post(
        f"{ACCOUNTS}/oauth/authorize",
        {**authorize_params(), "person": bmx_world.rosa.pk, "decision": "deny"},
    )
    query = redirect_query(response)
    assert query["error"] == "access_denied"
    assert query["state"] == "state-123"
    assert "code" not in query
    assert not AuthorizationCode.objects.exists()


@pytest.mark.parametrize("person", [None, "", "abc", "²", "999999"])
def test_approve_without_choosing_a_known_person_asks_again(client, bmx_world, person):
    form = {**authorize_params(), "decision": "approve"}
    if person is not None:
        form["person"] = person
    response = client.post(f"{ACCOUNTS}/oauth/authorize", form)
    assert response.status_code == 400
    assert b'role="alert"' in response.content
    assert not AuthorizationCode.objects.exists()


def test_approve_keeps_an_existing_query_on_the_redirect_uri(client, settings, bmx_world):
    callback = f"{CALLBACK}?tenant=foyer"
    settings.SANDBOX_BUTTERFLYMX_REDIRECT_URIS = [callback]
    response = client.post(
        f"{ACCOUNTS}/oauth/authorize",
        {
            **authorize_params(redirect_uri=callback),
            "person": bmx_world.sam.pk,
            "decision": "approve",
        },
    )
    query = redirect_query(response)
    assert query["tenant"] == "foyer"
    assert query["code"]


def test_consent_works_with_csrf_checks_as_in_a_browser(bmx_world):
    browser = Client(enforce_csrf_checks=True)
    params = authorize_params()
    form = {**params, "person": bmx_world.rosa.pk, "decision": "approve"}
    assert browser.post(f"{ACCOUNTS}/oauth/authorize", form).status_code == 403
    page = browser.get(f"{ACCOUNTS}/oauth/authorize", params)
    token = page.context["csrf_token"]
    response = browser.post(
        f"{ACCOUNTS}/oauth/authorize", {**form, "csrfmiddlewaretoken": str(token)}
    )
    assert redirect_query(response)["code"]


# A new made-up resident.


def approve_as_newcomer(client) -> Person:
    verifier, challenge = pkce_pair()
    params = authorize_params(code_challenge=challenge, code_challenge_method="S256")
    response = client.post(
        f"{ACCOUNTS}/oauth/authorize", {**params, "person": "new", "decision": "approve"}
    )
    code = redirect_query(response)["code"]
    grant = AuthorizationCode.objects.get(code_hash=hashlib.sha256(code.encode()).hexdigest())
    tokens = exchange(client, code, verifier).json()
    tenants = client.get(
        f"{API}/v4/tenants", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert tenants.status_code == 200
    assert {int(item["id"]) for item in tenants.json()["data"]} == set(
        Tenant.objects.filter(person=grant.person).values_list("id", flat=True)
    )
    return grant.person


def test_consent_page_offers_a_new_made_up_resident(client, bmx_world):
    page = client.get(f"{ACCOUNTS}/oauth/authorize", authorize_params()).content.decode()

    assert '<input type="radio" id="person-new" name="person" value="new">' in page
    assert "A new made-up resident" in page
    assert 'value="new" checked' not in page


def test_a_new_made_up_resident_gets_a_home_in_each_demo_building(client, bmx_world):
    seeded = set(Person.objects.values_list("pk", flat=True))

    newcomer = approve_as_newcomer(client)

    assert newcomer.pk not in seeded
    assert newcomer.email == "newcomer-1@sandbox.example"
    assert newcomer.first_name and newcomer.last_name
    tenancies = Tenant.objects.filter(person=newcomer).select_related("unit")
    assert sorted(t.building_id for t in tenancies) == sorted([HARBOR_POINT, ELM_STREET])
    for tenancy in tenancies:
        assert tenancy.unit.building_id == tenancy.building_id
        assert not Tenant.objects.filter(unit=tenancy.unit).exclude(person=newcomer).exists()
        assert Device.objects.filter(unit=tenancy.unit, type="smart_lock").count() == 1


def test_any_number_of_newcomers_each_get_their_own_person_and_homes(client, bmx_world):
    newcomers = [approve_as_newcomer(client) for _ in range(5)]

    assert len({person.pk for person in newcomers}) == 5
    assert [person.email for person in newcomers] == [
        f"newcomer-{number}@sandbox.example" for number in range(1, 6)
    ]
    for building in (HARBOR_POINT, ELM_STREET):
        units = Tenant.objects.filter(person__in=newcomers, building_id=building)
        labels = units.values_list("unit__label", flat=True)
        assert sorted(labels) == ["101", "102", "103", "104", "105"]
    # The seeded people are still there, untouched, and the newcomers are offered next time.
    page = client.get(f"{ACCOUNTS}/oauth/authorize", authorize_params()).content.decode()
    for person in [*bmx_world.people, *newcomers]:
        assert f'id="person-{person.pk}"' in page


def test_denying_as_a_new_made_up_resident_creates_no_one(client, bmx_world):
    before = Person.objects.count()
    response = client.post(
        f"{ACCOUNTS}/oauth/authorize", {**authorize_params(), "person": "new", "decision": "deny"}
    )

    assert redirect_query(response)["error"] == "access_denied"
    assert Person.objects.count() == before
    assert not AuthorizationCode.objects.exists()


# The authorization code grant.


def test_code_exchange_with_s256_pkce_returns_doorkeeper_tokens(client, bmx_world):
    verifier, challenge = pkce_pair()
    code = approve(client, bmx_world.rosa, code_challenge=challenge, code_challenge_method="S256")
    response = exchange(client, code, verifier)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "scope",
        "created_at",
    }
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 86400
    assert body["scope"] == "public"
    assert abs(body["created_at"] - timezone.now().timestamp()) < 5
    assert body["access_token"] != body["refresh_token"]
    assert api_status(client, body["access_token"]) == 200
    # Only hashes are stored.
    row = AccessToken.objects.get()
    assert body["access_token"] not in (row.token_hash, row.refresh_token_hash)


def test_plain_pkce_is_supported(client, bmx_world):
    code = approve(
        client,
        bmx_world.rosa,
        code_challenge="plain-verifier-" + "x" * 40,
        code_challenge_method="plain",
    )
    oauth_error(exchange(client, code, "wrong"), 400, "invalid_grant")
    code = approve(
        client,
        bmx_world.rosa,
        code_challenge="plain-verifier-" + "x" * 40,
        code_challenge_method="plain",
    )
    assert exchange(client, code, "plain-verifier-" + "x" * 40).status_code == 200


def test_pkce_verifier_mismatch_is_invalid_grant(client, bmx_world):
    _verifier, challenge = pkce_pair()
    code = approve(client, bmx_world.rosa, code_challenge=challenge, code_challenge_method="S256")
    other_verifier, _ = pkce_pair()
    oauth_error(exchange(client, code, other_verifier), 400, "invalid_grant")


def test_missing_pkce_verifier_is_invalid_grant(client, bmx_world):
    _verifier, challenge = pkce_pair()
    code = approve(client, bmx_world.rosa, code_challenge=challenge, code_challenge_method="S256")
    oauth_error(exchange(client, code, ""), 400, "invalid_grant")


def test_a_code_works_once(client, bmx_world):
    verifier, challenge = pkce_pair()
    code = approve(client, bmx_world.rosa, code_challenge=challenge, code_challenge_method="S256")
    assert exchange(client, code, verifier).status_code == 200
    oauth_error(exchange(client, code, verifier), 400, "invalid_grant")
    assert AccessToken.objects.count() == 1


def test_a_code_expires_after_ten_minutes(client, bmx_world):
    verifier, challenge = pkce_pair()
    early = approve(client, bmx_world.rosa, code_challenge=challenge, code_challenge_method="S256")
    late = approve(client, bmx_world.rosa, code_challenge=challenge, code_challenge_method="S256")
    with time_machine.travel(timezone.now() + timedelta(minutes=9), tick=False):
        assert exchange(client, early, verifier).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1), tick=False):
        oauth_error(exchange(client, late, verifier), 400, "invalid_grant")


def test_redirect_uri_must_match_the_authorize_request(client, settings, bmx_world):
    other = "https://foyer.example/other/callback/"
    settings.SANDBOX_BUTTERFLYMX_REDIRECT_URIS = [CALLBACK, other]
    verifier, challenge = pkce_pair()
    code = approve(client, bmx_world.rosa, code_challenge=challenge, code_challenge_method="S256")
    oauth_error(exchange(client, code, verifier, redirect_uri=other), 400, "invalid_grant")
    oauth_error(exchange(client, code, verifier, redirect_uri=""), 400, "invalid_request")


def test_unknown_code_is_invalid_grant_and_missing_code_invalid_request(client, bmx_world):
    oauth_error(exchange(client, "no-such-code", "x"), 400, "invalid_grant")
    oauth_error(exchange(client, "", "x"), 400, "invalid_request")


@pytest.mark.parametrize(
    "credentials",
    [
        {"client_secret": "wrong"},
        {"client_id": "someone-else"},
        {"client_secret": ""},
    ],
)
def test_bad_client_credentials_are_invalid_client(client, bmx_world, credentials):
    verifier, challenge = pkce_pair()
    code = approve(client, bmx_world.rosa, code_challenge=challenge, code_challenge_method="S256")
    response = exchange(client, code, verifier, **credentials)
    oauth_error(response, 401, "invalid_client")
    assert "WWW-Authenticate" in response
    # The code was not spent by the failed attempt.
    assert exchange(client, code, verifier).status_code == 200


def test_client_secret_by_http_basic_works(client, bmx_world):
    verifier, challenge = pkce_pair()
    code = approve(client, bmx_world.rosa, code_challenge=challenge, code_challenge_method="S256")
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    wrong = base64.b64encode(f"{CLIENT_ID}:nope".encode()).decode()
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
    }
    url = f"{ACCOUNTS}/oauth/token"
    oauth_error(
        client.post(url, data, headers={"Authorization": f"Basic {wrong}"}), 401, "invalid_client"
    )
    oauth_error(
        client.post(url, data, headers={"Authorization": "Basic %%%"}), 401, "invalid_client"
    )
    response = client.post(url, data, headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 200
    assert api_status(client, response.json()["access_token"]) == 200


@pytest.mark.parametrize(
    ("grant_type", "error"), [("", "invalid_request"), ("password", "unsupported_grant_type")]
)
def test_grant_type_is_checked(client, bmx_world, grant_type, error):
    oauth_error(token_post(client, {"grant_type": grant_type}), 400, error)


def test_token_endpoint_only_takes_post(client, bmx_world):
    assert client.get(f"{ACCOUNTS}/oauth/token").status_code == 405


# Refresh with rotation.


def test_refresh_rotates_and_the_old_refresh_token_stops_working(client, settings, bmx_world):
    settings.SANDBOX_BUTTERFLYMX_TOKEN_LIFETIME = 7200
    first = client_tokens(client, bmx_world.rosa)
    response = token_post(
        client, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert response.status_code == 200
    second = response.json()
    assert second["expires_in"] == 7200
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert api_status(client, second["access_token"]) == 200
    # Rotated: the old refresh token is dead at once...
    oauth_error(
        token_post(
            client, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
        ),
        400,
        "invalid_grant",
    )
    # ...and the new one works exactly once more.
    third = token_post(
        client, {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}
    )
    assert third.status_code == 200
    # The old access token lives on until its own expiry.
    assert api_status(client, first["access_token"]) == 200


def test_refresh_checks_client_and_token(client, bmx_world):
    tokens = client_tokens(client, bmx_world.rosa)
    data = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    oauth_error(token_post(client, {**data, "client_secret": "wrong"}), 401, "invalid_client")
    oauth_error(token_post(client, {**data, "refresh_token": ""}), 400, "invalid_request")
    oauth_error(token_post(client, {**data, "refresh_token": "bogus"}), 400, "invalid_grant")
    assert token_post(client, data).status_code == 200


def test_access_token_lifetime_comes_from_settings_and_expires(client, settings, bmx_world):
    settings.SANDBOX_BUTTERFLYMX_TOKEN_LIFETIME = 120
    tokens = client_tokens(client, bmx_world.rosa)
    assert tokens["expires_in"] == 120
    with time_machine.travel(timezone.now() + timedelta(seconds=119), tick=False):
        assert api_status(client, tokens["access_token"]) == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=121), tick=False):
        response = client.get(
            f"{API}/v4/tenants", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
        assert response.status_code == 401
        assert response.json()["errors"][0]["code"] == "unauthorized"
        # An expired access token can still be refreshed.
        refreshed = token_post(
            client, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        )
        assert refreshed.status_code == 200


# Revoke.


@pytest.mark.parametrize("which", ["access_token", "refresh_token"])
def test_revoke_kills_both_tokens_of_the_pair(client, bmx_world, which):
    tokens = client_tokens(client, bmx_world.rosa)
    response = client.post(f"{ACCOUNTS}/oauth/revoke", {"token": tokens[which]})
    assert response.status_code == 200
    assert response.json() == {}
    assert api_status(client, tokens["access_token"]) == 401
    oauth_error(
        token_post(
            client, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        ),
        400,
        "invalid_grant",
    )


def test_revoke_answers_200_for_unknown_or_missing_tokens(client, bmx_world):
    tokens = client_tokens(client, bmx_world.rosa)
    for data in ({"token": "unknown"}, {}):
        response = client.post(f"{ACCOUNTS}/oauth/revoke", data)
        assert response.status_code == 200
        assert response.json() == {}
    assert api_status(client, tokens["access_token"]) == 200


# Token info.


def test_token_info_identifies_the_person(client, bmx_world):
    tokens = client_tokens(client, bmx_world.sam)
    response = client.get(
        f"{ACCOUNTS}/oauth/token/info",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["resource_owner_id"] == bmx_world.sam.pk
    assert body["scope"] == ["public"]
    assert 86390 <= body["expires_in"] <= 86400
    assert body["application"] == {"uid": CLIENT_ID}
    assert body["created_at"] == tokens["created_at"]


@pytest.mark.parametrize("authorization", ["", "Bearer ", "Bearer nope", "Basic abc"])
def test_token_info_rejects_bad_tokens(client, bmx_world, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get(f"{ACCOUNTS}/oauth/token/info", headers=headers)
    oauth_error(response, 401, "invalid_token")


def test_token_info_rejects_a_revoked_token(client, bmx_world):
    tokens = client_tokens(client, bmx_world.rosa)
    client.post(f"{ACCOUNTS}/oauth/revoke", {"token": tokens["access_token"]})
    response = client.get(
        f"{ACCOUNTS}/oauth/token/info",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    oauth_error(response, 401, "invalid_token")
