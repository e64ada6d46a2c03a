"""Data migrations of the resident side."""

import importlib

import pytest
from allauth.socialaccount.models import SocialAccount
from django.apps import apps

from residents.models import ButterflyMXConnection
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

stale_identities = importlib.import_module(
    "residents.migrations.0004_remove_stale_butterflymx_identities"
)


def _identity(user, uid, provider="butterflymx"):
    return SocialAccount.objects.create(user=user, provider=provider, uid=uid, extra_data={})


def test_identities_left_by_a_reconnect_are_removed_and_connected_ones_kept():
    resident, other = UserFactory(), UserFactory()
    stale = _identity(resident, "7001")
    connected = _identity(resident, "7002")
    ButterflyMXConnection.objects.create(
        user=resident, social_account=connected, access_token_ciphertext="ciphertext"
    )
    left_alone = _identity(other, "7003")
    elsewhere = _identity(other, "7001", provider="google")

    stale_identities.stale_identities_delete(apps, None)

    remaining = set(SocialAccount.objects.values_list("pk", flat=True))
    assert remaining == {connected.pk, elsewhere.pk}
    assert stale.pk not in remaining and left_alone.pk not in remaining
    assert ButterflyMXConnection.objects.filter(user=resident).exists()
