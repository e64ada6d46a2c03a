"""Reads of the resident side: a tenancy's doors, in name order or the most used first."""

import threading

import pytest
from django.core.cache import cache
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from residents.models import FavouriteDoor
from residents.selectors import (
    DoorNotFound,
    _cache_prefix,
    connection_for_user,
    door_sort_key,
    doors_for_tenant,
    listing_cache_clear,
    listing_get,
    tenants_for_connection,
)
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


def test_natural_order_puts_floor_2_before_floor_10_in_any_case():
    names = ["Stairwell A, floor 10", "stairwell a, floor 2", "2nd floor lounge", "Annex", "b"]
    assert sorted(names, key=door_sort_key) == [
        "2nd floor lounge",
        "Annex",
        "b",
        "stairwell a, floor 2",
        "Stairwell A, floor 10",
    ]
    assert door_sort_key("Storage room 9") < door_sort_key("Storage room 10")
    assert door_sort_key("GYM") == door_sort_key("gym")


def test_the_doors_page_order(bmx_sandbox, connected_resident):
    """Favourites first, then the home, then the most used doors, then the rest by name."""
    world = bmx_sandbox.world
    _gym_opened_twice(connected_resident, world)
    FavouriteDoor.objects.create(
        user=connected_resident,
        tenant_id=world.rosa_harbor.pk,
        door_kind="access_point",
        door_id=world.harbor_package_room.pk,
    )
    page = doors_for_tenant(
        connection=connection_for_user(user=connected_resident),
        building_id=world.rosa_harbor.building_id,
        tenant_id=world.rosa_harbor.pk,
    )

    assert [door.name for door in page.favourites] == ["Package room"]
    assert page.favourites[0].pinned
    assert [door.name for door in page.home] == [world.rosa_smart_lock.name]
    names = [door.name for door in page.entrances]
    assert names[0] == world.harbor_gym.name
    assert names[1:] == sorted(names[1:], key=door_sort_key)
    assert "Package room" not in names
    assert not page.many
    assert len(page.all_doors) == 1 + len(names) + 1


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


DOOR_CALLS = ("butterflymx.tenants", "butterflymx.access_points", "butterflymx.devices")


def _calls(sandbox) -> int:
    return sum(sandbox.calls(name) for name in DOOR_CALLS)


def test_a_forged_tenancy_asks_butterflymx_nothing_once_the_homes_are_known(
    bmx_sandbox, connected_resident
):
    world = bmx_sandbox.world
    connection = connection_for_user(user=connected_resident)
    tenants_for_connection(connection=connection)
    calls = _calls(bmx_sandbox)
    foreign = world.sam_harbor

    # Warm: the homes are in the cache.
    with pytest.raises(DoorNotFound):
        listing_get(connection=connection, building_id=foreign.building_id, tenant_id=foreign.pk)
    # Cold: the listing's cache is gone, the ids of the homes are remembered.
    listing_cache_clear(connection=connection)
    with pytest.raises(DoorNotFound):
        listing_get(connection=connection, building_id=foreign.building_id, tenant_id=foreign.pk)

    assert _calls(bmx_sandbox) == calls
    mine = world.rosa_harbor
    assert listing_get(connection=connection, building_id=mine.building_id, tenant_id=mine.pk)


def test_concurrent_cold_loads_of_a_listing_ask_butterflymx_once(bmx_sandbox, connected_resident):
    world = bmx_sandbox.world
    connection = connection_for_user(user=connected_resident)
    bmx_sandbox.fault(endpoint="butterflymx.access_points", latency_ms=300)
    start = threading.Barrier(8)
    listings, errors = [], []

    def load():
        try:
            start.wait()
            listings.append(
                listing_get(
                    connection=connection,
                    building_id=world.rosa_harbor.building_id,
                    tenant_id=world.rosa_harbor.pk,
                )
            )
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(listings) == 8
    assert all(listing == listings[0] for listing in listings)
    assert [bmx_sandbox.calls(name) for name in DOOR_CALLS] == [1, 1, 1]
    # A cold listing asks for the building's name and zone too, once, in the same batch.
    assert bmx_sandbox.calls("butterflymx.building") == 1


def test_refreshing_forgets_the_doors_even_after_the_homes_expired(bmx_sandbox, connected_resident):
    connection = connection_for_user(user=connected_resident)
    tenant = bmx_sandbox.world.rosa_harbor
    listing_get(connection=connection, building_id=tenant.building_id, tenant_id=tenant.pk)
    calls = _calls(bmx_sandbox)
    # The homes' entry lives on its own clock and may be gone while the doors are cached.
    cache.delete(f"{_cache_prefix(connection)}:tenants")

    listing_cache_clear(connection=connection)
    listing_get(connection=connection, building_id=tenant.building_id, tenant_id=tenant.pk)

    assert _calls(bmx_sandbox) > calls
