"""Sign-up, sign-in, sign-out and password reset through django-allauth."""

import re

import pytest
import responses
import time_machine
from allauth.mfa.totp.internal.auth import validate_totp_code
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import TOTP_SECRET, UserFactory, totp_code

pytestmark = pytest.mark.django_db


def _sign_up(client, email):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )


def _confirmation_link(message) -> str:
    return re.search(r"https?://testserver(/accounts/confirm-email/\S+/)", message.body).group(1)


def test_sign_up_creates_a_resident_who_verifies_the_email_and_is_signed_in(client):
    response = _sign_up(client, "new.resident@foyer.example")

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = get_user_model().objects.get(email="new.resident@foyer.example")
    assert not user.groups.exists()
    assert client.get(reverse("home")).status_code == 302  # not signed in yet
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.resident@foyer.example"]

    response = client.post(_confirmation_link(mail.outbox[0]))

    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert home.wsgi_request.user == user


def _answer(response, client, email) -> tuple[int, str, str]:
    """The status, where it leads and the page there, without what differs by nature: the
    CSRF token, and the address the person typed in themselves."""
    page = client.get(response.url).content.decode()
    page = re.sub(r'"x-csrftoken": "[^"]+"', "", page).replace(email, "EMAIL")
    return response.status_code, response.url, page


def test_sign_up_answers_the_same_whether_or_not_the_email_has_an_account(resident):
    existing, new = Client(), Client()

    taken = _answer(_sign_up(existing, resident.email), existing, resident.email)
    free = _answer(_sign_up(new, "new.resident@foyer.example"), new, "new.resident@foyer.example")

    assert taken == free
    assert "Verify your email address" in taken[2]
    assert get_user_model().objects.filter(email=resident.email).count() == 1
    to_resident = [message for message in mail.outbox if message.to == [resident.email]]
    assert len(to_resident) == 1
    assert "an account using that email address already exists" in to_resident[0].body
    assert "/accounts/password/reset/" in to_resident[0].body
    assert existing.get(reverse("home")).status_code == 302


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


def _sign_in(client, user, password, **extra):
    return client.post(
        reverse("account_login"), {"login": user.email, "password": password, **extra}
    )


def test_signing_in_lands_a_resident_on_their_doors(client, resident, password):
    response = _sign_in(client, resident, password)

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_signing_in_lands_a_property_manager_on_the_dashboard(
    client, manager_without_second_factor, password, settings
):
    settings.MFA_REQUIRED_FOR_MANAGERS = False

    response = _sign_in(client, manager_without_second_factor, password)

    assert response.status_code == 302
    assert response.url == reverse("occupancy:dashboard")
    with responses.RequestsMock():  # Butlr answers nothing; the page still opens
        assert client.get(response.url).status_code == 200


@pytest.mark.parametrize("role", ["resident", "manager_without_second_factor"])
def test_signing_in_with_a_next_lands_there_whatever_the_role(
    client, password, settings, request, role
):
    settings.MFA_REQUIRED_FOR_MANAGERS = False
    user = request.getfixturevalue(role)

    response = _sign_in(client, user, password, next=reverse("history_home"))

    assert response.status_code == 302
    assert response.url == reverse("history_home")


def test_signing_in_never_lands_on_another_site(client, resident, password):
    response = _sign_in(client, resident, password, next="https://evil.example/")

    assert response.status_code == 302
    assert response.url == reverse("home")


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


def test_sign_up_with_an_email_taken_in_another_case_makes_no_second_account(client, resident):
    response = _sign_up(client, resident.email.upper())

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert get_user_model().objects.count() == 1
    assert len(mail.outbox) == 1
    assert "already exists" in mail.outbox[0].body


def test_an_account_without_a_verified_email_is_sent_the_link_instead_of_signed_in(client):
    get_user_model().objects.create_superuser("admin@foyer.example", password="a-long-passphrase")

    response = client.post(
        reverse("account_login"), {"login": "admin@foyer.example", "password": "a-long-passphrase"}
    )

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert client.get(reverse("home")).status_code == 302
    assert mail.outbox[0].to == ["admin@foyer.example"]
    client.post(_confirmation_link(mail.outbox[0]))
    assert client.get(reverse("home")).status_code == 200


def test_the_account_page_offers_passkeys_and_two_factor(resident_client):
    page = resident_client.get(reverse("account")).content.decode()

    assert f'href="{reverse("mfa_index")}"' in page


def test_the_verification_email_is_signed_by_foyer_with_the_sites_address(client, settings):
    settings.SITE_URL = "https://foyer.example"
    client.post(
        reverse("account_signup"),
        {
            "email": "new.resident@foyer.example",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
        HTTP_HOST="127.0.0.1:8000",
    )

    (message,) = mail.outbox
    assert message.subject == "Foyer: Confirm your email address"
    assert message.body.startswith("Hello,\n")
    assert message.body.endswith("Foyer\nhttps://foyer.example")
    assert "Foyer account at https://foyer.example" in message.body
    assert "Hello from" not in message.body
    # Only the link, made for the browser that signed up, names the host it came in by.
    text = re.sub(r"http://127\.0\.0\.1:8000/accounts/confirm-email/\S+", "LINK", message.body)
    assert "127.0.0.1:8000" not in message.subject + text
    assert "new.resident" not in text


def test_emails_greet_the_person_by_name_never_by_their_address(client, settings):
    settings.SITE_URL = "https://foyer.example"
    UserFactory(email="rosa.r@foyer.example", first_name="Rosa")

    client.post(
        reverse("account_reset_password"),
        {"email": "rosa.r@foyer.example"},
        HTTP_HOST="127.0.0.1:8000",
    )

    (message,) = mail.outbox
    assert message.subject == "Foyer: Reset your password"
    assert message.body.startswith("Hello Rosa,\n")
    assert message.body.endswith("Foyer\nhttps://foyer.example")
    assert "rosa.r" not in message.body


def _main(response) -> str:
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def test_the_sign_in_page_speaks_in_sentence_case_without_colons(client):
    page = _main(client.get(reverse("account_login")))

    assert '<label for="id_login">Email</label>' in page
    assert '<label for="id_password">Password</label>' in page
    assert "Remember me" in page
    assert re.search(r"<h1>\s*Sign in\s*</h1>", page)
    assert re.search(r'<button class="button"[^>]*type="submit"\s*>\s*Sign in\s*</button>', page)
    assert "Forgot your password?" in page
    assert not re.search(r"<label[^>]*>[^<]*:\s*</label>", page)
    assert "Sign In" not in page and "Remember Me" not in page


def test_the_sign_up_page_shows_each_error_beside_its_field(client):
    page = _main(
        client.post(
            reverse("account_signup"),
            {"email": "not-an-email", "password1": "a-long-unusual-passphrase", "password2": "x"},
        )
    )

    assert re.search(r"<h1>\s*Sign up\s*</h1>", page)
    assert '<label for="id_password2">Password again</label>' in page
    assert not re.search(r"<label[^>]*>[^<]*:\s*</label>", page)
    fields = re.findall(r'<div class="field[^"]*">(.*?)\n</div>', page, re.DOTALL)
    errors = {
        re.search(r'<label[^>]*for="(\w+)"', field).group(1): field
        for field in fields
        if 'class="errors"' in field
    }
    assert set(errors) == {"id_email", "id_password2"}
    assert "valid email address" in errors["id_email"]
    assert "same password" in errors["id_password2"]


@pytest.mark.parametrize(("steps_ago", "accepted"), [(0, True), (1, True), (2, False)])
def test_an_authenticator_code_is_good_for_one_step_either_side(steps_ago, accepted):
    """A code typed as its 30 seconds end still signs in; an older one does not."""
    now = 1_800_000_015.0
    with time_machine.travel(now, tick=False):
        assert validate_totp_code(TOTP_SECRET, totp_code(at=now - 30 * steps_ago)) is accepted
