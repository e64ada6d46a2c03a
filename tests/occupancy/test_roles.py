"""Who may open the occupancy dashboard: property managers, with a second factor where one
is required."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import AuthenticatorFactory
from tests.production import django_run

pytestmark = pytest.mark.django_db

URL = reverse("occupancy:dashboard")
CSV_URL = reverse("occupancy:dashboard_csv")


@pytest.fixture
def enrolling_client(client, manager_without_second_factor):
    client.force_login(manager_without_second_factor)
    return client


@pytest.mark.parametrize("url", [URL, CSV_URL])
def test_a_manager_without_a_second_factor_is_sent_to_add_one(enrolling_client, url):
    response = enrolling_client.get(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")
    [message] = get_messages(response.wsgi_request)
    assert "need a second factor" in str(message)


def test_the_minute_refresh_leads_the_whole_page_to_add_one(enrolling_client):
    response = enrolling_client.get(URL, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("mfa_index")
    assert response.content == b""


def test_the_enrolment_page_offers_a_passkey_and_an_authenticator_app(enrolling_client):
    page = enrolling_client.get(URL, follow=True)

    assert page.status_code == 200
    text = page.content.decode()
    assert "need a second factor" in text
    assert reverse("mfa_add_webauthn") in text
    assert reverse("mfa_activate_totp") in text


def test_recovery_codes_alone_are_no_second_factor(enrolling_client, manager_without_second_factor):
    AuthenticatorFactory(user=manager_without_second_factor, recovery_codes=True)

    assert enrolling_client.get(URL)["Location"] == reverse("mfa_index")


def test_with_an_authenticator_app_the_dashboard_opens(
    enrolling_client, manager_without_second_factor, fake_butlr
):
    AuthenticatorFactory(user=manager_without_second_factor)

    assert enrolling_client.get(URL).status_code == 200


# Transactional: the signed-in user is only cached outside a transaction (config.auth).
@pytest.mark.django_db(transaction=True)
def test_a_factor_added_after_being_sent_to_add_one_opens_the_dashboard_at_once(
    enrolling_client, manager_without_second_factor, fake_butlr
):
    assert enrolling_client.get(URL)["Location"] == reverse("mfa_index")
    AuthenticatorFactory(user=manager_without_second_factor)

    assert enrolling_client.get(URL).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_manager_who_removes_their_factor_is_sent_to_add_one_at_once(
    enrolling_client, manager_without_second_factor, fake_butlr
):
    factor = AuthenticatorFactory(user=manager_without_second_factor)
    assert enrolling_client.get(URL).status_code == 200
    factor.delete()

    assert enrolling_client.get(URL)["Location"] == reverse("mfa_index")


@pytest.mark.django_db(transaction=True)
def test_the_second_factor_is_not_looked_up_on_every_page(
    enrolling_client, manager_without_second_factor, fake_butlr
):
    AuthenticatorFactory(user=manager_without_second_factor)
    assert enrolling_client.get(URL).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert enrolling_client.get(URL).status_code == 200
    table = Authenticator._meta.db_table
    assert [query for query in queries if table in query["sql"]] == []


def test_without_the_requirement_the_dashboard_opens_without_a_second_factor(
    enrolling_client, settings, fake_butlr
):
    settings.MFA_REQUIRED_FOR_MANAGERS = False

    assert enrolling_client.get(URL).status_code == 200


def test_residents_are_still_refused_rather_than_asked_to_enrol(resident_client):
    assert resident_client.get(URL).status_code == 403


@pytest.mark.parametrize(
    ("production", "overrides", "required"),
    [
        (True, {}, "True"),
        (False, {}, "False"),
        (True, {"MFA_REQUIRED_FOR_MANAGERS": "false"}, "False"),
        (False, {"MFA_REQUIRED_FOR_MANAGERS": "true"}, "True"),
    ],
)
def test_the_requirement_is_on_in_production_and_off_in_development(
    production, overrides, required
):
    show = "from django.conf import settings; print(settings.MFA_REQUIRED_FOR_MANAGERS)"

    result = django_run(show, production=production, **overrides)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == required
