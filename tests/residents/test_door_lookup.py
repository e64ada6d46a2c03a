"""An unlock looks its door up in the cached listing without counting past unlocks."""

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from residents.models import DoorEvent
from residents.selectors import connection_for_user, doors_for_tenant

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def _gym_opened_twice(user, world):
    for _ in range(2):
        DoorEvent.objects.create(
            user=user,
            tenant_id=world.rosa_harbor.pk,
            building_id=world.rosa_harbor.building_id,
            door_kind=DoorEvent.Kind.ACCESS_POINT,
            door_id=world.harbor_gym.pk,
            door_name=world.harbor_gym.name,
            outcome=DoorEvent.Outcome.OPENED,
        )


def _entrances(user, world, *, ranked):
    listing = doors_for_tenant(
        user=user,
        connection=connection_for_user(user=user),
        building_id=world.rosa_harbor.building_id,
        tenant_id=world.rosa_harbor.pk,
        ranked=ranked,
    )
    return [(door.name, door.uses) for door in listing.entrances]


def test_unranked_doors_keep_name_order_and_count_nothing(bmx_sandbox, connected_resident):
    world = bmx_sandbox.world
    _gym_opened_twice(connected_resident, world)

    ranked = _entrances(connected_resident, world, ranked=True)
    unranked = _entrances(connected_resident, world, ranked=False)

    assert ranked[0] == (world.harbor_gym.name, 2)
    assert [name for name, _ in unranked] == sorted(name for name, _ in ranked)
    assert {uses for _, uses in unranked} == {0}


def test_an_unlock_does_not_count_past_unlocks(bmx_sandbox, client, connected_resident):
    world = bmx_sandbox.world
    _gym_opened_twice(connected_resident, world)
    client.force_login(connected_resident)
    tenant, door = world.rosa_harbor, world.harbor_front_door
    client.get(reverse("doors", args=[tenant.building_id, tenant.pk]))

    with CaptureQueriesContext(db_connection) as queries:
        response = client.post(
            reverse("door_unlock", args=[tenant.building_id, tenant.pk, "access-point", door.pk]),
            HTTP_HX_REQUEST="true",
        )

    assert "Opened at" in response.content.decode()
    counts = [
        query["sql"]
        for query in queries.captured_queries
        if "COUNT(" in query["sql"] and "residents_doorevent" in query["sql"]
    ]
    assert counts == []
