"""Connecting a ButterflyMX account: the round trip, and every way it can go wrong."""

from datetime import timedelta
from io import StringIO
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import time_machine
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from residents.butterflymx.client import ButterflyMXClient
from residents.butterflymx.provider import ButterflyMXProvider
from residents.crypto import token_decrypt
from residents.models import ButterflyMXConnection
from residents.selectors import connection_for_user
from residents.services import connection_disconnect
from sandbox.butterflymx.models import AccessToken
from tests.factories import UserFactory, connection_change
from tests.residents.butterflymx_flow import callback, connect, connect_start, consent

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def live_tokens(person=None) -> int:
    """Token pairs ButterflyMX would still honour, for one person or everyone."""
    tokens = AccessToken.objects.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
    return tokens.filter(person=person).count() if person else tokens.count()


def assert_nothing_stored(user=None):
    assert not ButterflyMXConnection.objects.filter(**({"user": user} if user else {})).exists()
    assert not SocialAccount.objects.filter(**({"user": user} if user else {})).exists()


def test_connect_round_trip(bmx_sandbox, resident_client, resident):
    rosa = bmx_sandbox.world.rosa
    authorize_url = connect_start(resident_client)
    query = dict(parse_qsl(urlsplit(authorize_url).query))
    assert authorize_url.startswith(bmx_sandbox.accounts_url + "/oauth/authorize")
    assert query["code_challenge_method"] == "S256"
    assert query["scope"] == "public"
    assert query["state"]

    response = callback(resident_client, consent(authorize_url, person=rosa))

    assert response.status_code == 302
    connection = ButterflyMXConnection.objects.get(user=resident)
    assert connection.social_account.uid == str(rosa.pk)
    assert connection.display_name == "Rosa Resident"
    assert not connection.needs_reconnect
    access_token = token_decrypt(connection.access_token_ciphertext)
    tenants = ButterflyMXClient(access_token).tenants()
    assert {tenant.id for tenant in tenants} == {
        bmx_sandbox.world.rosa_harbor.pk,
        bmx_sandbox.world.rosa_elm.pk,
        bmx_sandbox.world.rosa_skyline.pk,
    }
    page = resident_client.get(reverse("account")).content.decode()
    assert "Connected" in page
    assert "Rosa Resident" in page


def test_connecting_lands_on_the_doors(bmx_sandbox, resident_client, resident):
    response = connect(resident_client, person=bmx_sandbox.world.rosa)

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert ButterflyMXConnection.objects.filter(user=resident).exists()


def test_connecting_with_a_single_home_lands_on_its_doors(bmx_sandbox, resident_client):
    sam = bmx_sandbox.world.sam
    response = connect(resident_client, person=sam)

    page = resident_client.get(response.url)
    assert page.status_code == 302
    assert page.url == reverse(
        "doors",
        kwargs={
            "building_id": bmx_sandbox.world.sam_harbor.building_id,
            "tenant_id": bmx_sandbox.world.sam_harbor.pk,
        },
    )


def test_reconnecting_lands_on_the_doors(bmx_sandbox, resident_client, resident):
    connect(resident_client, person=bmx_sandbox.world.rosa)
    connection_change(resident, needs_reconnect=True)

    response = connect(resident_client, person=bmx_sandbox.world.rosa)

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert not ButterflyMXConnection.objects.get(user=resident).needs_reconnect


@pytest.mark.parametrize("reconnect", [False, True])
def test_connecting_from_a_page_lands_back_on_it(bmx_sandbox, resident_client, resident, reconnect):
    if reconnect:
        connect(resident_client, person=bmx_sandbox.world.rosa)
        connection_change(resident, needs_reconnect=True)

    response = connect(resident_client, person=bmx_sandbox.world.rosa, next=reverse("history_home"))

    assert response.status_code == 302
    assert response.url == reverse("history_home")
    assert not ButterflyMXConnection.objects.get(user=resident).needs_reconnect


def test_connecting_never_lands_on_another_site(bmx_sandbox, resident_client):
    response = connect(
        resident_client, person=bmx_sandbox.world.rosa, next="https://evil.example/doors/"
    )

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_tokens_are_never_stored_in_plaintext(bmx_sandbox, resident_client, resident):
    connect(resident_client, person=bmx_sandbox.world.rosa)
    connection = ButterflyMXConnection.objects.get(user=resident)
    secrets = [
        token_decrypt(connection.access_token_ciphertext),
        token_decrypt(connection.refresh_token_ciphertext),
    ]
    dump = StringIO()
    call_command("dumpdata", database="default", stdout=dump)
    sessions = "".join(str(session.get_decoded()) for session in Session.objects.all())
    for secret in secrets:
        assert secret not in dump.getvalue()
        assert secret not in sessions
    assert connection.access_token_ciphertext in dump.getvalue()


def test_sign_up_with_butterflymx_in_one_step(bmx_sandbox, client):
    sam = bmx_sandbox.world.sam
    response = callback(client, consent(connect_start(client, process="login"), person=sam))

    assert response.status_code == 302
    user = get_user_model().objects.get(email=sam.email)
    assert ButterflyMXConnection.objects.get(user=user).social_account.uid == str(sam.pk)
    assert client.get(reverse("home")).wsgi_request.user == user


def test_denying_access_stores_nothing(bmx_sandbox, resident_client, resident):
    redirect = consent(
        connect_start(resident_client), person=bmx_sandbox.world.rosa, decision="deny"
    )
    assert "error=access_denied" in redirect
    response = callback(resident_client, redirect)
    response = resident_client.get(response.url)
    assert "Nothing was saved" in response.content.decode()
    assert_nothing_stored(resident)


@pytest.mark.parametrize("state", [None, "forged-state"])
def test_a_missing_or_wrong_state_is_refused(bmx_sandbox, resident_client, resident, state):
    url = urlsplit(consent(connect_start(resident_client), person=bmx_sandbox.world.rosa))
    params = dict(parse_qsl(url.query))
    del params["state"]
    if state:
        params["state"] = state
    response = resident_client.get(url.path, params)
    assert response.status_code == 401
    assert "Nothing was saved" in response.content.decode()
    assert bmx_sandbox.calls("butterflymx.token") == 0
    assert_nothing_stored(resident)


def test_a_reused_state_and_code_are_refused(bmx_sandbox, resident_client, resident):
    callback_url = consent(connect_start(resident_client), person=bmx_sandbox.world.rosa)
    assert callback(resident_client, callback_url).status_code == 302
    stored = ButterflyMXConnection.objects.get(user=resident).access_token_ciphertext

    replay = callback(resident_client, callback_url)

    assert replay.status_code == 401
    assert ButterflyMXConnection.objects.get(user=resident).access_token_ciphertext == stored
    assert bmx_sandbox.calls("butterflymx.token") == 1


def test_a_code_already_used_elsewhere_is_refused(bmx_sandbox, resident_client, resident, settings):
    callback_url = consent(connect_start(resident_client), person=bmx_sandbox.world.rosa)
    code = dict(parse_qsl(urlsplit(callback_url).query))["code"]
    stolen = requests.post(
        f"{bmx_sandbox.accounts_url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://testserver/accounts/butterflymx/login/callback/",
            "client_id": settings.BUTTERFLYMX_CLIENT_ID,
            "client_secret": settings.BUTTERFLYMX_CLIENT_SECRET,
        },
        timeout=5,
    )
    assert stolen.status_code == 400  # no PKCE verifier: the thief cannot redeem it

    response = callback(resident_client, callback_url)
    assert response.status_code == 302  # and the resident's own exchange still works
    assert ButterflyMXConnection.objects.filter(user=resident).exists()


def test_an_expired_code_is_refused(bmx_sandbox, resident_client, resident):
    callback_url = consent(connect_start(resident_client), person=bmx_sandbox.world.rosa)
    with time_machine.travel(timedelta(minutes=11), tick=True):
        response = callback(resident_client, callback_url)
    assert response.status_code == 401
    assert_nothing_stored(resident)


def test_a_rejected_pkce_verifier_stores_nothing(bmx_sandbox, resident_client, resident):
    authorize_url = connect_start(resident_client)
    tampered = consent(
        authorize_url,
        person=bmx_sandbox.world.rosa,
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    )
    response = callback(resident_client, tampered)
    assert response.status_code == 401
    assert bmx_sandbox.calls("butterflymx.token") == 1
    assert_nothing_stored(resident)


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "status", "status": 503},
        {"kind": "html", "status": 502},
        {"kind": "hang", "hang_seconds": 1.0},
        {"kind": "drop"},
    ],
)
def test_butterflymx_down_or_slow_during_the_exchange(
    bmx_sandbox, resident_client, resident, settings, fault
):
    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 0.3
    callback_url = consent(connect_start(resident_client), person=bmx_sandbox.world.rosa)
    bmx_sandbox.fault(endpoint="butterflymx.token", times=1, **fault)

    response = callback(resident_client, callback_url)

    assert response.status_code == 401
    assert "connect your ButterflyMX account" in response.content.decode()
    assert_nothing_stored(resident)


def test_an_account_connected_to_another_user_is_refused(bmx_sandbox, resident_client, resident):
    rosa = bmx_sandbox.world.rosa
    connect(resident_client, person=rosa)
    first = ButterflyMXConnection.objects.get(user=resident)

    other = UserFactory()
    resident_client.force_login(other)
    response = connect(resident_client, person=rosa)
    page = resident_client.get(response.url, follow=True).content.decode()

    assert "already connected to another Foyer account" in page
    assert_nothing_stored(other)
    after = ButterflyMXConnection.objects.get(user=resident)
    assert after.access_token_ciphertext == first.access_token_ciphertext


def test_reconnecting_replaces_the_tokens(bmx_sandbox, resident_client, resident):
    connect(resident_client, person=bmx_sandbox.world.rosa)
    connection_change(resident, needs_reconnect=True)
    first = ButterflyMXConnection.objects.get(user=resident).access_token_ciphertext

    connect(resident_client, person=bmx_sandbox.world.rosa)

    connection = ButterflyMXConnection.objects.get(user=resident)
    assert not connection.needs_reconnect
    assert connection.access_token_ciphertext != first
    assert SocialAccount.objects.filter(user=resident).count() == 1


def test_an_account_connected_to_another_user_leaves_no_live_tokens(
    bmx_sandbox, resident_client, resident
):
    rosa = bmx_sandbox.world.rosa
    connect(resident_client, person=rosa)
    assert live_tokens(rosa) == 1

    resident_client.force_login(UserFactory())
    connect(resident_client, person=rosa)

    assert live_tokens(rosa) == 1  # the refused connect's fresh pair is revoked
    connection = ButterflyMXConnection.objects.get(user=resident)
    ButterflyMXClient(token_decrypt(connection.access_token_ciphertext)).tenants()


@pytest.mark.parametrize("endpoint", ["butterflymx.token_info", "butterflymx.tenants"])
def test_a_connect_failing_after_the_exchange_leaves_no_live_tokens(
    bmx_sandbox, resident_client, resident, endpoint
):
    callback_url = consent(connect_start(resident_client), person=bmx_sandbox.world.rosa)
    bmx_sandbox.fault(endpoint=endpoint, kind="status", status=503)

    response = callback(resident_client, callback_url)

    assert response.status_code == 401
    assert bmx_sandbox.calls("butterflymx.token") == 1
    assert_nothing_stored(resident)
    assert live_tokens() == 0


def test_reconnecting_revokes_the_replaced_tokens(bmx_sandbox, resident_client, resident):
    rosa = bmx_sandbox.world.rosa
    connect(resident_client, person=rosa)
    connect(resident_client, person=rosa)
    connect(resident_client, person=rosa)

    assert live_tokens(rosa) == 1
    connection = ButterflyMXConnection.objects.get(user=resident)
    ButterflyMXClient(token_decrypt(connection.access_token_ciphertext)).tenants()


def test_connecting_as_another_person_replaces_the_first(bmx_sandbox, resident_client, resident):
    world = bmx_sandbox.world
    connect(resident_client, person=world.rosa)

    connect(resident_client, person=world.sam)

    account = SocialAccount.objects.get(user=resident, provider="butterflymx")
    assert account.uid == str(world.sam.pk)
    assert ButterflyMXConnection.objects.get(user=resident).social_account == account
    assert live_tokens(world.rosa) == 0
    assert live_tokens(world.sam) == 1


def test_after_connecting_two_people_and_disconnecting_neither_signs_in(
    bmx_sandbox, client, resident
):
    world = bmx_sandbox.world
    client.force_login(resident)
    connect(client, person=world.rosa)
    connect(client, person=world.sam)
    connection_disconnect(connection=connection_for_user(user=resident))
    assert not SocialAccount.objects.filter(user=resident).exists()
    assert live_tokens() == 0
    client.logout()

    for person in (world.rosa, world.sam):
        callback(client, consent(connect_start(client, process="login"), person=person))
        assert client.get(reverse("home")).wsgi_request.user != resident
        client.logout()


@pytest.fixture(params=["defaults", "email authentication on"])
def email_settings(request, settings, monkeypatch):
    """Foyer's settings, or every setting that would let a provider's verified email sign
    a person in, with ButterflyMX's emails reported as verified: the guard must hold either
    way."""
    if request.param == "email authentication on":
        settings.SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
        settings.SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
        provider = settings.SOCIALACCOUNT_PROVIDERS["butterflymx"]
        settings.SOCIALACCOUNT_PROVIDERS = {
            "butterflymx": {**provider, "VERIFIED_EMAIL": True, "EMAIL_AUTHENTICATION": True}
        }
        common_fields = ButterflyMXProvider.extract_common_fields
        monkeypatch.setattr(
            ButterflyMXProvider,
            "extract_common_fields",
            lambda self, data: {**common_fields(self, data), "email_verified": True},
        )
    return request.param


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_a_butterflymx_email_never_signs_in_to_an_account_it_is_not_connected_to(
    bmx_sandbox, client, email_settings, role, password, manager
):
    sam = bmx_sandbox.world.sam
    owner = manager if role == "manager" else UserFactory(is_staff=True, is_superuser=True)
    get_user_model().objects.filter(pk=owner.pk).update(email=sam.email)
    EmailAddress.objects.filter(user=owner).update(email=sam.email)

    callback(client, consent(connect_start(client, process="login"), person=sam))

    assert client.get(reverse("home")).wsgi_request.user != owner
    assert not SocialAccount.objects.filter(uid=str(sam.pk)).exists()
    assert not ButterflyMXConnection.objects.exists()
    assert live_tokens(sam) == 0
    owner.refresh_from_db()
    assert owner.check_password(password)  # and nobody's password was wiped
    assert client.login(email=sam.email, password=password)


def test_a_butterflymx_email_matching_another_account_still_connects_from_inside_one(
    bmx_sandbox, resident_client, resident, email_settings, manager
):
    sam = bmx_sandbox.world.sam
    get_user_model().objects.filter(pk=manager.pk).update(email=sam.email)
    EmailAddress.objects.filter(user=manager).update(email=sam.email)

    connect(resident_client, person=sam)

    assert ButterflyMXConnection.objects.get(user=resident).social_account.uid == str(sam.pk)
    assert not SocialAccount.objects.filter(user=manager).exists()


def test_a_sign_up_waiting_for_its_form_keeps_its_tokens(bmx_sandbox, client, monkeypatch):
    """Without an email from ButterflyMX, allauth asks for one on its sign-up form first:
    the pair waits in the session and is stored once the form is sent."""
    sam = bmx_sandbox.world.sam
    common_fields = ButterflyMXProvider.extract_common_fields
    monkeypatch.setattr(
        ButterflyMXProvider,
        "extract_common_fields",
        lambda self, data: {**common_fields(self, data), "email": None},
    )
    response = callback(client, consent(connect_start(client, process="login"), person=sam))
    assert response.url == reverse("socialaccount_signup")
    assert live_tokens(sam) == 1

    response = client.post(reverse("socialaccount_signup"), {"email": "sam@foyer.example"})

    assert response.status_code == 302
    connection = ButterflyMXConnection.objects.get(user__email="sam@foyer.example")
    ButterflyMXClient(token_decrypt(connection.access_token_ciphertext)).tenants()
