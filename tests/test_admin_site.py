"""The admin signs in through allauth, with its rate limits and second factor, and opens to
staff only once they have a second factor."""

import time

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.factories import AuthenticatorFactory, UserFactory, totp_code

pytestmark = pytest.mark.django_db

ADMIN = reverse("admin:index")
ADMIN_LOGIN = reverse("admin:login")
LOGIN = reverse("account_login")


@pytest.fixture
def staff(password):
    # A verified email, as an administrator has once past the first sign-in's confirmation.
    return UserFactory(
        email="admin@foyer.example", password=password, is_staff=True, is_superuser=True
    )


def test_the_admins_sign_in_page_sends_to_allauths(client):
    response = client.get(ADMIN_LOGIN, {"next": ADMIN})

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=%2Fadmin%2F"


def test_the_admin_sends_anonymous_visitors_to_allauths_sign_in(client):
    response = client.get(ADMIN, follow=True)

    assert response.redirect_chain[-1][0].startswith(f"{LOGIN}?next=")
    assert response.wsgi_request.path == LOGIN


def test_the_admins_own_form_signs_no_one_in(client, staff, password):
    response = client.post(ADMIN_LOGIN, {"username": staff.email, "password": password})

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session


def test_staff_sign_in_with_a_password_and_a_code_and_reach_the_admin(client, staff, password):
    AuthenticatorFactory(user=staff)

    response = client.post(
        f"{LOGIN}?next={ADMIN}", {"login": staff.email, "password": password}, follow=True
    )
    assert response.wsgi_request.path == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(at=time.time())})

    assert response.status_code == 302
    assert response["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_staff_without_a_second_factor_are_sent_to_add_one(client, staff):
    client.force_login(staff)

    for url in (ADMIN, reverse("admin:residents_user_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_index")
    [*_, message] = get_messages(response.wsgi_request)
    assert "need a second factor" in str(message)


def test_staff_without_a_second_factor_may_still_sign_out_of_the_admin(client, staff):
    client.force_login(staff)

    response = client.post(reverse("admin:logout"))

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_signed_in_residents_are_refused_the_admin_sign_in(client):
    client.force_login(UserFactory())

    assert client.get(ADMIN_LOGIN).status_code == 403


def test_repeated_wrong_passwords_are_refused_by_allauths_rate_limit(client, staff, password):
    for _attempt in range(20):
        response = client.post(LOGIN, {"login": staff.email, "password": "not-the-password"})
        assert response.status_code == 200
        if "Too many failed login attempts" in response.content.decode():
            break
    else:
        pytest.fail("twenty wrong passwords in a row met no refusal")

    # Now even the right password is refused.
    response = client.post(LOGIN, {"login": staff.email, "password": password})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
