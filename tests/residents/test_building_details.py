"""Building names and time zones read from GET /v4/buildings/{id}, for tenants that carry
none (as in the seed document), cached per building for hours."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from residents.selectors import connection_for_user, listing_cache_clear, listing_get
from sandbox.butterflymx import api_views

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])

# A fixed moment: 14:02 UTC is 10:02 in New York (summer time).
OPENED = datetime(2026, 7, 1, 14, 2, tzinfo=UTC)


@pytest.fixture
def bare_tenants(monkeypatch):
    """The sandbox's tenants without building name or time zone, like the seed document's."""
    shaped = api_views.tenant_data

    def bare(tenant):
        data = shaped(tenant)
        del data["building_name"], data["building_timezone"]
        return data

    monkeypatch.setattr(api_views, "tenant_data", bare)


def _doors(client, tenant):
    return client.get(reverse("doors", args=[tenant.building_id, tenant.pk]))


def test_a_tenant_without_building_details_shows_the_buildings_name_and_zone(
    bmx_sandbox, bare_tenants, client, connected_resident
):
    tenant = bmx_sandbox.world.rosa_harbor
    client.force_login(connected_resident)

    page = _doors(client, tenant).content.decode()
    listing = listing_get(
        connection=connection_for_user(user=connected_resident),
        building_id=tenant.building_id,
        tenant_id=tenant.pk,
    )

    assert listing.tenant.building_name is None
    assert listing.tenant.building_timezone is None
    assert (listing.building_name, listing.zone.key, listing.zone_known) == (
        "Harbor Point",
        "America/New_York",
        True,
    )
    assert "<h1>Harbor Point</h1>" in page
    assert "Your building" not in page
    assert 'id="zone-note"' not in page


def test_an_opened_door_shows_the_buildings_local_time(
    bmx_sandbox, bare_tenants, client, connected_resident
):
    world = bmx_sandbox.world
    tenant = world.rosa_harbor
    client.force_login(connected_resident)
    with time_machine.travel(OPENED, tick=False):
        response = client.post(
            reverse(
                "door_unlock",
                args=[tenant.building_id, tenant.pk, "access_point", world.harbor_front_door.pk],
            ),
            HTTP_HX_REQUEST="true",
        )

    assert "Opened at 10:02" in response.content.decode()
    assert "UTC time" not in response.content.decode()


def test_the_building_is_read_once_across_page_loads(
    bmx_sandbox, bare_tenants, client, connected_resident
):
    world = bmx_sandbox.world
    client.force_login(connected_resident)

    for _ in range(3):
        assert "<h1>Harbor Point</h1>" in _doors(client, world.rosa_harbor).content.decode()
        # Even with the doors forgotten, the building stays cached for hours.
        listing_cache_clear(connection=connection_for_user(user=connected_resident))
    assert bmx_sandbox.calls("butterflymx.building") == 1
    assert cache.get(f"bmx:building:{world.harbor_point.id}").name == "Harbor Point"

    # Another building of the same resident is a building of its own.
    assert "<h1>Elm Street Lofts</h1>" in _doors(client, world.rosa_elm).content.decode()
    assert bmx_sandbox.calls("butterflymx.building") == 2


def test_a_failing_building_endpoint_still_shows_the_doors_and_says_the_zone(
    bmx_sandbox, bare_tenants, client, connected_resident, settings
):
    world = bmx_sandbox.world
    settings.TIME_ZONE = "UTC"
    bmx_sandbox.fault(endpoint="butterflymx.building", kind="status", status=503)
    client.force_login(connected_resident)

    response = _doors(client, world.rosa_harbor)
    page = response.content.decode()

    assert response.status_code == 200
    assert world.harbor_front_door.name in page
    assert "<h1>Your building</h1>" in page
    assert "Times are shown in UTC time" in page
    assert cache.get(f"bmx:building:{world.harbor_point.id}") is None
    with time_machine.travel(OPENED, tick=False):
        opened = client.post(
            reverse(
                "door_unlock",
                args=[
                    world.rosa_harbor.building_id,
                    world.rosa_harbor.pk,
                    "access_point",
                    world.harbor_front_door.pk,
                ],
            ),
            HTTP_HX_REQUEST="true",
        )
    assert "Opened at 14:02 (UTC time)" in opened.content.decode()


def test_tenants_that_carry_the_building_still_show_it_when_the_building_fails(
    bmx_sandbox, client, connected_resident
):
    world = bmx_sandbox.world
    bmx_sandbox.fault(endpoint="butterflymx.building", kind="status", status=404)
    client.force_login(connected_resident)

    page = _doors(client, world.rosa_elm).content.decode()

    assert "<h1>Elm Street Lofts</h1>" in page
    assert 'id="zone-note"' not in page


def test_a_foreign_tenancy_is_still_refused_without_reading_its_building(
    bmx_sandbox, bare_tenants, client, connected_resident
):
    world = bmx_sandbox.world
    client.force_login(connected_resident)
    _doors(client, world.rosa_harbor)
    asked = bmx_sandbox.calls("butterflymx.building")

    response = _doors(client, world.pat_tower)

    assert response.status_code == 404
    assert bmx_sandbox.calls("butterflymx.building") == asked
    assert cache.get(f"bmx:building:{world.grand_tower.id}") is None
