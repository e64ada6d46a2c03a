"""The admin's pages for residents.User: by email, with names, never a username."""

import pytest
from django.urls import reverse

from residents.models import User
from tests.factories import AuthenticatorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser("admin@foyer.example", password="a-long-passphrase")
    AuthenticatorFactory(user=admin)
    client.force_login(admin)
    return client


def test_the_changelist_shows_emails_and_names(admin_client):
    UserFactory(email="rosa@foyer.example", first_name="Rosa", last_name="Resident")
    response = admin_client.get(reverse("admin:residents_user_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "rosa@foyer.example" in page
    assert "Resident" in page
    assert "username" not in page.lower()


def test_the_changelist_searches_by_email_and_name(admin_client):
    UserFactory(email="rosa@foyer.example", first_name="Rosa")
    UserFactory(email="manuel@foyer.example", first_name="Manuel")
    url = reverse("admin:residents_user_changelist")
    by_name = admin_client.get(url, {"q": "rosa"}).context["cl"].result_list
    assert [user.email for user in by_name] == ["rosa@foyer.example"]
    by_email = admin_client.get(url, {"q": "manuel@"}).context["cl"].result_list
    assert [user.email for user in by_email] == ["manuel@foyer.example"]


def test_the_changelist_is_ordered_by_email(admin_client):
    UserFactory(email="zoe@foyer.example")
    UserFactory(email="bea@foyer.example")
    response = admin_client.get(reverse("admin:residents_user_changelist"))
    emails = [user.email for user in response.context["cl"].result_list]
    assert emails == ["admin@foyer.example", "bea@foyer.example", "zoe@foyer.example"]


def test_the_change_page_edits_the_name(admin_client):
    rosa = UserFactory(email="rosa@foyer.example")
    url = reverse("admin:residents_user_change", args=[rosa.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="email"' in page.content.decode()
    assert 'name="username"' not in page.content.decode()
    response = admin_client.post(
        url,
        {
            "email": "rosa@foyer.example",
            "first_name": "Rosa",
            "last_name": "Resident",
            "is_active": "on",
            "date_joined_0": "2026-01-05",
            "date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    rosa.refresh_from_db()
    assert rosa.get_full_name() == "Rosa Resident"


def test_the_add_page_creates_a_user_by_email(admin_client):
    response = admin_client.post(
        reverse("admin:residents_user_add"),
        {
            "email": "New.Resident@Foyer.example",
            "usable_password": "true",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="new.resident@foyer.example")
    assert user.check_password("a-long-unusual-passphrase")
