"""Fixtures for the resident side: a resident already connected to the sandbox."""

from datetime import timedelta

import pytest
from allauth.socialaccount.models import SocialAccount
from django.utils import timezone

from residents.crypto import token_encrypt
from residents.models import ButterflyMXConnection


def connection_create(*, user, person, tokens, expires_at=None) -> ButterflyMXConnection:
    account = SocialAccount.objects.create(
        user=user,
        provider="butterflymx",
        uid=str(person.pk),
        extra_data={"id": person.pk, "email": person.email, "name": "Rosa Resident"},
    )
    return ButterflyMXConnection.objects.create(
        user=user,
        social_account=account,
        access_token_ciphertext=token_encrypt(tokens["access_token"]),
        refresh_token_ciphertext=token_encrypt(tokens["refresh_token"]),
        expires_at=expires_at or timezone.now() + timedelta(seconds=tokens["expires_in"]),
    )


@pytest.fixture
def connected_resident(resident, bmx_sandbox):
    """The resident, connected as the sandbox's Rosa with a fresh token pair."""
    tokens = bmx_sandbox.issue_tokens(bmx_sandbox.world.rosa)
    connection_create(user=resident, person=bmx_sandbox.world.rosa, tokens=tokens)
    return resident
