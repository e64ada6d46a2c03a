"""The benchmark's virtual people: their sessions open the pages they load."""

import pytest
import responses
from django.conf import settings
from django.urls import reverse

from bench.setup import _manager_create, _resident_create, amenities_link

pytestmark = pytest.mark.django_db


def test_the_manager_opens_the_dashboard_where_a_second_factor_is_required(client):
    assert settings.MFA_REQUIRED_FOR_MANAGERS
    manager = _manager_create()
    client.cookies[settings.SESSION_COOKIE_NAME] = manager["session"]

    with responses.RequestsMock():  # Butlr answers nothing; the page still opens
        response = client.get(reverse("occupancy:dashboard"))

    assert response.status_code == 200


def test_the_sandbox_demo_amenities_are_linked_as_make_run_does():
    from occupancy.models import BuildingLink
    from sandbox.butterflymx.world import HARBOR_POINT

    assert amenities_link() == [HARBOR_POINT]

    link = BuildingLink.objects.get(butterflymx_building_id=HARBOR_POINT)
    names = list(link.amenities.order_by("position").values_list("name", flat=True))
    assert names == ["Gym", "Rooftop lounge", "Laundry room"]


@pytest.mark.django_db(databases=["default", "sandbox"])
def test_a_resident_of_the_500_door_building_holds_a_tenancy_there():
    from sandbox.butterflymx.world import SKYLINE_COMMONS, world_seed

    world = world_seed()

    lee = _resident_create(number=1, person=world.lee, tenant=world.lee_skyline)

    assert (lee["building_id"], lee["tenant_id"]) == (SKYLINE_COMMONS, world.lee_skyline.id)
    assert lee["session"] and lee["csrf"] and lee["token"]
