"""Reads of the resident side: a tenancy's doors, in name order or the most used first."""

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from residents.selectors import connection_for_user, doors_for_tenant, listing_get
from tests.factories import DoorEventFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def _gym_opened_twice(user, world):
    DoorEventFactory.create_batch(
        2,
        user=user,
        tenant_id=world.rosa_harbor.pk,
        building_id=world.rosa_harbor.building_id,
        door_id=world.harbor_gym.pk,
        door_name=world.harbor_gym.name,
    )


def _entrances(user, world, read):
    listing = read(
        connection=connection_for_user(user=user),
        building_id=world.rosa_harbor.building_id,
        tenant_id=world.rosa_harbor.pk,
    )
    return [(door.name, door.uses) for door in listing.entrances]


def test_the_listing_keeps_name_order_and_counts_nothing(bmx_sandbox, connected_resident):
    world = bmx_sandbox.world
    _gym_opened_twice(connected_resident, world)

    ranked = _entrances(connected_resident, world, doors_for_tenant)
    listed = _entrances(connected_resident, world, listing_get)

    assert ranked[0] == (world.harbor_gym.name, 2)
    assert [name for name, _ in listed] == sorted(name for name, _ in ranked)
    assert {uses for _, uses in listed} == {0}


def test_an_unlock_does_not_count_past_unlocks(bmx_sandbox, client, connected_resident):
    world = bmx_sandbox.world
    _gym_opened_twice(connected_resident, world)
    client.force_login(connected_resident)
    tenant, door = world.rosa_harbor, world.harbor_front_door
    client.get(reverse("doors", args=[tenant.building_id, tenant.pk]))

    with CaptureQueriesContext(db_connection) as queries:
        response = client.post(
            reverse("door_unlock", args=[tenant.building_id, tenant.pk, "access_point", door.pk]),
            HTTP_HX_REQUEST="true",
        )

    assert "Opened at" in response.content.decode()
    counts = [
        query["sql"]
        for query in queries.captured_queries
        if "COUNT(" in query["sql"] and "residents_doorevent" in query["sql"]
    ]
    assert counts == []
