"""Residents see the chosen amenities of their own buildings, counts only, through the doors
page's minute poll; Butlr is asked once a minute per building however many look."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection as db
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from occupancy.models import Amenity, BuildingLink
from sandbox.butlr.world import Building, Room
from tests.factories import UserFactory
from tests.residents.conftest import connection_create

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])

# 08:32:30 in New York on Monday 23 November 2026.
MOMENT = datetime(2026, 11, 23, 13, 32, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(MOMENT, tick=False):
        yield


@pytest.fixture(autouse=True)
def _managers_group(transactional_db, settings):
    Group.objects.get_or_create(name=settings.PROPERTY_MANAGERS_GROUP)


@pytest.fixture
def butlr(butlr_sandbox, settings):
    settings.BUTLR_CONNECT_TIMEOUT = 2
    settings.BUTLR_READ_TIMEOUT = 5
    return butlr_sandbox


@pytest.fixture
def harbor_linked(bmx_sandbox, butlr):
    world = butlr.world
    link = BuildingLink.objects.create(
        butterflymx_building_id=bmx_sandbox.world.harbor_point.pk,
        butlr_building_id=world.named(Building, "Harbor Point").id,
    )
    Amenity.objects.create(link=link, butlr_room_id=world.named(Room, "Gym").id, name="Gym")
    return link


def _client_for(person, bmx_sandbox, email):
    user = UserFactory(email=email)
    connection_create(user=user, person=person, tokens=bmx_sandbox.issue_tokens(person))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rosa(bmx_sandbox):
    return _client_for(bmx_sandbox.world.rosa, bmx_sandbox, "rosa@foyer.example")


def _url(tenant):
    return reverse("amenities", args=[tenant.building_id, tenant.pk])


def test_the_doors_page_loads_the_amenities_without_asking_butlr(
    bmx_sandbox, butlr, rosa, harbor_linked
):
    tenant = bmx_sandbox.world.rosa_harbor

    page = rosa.get(reverse("doors", args=[tenant.building_id, tenant.pk])).content.decode()

    assert f'hx-get="{_url(tenant)}"' in page
    assert 'hx-trigger="load, every 60s"' in page
    assert butlr.calls("reporting") == 0 and butlr.calls("graphql") == 0


def test_a_resident_sees_the_chosen_amenity_with_its_busyness_and_best_time(
    bmx_sandbox, butlr, rosa, harbor_linked
):
    response = rosa.get(_url(bmx_sandbox.world.rosa_harbor))

    assert response.status_code == 200
    text = response.content.decode()
    assert "<h3" in text and ">Gym</h3>" in text
    assert "Usually at this hour" in text
    assert "Best time to go today" in text
    # Counts only: no other room, floor, sensor, nor any Butlr id.
    for hidden in (
        "Yoga studio",
        "lounge",
        "Amenity floor",
        "sensor",
        "room_",
        "space_",
        "building_",
    ):
        assert hidden not in text


def test_a_building_without_amenities_stops_the_poll(bmx_sandbox, butlr, rosa, harbor_linked):
    response = rosa.get(_url(bmx_sandbox.world.rosa_elm))

    assert response.status_code == 286
    assert response.content == b""
    assert butlr.calls("reporting") == 0


def test_a_resident_of_another_building_sees_nothing(bmx_sandbox, butlr, rosa, harbor_linked):
    # Grand Tower is linked too, but Rosa lives at Harbor Point and Elm Street only.
    tower = BuildingLink.objects.create(
        butterflymx_building_id=bmx_sandbox.world.grand_tower.pk,
        butlr_building_id=harbor_linked.butlr_building_id,
    )
    Amenity.objects.create(link=tower, butlr_room_id="room_x", name="Tower pool")

    response = rosa.get(_url(bmx_sandbox.world.pat_tower))

    assert response.status_code == 404
    assert "Tower pool" not in response.content.decode()
    assert butlr.calls("reporting") == 0


def test_many_residents_one_butlr_query_a_minute(bmx_sandbox, butlr, rosa, harbor_linked):
    sam = _client_for(bmx_sandbox.world.sam, bmx_sandbox, "sam@foyer.example")
    for _ in range(10):
        assert rosa.get(_url(bmx_sandbox.world.rosa_harbor)).status_code == 200
        assert sam.get(_url(bmx_sandbox.world.sam_harbor)).status_code == 200

    # One for now, one for the last four weeks' typical day.
    assert butlr.calls("reporting") == 2


def test_the_buildings_board_is_built_once_a_minute_for_every_resident(
    bmx_sandbox, butlr, rosa, harbor_linked
):
    sam = _client_for(bmx_sandbox.world.sam, bmx_sandbox, "sam@foyer.example")
    rosa_url, sam_url = _url(bmx_sandbox.world.rosa_harbor), _url(bmx_sandbox.world.sam_harbor)
    assert rosa.get(rosa_url).status_code == sam.get(sam_url).status_code == 200

    with time_machine.travel(MOMENT + timedelta(minutes=1), tick=False):
        with CaptureQueriesContext(db) as built:
            first = rosa.get(rosa_url).content
        with CaptureQueriesContext(db) as shared:
            again = sam.get(sam_url).content

    assert len(built.captured_queries) == 2  # the minute's board: the link and its rooms
    # The next resident reads neither again, and gets the same markup.
    assert [query["sql"] for query in shared.captured_queries] == []
    assert again == first


def test_a_managers_change_of_rooms_shows_at_once(bmx_sandbox, butlr, rosa, harbor_linked):
    url = _url(bmx_sandbox.world.rosa_harbor)
    assert ">Gym</h3>" in rosa.get(url).content.decode()

    gym = Amenity.objects.get()
    gym.name = "Fitness room"
    gym.save()
    renamed = rosa.get(url).content.decode()
    assert ">Fitness room</h3>" in renamed and ">Gym</h3>" not in renamed

    gym.delete()
    assert rosa.get(url).status_code == 286


def test_when_butlr_fails_the_resident_reads_not_available(bmx_sandbox, butlr, rosa, harbor_linked):
    butlr.fault(endpoint="butlr.reporting", kind="status", status=503)

    response = rosa.get(_url(bmx_sandbox.world.rosa_harbor))

    assert response.status_code == 200
    assert "Not available right now." in response.content.decode()


def test_signing_in_comes_first(client):
    response = client.get(reverse("amenities", args=[11743, 129227]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
