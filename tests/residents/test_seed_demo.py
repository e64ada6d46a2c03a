"""The demo `make run` seeds: its resident is already connected to ButterflyMX as the
sandbox's Rosa, through the pair the sandbox issues (`sandbox_demo_tokens | seed_demo`)."""

from io import StringIO

import pytest
from allauth.socialaccount.models import SocialAccount
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from residents.butterflymx.client import ButterflyMXClient
from residents.crypto import token_decrypt
from residents.models import ButterflyMXConnection
from sandbox.butterflymx.models import AccessToken

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])

DEMO_RESIDENT = "resident@foyer.example"


@pytest.fixture(autouse=True)
def _demo(settings):
    settings.DEBUG = True
    settings.BUTTERFLYMX_SANDBOX = True
    settings.SANDBOX_ENABLED = True
    # Transactional tests flush the group the data migration made.
    Group.objects.get_or_create(name=django_settings.PROPERTY_MANAGERS_GROUP)


def make_run_seeds(tmp_path, *args) -> str:
    """What `make run` does: the sandbox prints a pair, seed_demo reads it."""
    tokens = StringIO()
    call_command("sandbox_demo_tokens", *args, stdout=tokens)
    path = tmp_path / "tokens.json"
    path.write_text(tokens.getvalue())
    out = StringIO()
    call_command("seed_demo", "--butterflymx-tokens", str(path), stdout=out, stderr=out)
    return out.getvalue()


def test_the_demo_resident_is_connected_as_rosa(bmx_sandbox, tmp_path, client):
    world = bmx_sandbox.world

    out = make_run_seeds(tmp_path)

    resident = get_user_model().objects.get(email=DEMO_RESIDENT)
    connection = ButterflyMXConnection.objects.get(user=resident)
    assert connection.social_account.uid == str(world.rosa.pk) == "7001"
    assert connection.display_name == "Rosa Resident"
    assert not connection.needs_reconnect
    assert "connected to ButterflyMX as Rosa Resident" in out
    access_token = token_decrypt(connection.access_token_ciphertext)
    assert {t.id for t in ButterflyMXClient(access_token).tenants()} == {
        world.rosa_harbor.pk,
        world.rosa_elm.pk,
        world.rosa_skyline.pk,
    }
    # Signed in, the resident's homes are right there.
    client.post(reverse("account_login"), {"login": DEMO_RESIDENT, "password": "foyer-demo-2026"})
    page = client.get(reverse("home"))
    assert page.status_code == 200
    for tenant in (world.rosa_harbor, world.rosa_elm, world.rosa_skyline):
        assert reverse("doors", args=[tenant.building_id, tenant.pk]) in page.content.decode()


def test_seeding_again_keeps_one_connection_with_a_fresh_pair(bmx_sandbox, tmp_path):
    make_run_seeds(tmp_path)
    first = ButterflyMXConnection.objects.get().access_token_ciphertext

    make_run_seeds(tmp_path)

    connection = ButterflyMXConnection.objects.get()
    assert connection.access_token_ciphertext != first
    assert SocialAccount.objects.count() == 1
    assert get_user_model().objects.filter(email=DEMO_RESIDENT).count() == 1
    assert ButterflyMXClient(token_decrypt(connection.access_token_ciphertext)).tenants()


def test_without_a_pair_the_demo_accounts_are_still_made(db, tmp_path):
    path = tmp_path / "empty.json"
    path.write_text("")
    out = StringIO()

    call_command("seed_demo", "--butterflymx-tokens", str(path), stdout=out, stderr=out)

    assert get_user_model().objects.filter(email=DEMO_RESIDENT).exists()
    assert not ButterflyMXConnection.objects.exists()
    assert "not connected" in out.getvalue()


def test_no_sandbox_pair_when_foyer_talks_to_a_real_butterflymx(bmx_world, settings):
    settings.BUTTERFLYMX_SANDBOX = False
    out, err = StringIO(), StringIO()

    call_command("sandbox_demo_tokens", stdout=out, stderr=err)

    assert out.getvalue() == ""
    assert not AccessToken.objects.exists()
