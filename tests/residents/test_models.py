"""residents.User: an account identified by its email address alone."""

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db import IntegrityError, transaction

from residents.models import User

pytestmark = pytest.mark.django_db


def test_the_project_uses_the_email_user():
    assert get_user_model() is User
    assert User.USERNAME_FIELD == "email"
    assert not any(field.name == "username" for field in User._meta.get_fields())


def test_create_user_by_email_normalises_the_address():
    user = User.objects.create_user("  Rosa.Resident@Foyer.EXAMPLE ", password="a-long-passphrase")
    assert user.email == "rosa.resident@foyer.example"
    assert user.get_username() == "rosa.resident@foyer.example"
    assert user.check_password("a-long-passphrase")
    assert not user.is_staff
    assert not user.is_superuser


def test_create_user_requires_an_email():
    with pytest.raises(ValueError, match="email"):
        User.objects.create_user("", password="a-long-passphrase")


def test_the_manager_refuses_a_second_account_in_another_case():
    User.objects.create_user("rosa@foyer.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("ROSA@foyer.example")


def test_the_database_refuses_a_second_account_in_another_case():
    # Written past the manager, as a factory or a raw create would: the constraint holds.
    User.objects.create(email="rosa@foyer.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="Rosa@Foyer.example")


def test_signing_in_ignores_the_case_of_the_email():
    User.objects.create_user("rosa@foyer.example", password="a-long-passphrase")
    user = authenticate(username="Rosa@Foyer.Example", password="a-long-passphrase")
    assert user is not None
    assert user.email == "rosa@foyer.example"


def test_create_superuser_by_email():
    admin = User.objects.create_superuser("Admin@Foyer.example", password="a-long-passphrase")
    assert admin.email == "admin@foyer.example"
    assert admin.is_staff
    assert admin.is_superuser


def test_the_createsuperuser_command_asks_only_for_the_email(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-passphrase")
    call_command("createsuperuser", interactive=False, email="Admin@Foyer.example", verbosity=0)
    admin = User.objects.get(email="admin@foyer.example")
    assert admin.is_superuser
    assert admin.check_password("a-long-passphrase")


def test_a_user_reads_as_their_name_or_else_their_email():
    assert str(User(email="rosa@foyer.example", first_name="Rosa", last_name="Resident")) == (
        "Rosa Resident"
    )
    assert str(User(email="rosa@foyer.example")) == "rosa@foyer.example"
