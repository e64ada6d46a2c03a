"""Sign-up, sign-in, sign-out and password reset through django-allauth."""

import pytest
import responses
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_sign_up_creates_a_resident_and_signs_them_in(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new.resident@foyer.example",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(email="new.resident@foyer.example")
    assert not user.groups.exists()
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert home.wsgi_request.user == user


def test_sign_up_rejects_mismatched_passwords(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "typo@foyer.example",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrasf",
        },
    )
    assert response.status_code == 200
    assert "same password" in response.content.decode()
    assert not get_user_model().objects.filter(email="typo@foyer.example").exists()


def test_log_in_and_log_out(client, resident, password):
    response = client.post(
        reverse("account_login"), {"login": resident.email, "password": password}
    )
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_log_in_with_a_wrong_password_is_refused(client, resident):
    response = client.post(
        reverse("account_login"), {"login": resident.email, "password": "not-it"}
    )
    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_password_reset_sends_a_mail(client, resident):
    response = client.post(reverse("account_reset_password"), {"email": resident.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [resident.email]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


@pytest.mark.parametrize("name", ["home", "account", "occupancy:dashboard"])
def test_anonymous_users_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_resident_cannot_open_the_dashboard(resident_client):
    response = resident_client.get(reverse("occupancy:dashboard"))
    assert response.status_code == 403
    assert "have access" in response.content.decode()


def test_a_manager_opens_the_dashboard_and_sees_it_in_the_navigation(manager_client):
    with responses.RequestsMock():  # Butlr answers nothing; the page still opens
        response = manager_client.get(reverse("occupancy:dashboard"))
    assert response.status_code == 200
    assert "There are no figures to show yet." in response.content.decode()
    assert reverse("occupancy:dashboard") in manager_client.get(reverse("home")).content.decode()


def test_residents_navigation_hides_the_dashboard(resident_client):
    page = resident_client.get(reverse("home")).content.decode()
    assert reverse("occupancy:dashboard") not in page


def test_signing_in_greets_a_resident_by_name(client, password):
    UserFactory(email="rosa@foyer.example", first_name="Rosa", last_name="Resident")
    response = client.post(
        reverse("account_login"),
        {"login": "rosa@foyer.example", "password": password},
        follow=True,
    )
    assert "Successfully signed in as Rosa Resident." in response.content.decode()


def test_signing_in_greets_a_resident_without_a_name_by_email(client, password):
    UserFactory(email="rosa@foyer.example")
    response = client.post(
        reverse("account_login"),
        {"login": "rosa@foyer.example", "password": password},
        follow=True,
    )
    assert "Successfully signed in as rosa@foyer.example." in response.content.decode()


def test_signing_in_ignores_the_case_of_the_email(client, resident, password):
    response = client.post(
        reverse("account_login"), {"login": resident.email.upper(), "password": password}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).wsgi_request.user == resident


def test_sign_up_refuses_an_email_already_taken_in_another_case(client, resident):
    response = client.post(
        reverse("account_signup"),
        {
            "email": resident.email.upper(),
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 200
    assert "already registered" in response.content.decode()
    assert get_user_model().objects.count() == 1


def test_the_account_page_offers_passkeys_and_two_factor(resident_client):
    page = resident_client.get(reverse("account")).content.decode()

    assert f'href="{reverse("mfa_index")}"' in page
