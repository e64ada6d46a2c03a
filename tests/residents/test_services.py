"""Writes and upstream actions of the resident side: disconnecting and opening a door."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from residents.butterflymx.client import ButterflyMXClient, Unauthorized
from residents.butterflymx.types import DoorKind
from residents.crypto import token_decrypt
from residents.models import ButterflyMXConnection, DoorEvent
from residents.selectors import DoorNotFound, connection_for_user
from residents.services import (
    UnlockRateLimited,
    connection_disconnect,
    door_release,
)
from tests.factories import UserFactory
from tests.residents.conftest import connection_create

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def test_disconnect_revokes_both_tokens_and_deletes_them(bmx_sandbox, connected_resident):
    connection = connection_for_user(user=connected_resident)
    access = token_decrypt(connection.access_token_ciphertext)

    assert connection_disconnect(connection=connection) is True

    assert bmx_sandbox.calls("butterflymx.revoke") == 2
    assert not ButterflyMXConnection.objects.filter(user=connected_resident).exists()
    assert not SocialAccount.objects.filter(user=connected_resident).exists()
    with pytest.raises(Unauthorized):
        ButterflyMXClient(access).tenants()


def test_disconnect_with_butterflymx_down_still_deletes(bmx_sandbox, connected_resident):
    bmx_sandbox.fault(endpoint="butterflymx.revoke", kind="status", status=503)

    assert connection_disconnect(connection=connection_for_user(user=connected_resident)) is False

    assert not ButterflyMXConnection.objects.filter(user=connected_resident).exists()
    assert not SocialAccount.objects.filter(user=connected_resident).exists()


def test_disconnect_leaves_another_residents_connection(bmx_sandbox, connected_resident):
    other = UserFactory()
    tokens = bmx_sandbox.issue_tokens(bmx_sandbox.world.sam)
    connection_create(user=other, person=bmx_sandbox.world.sam, tokens=tokens)

    connection_disconnect(connection=connection_for_user(user=connected_resident))

    assert ButterflyMXConnection.objects.filter(user=other).exists()


def _release(user, tenant, door, kind=DoorKind.ACCESS_POINT):
    return door_release(
        connection=connection_for_user(user=user),
        building_id=tenant.building_id,
        tenant_id=tenant.pk,
        kind=kind,
        door_id=door.pk,
    )


def test_a_release_is_recorded_before_it_returns(bmx_sandbox, connected_resident):
    world = bmx_sandbox.world

    result = _release(connected_resident, world.rosa_harbor, world.harbor_front_door)

    assert result.outcome == DoorEvent.Outcome.OPENED
    assert result.event == DoorEvent.objects.get(user=connected_resident)
    assert result.event.release_id is not None
    assert bmx_sandbox.calls("butterflymx.door_release") == 1


def test_a_door_of_the_wrong_kind_is_not_found_and_nothing_is_sent(bmx_sandbox, connected_resident):
    world = bmx_sandbox.world

    with pytest.raises(DoorNotFound):
        _release(connected_resident, world.rosa_harbor, world.harbor_front_door, DoorKind.DEVICE)

    assert bmx_sandbox.calls("butterflymx.door_release") == 0
    assert not DoorEvent.objects.exists()


def test_past_the_rate_limit_nothing_is_sent(bmx_sandbox, connected_resident, settings):
    settings.UNLOCK_RATE_LIMIT_PER_MINUTE = 1
    world = bmx_sandbox.world
    # Both taps in the same minute, whatever the time.
    with time_machine.travel(datetime.now(UTC).replace(second=5), tick=False):
        _release(connected_resident, world.rosa_harbor, world.harbor_front_door)
        with pytest.raises(UnlockRateLimited) as limited:
            _release(connected_resident, world.rosa_harbor, world.harbor_gym)

    assert 0 < limited.value.retry_after <= 60
    assert bmx_sandbox.calls("butterflymx.door_release") == 1


class WorkerDied(BaseException):
    """What a killed worker looks like from inside: nothing after it runs."""


def test_an_attempt_survives_a_worker_that_dies_mid_release(
    bmx_sandbox, connected_resident, client, monkeypatch
):
    world = bmx_sandbox.world

    def die(*args, **kwargs):
        raise WorkerDied

    monkeypatch.setattr(ButterflyMXClient, "door_release", die)
    with pytest.raises(WorkerDied):
        _release(connected_resident, world.rosa_harbor, world.harbor_front_door)

    event = DoorEvent.objects.get(user=connected_resident)
    assert event.outcome == DoorEvent.Outcome.PENDING
    assert event.door_name == world.harbor_front_door.name
    assert event.outcome_label == "Pending"
    client.force_login(connected_resident)
    later = event.created_at + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert DoorEvent.objects.get(pk=event.pk).outcome_label == "Not confirmed"
        page = client.get(
            reverse("history", args=[event.building_id, event.tenant_id])
        ).content.decode()
    assert "not confirmed" in page
