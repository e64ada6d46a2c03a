"""Linking a ButterflyMX building to a Butlr building and choosing its amenities."""

import pytest
from django.contrib.admin.sites import site as admin_site
from django.urls import reverse

from occupancy.models import Amenity, BuildingLink
from tests.factories import UserFactory
from tests.occupancy.conftest import ROOM_A, ROOM_B, ROOM_C

pytestmark = pytest.mark.django_db

LINKS = reverse("occupancy:amenity_links")


def _choices(link, **rooms):
    """The rooms form as posted: ``rooms`` maps a room's index to (shown, name, capacity)."""
    data = {}
    for index in range(3):
        shown, name, capacity = rooms.get(f"room{index}", (False, "", ""))
        if shown:
            data[f"room-{index}-shown"] = "on"
        data[f"room-{index}-name"] = name
        data[f"room-{index}-capacity"] = capacity
    return data


def test_a_manager_links_a_building_then_chooses_its_rooms(manager_client, fake_butlr):
    page = manager_client.get(LINKS)
    assert page.status_code == 200
    assert "Lake Tower (Lakeside)" in page.content.decode()

    response = manager_client.post(
        LINKS, {"butterflymx_building_id": "11743", "butlr_building_id": "building_tower"}
    )
    link = BuildingLink.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("occupancy:amenity_link", args=[link.pk])
    assert (link.butterflymx_building_id, link.butlr_building_id) == (11743, "building_tower")

    url = reverse("occupancy:amenity_link", args=[link.pk])
    rooms = manager_client.get(url).content.decode()
    assert "Quiet room" in rooms and "Meeting room" in rooms and "Lounge" in rooms

    data = _choices(link, room0=(True, "Reading room", ""), room2=(True, "Lounge", "12"))
    assert manager_client.post(url, data).status_code == 302
    chosen = {a.butlr_room_id: (a.name, a.capacity) for a in Amenity.objects.all()}
    assert chosen == {ROOM_A: ("Reading room", None), ROOM_C: ("Lounge", 12)}

    # Choosing again replaces the choice.
    manager_client.post(url, _choices(link, room1=(True, "Meeting room", "")))
    assert list(Amenity.objects.values_list("butlr_room_id", flat=True)) == [ROOM_B]


def test_a_shown_room_needs_the_name_residents_know(manager_client, fake_butlr):
    link = BuildingLink.objects.create(
        butterflymx_building_id=1, butlr_building_id="building_tower"
    )
    url = reverse("occupancy:amenity_link", args=[link.pk])

    response = manager_client.post(url, _choices(link, room0=(True, " ", "")))

    assert response.status_code == 400
    assert "Give the name residents know." in response.content.decode()
    assert not Amenity.objects.exists()


def test_a_building_links_once(manager_client, fake_butlr):
    BuildingLink.objects.create(butterflymx_building_id=5, butlr_building_id="building_tower")

    response = manager_client.post(
        LINKS, {"butterflymx_building_id": "5", "butlr_building_id": "building_tower"}
    )

    assert response.status_code == 400
    assert BuildingLink.objects.count() == 1


def test_unlinking_removes_the_amenities(manager_client):
    link = BuildingLink.objects.create(butterflymx_building_id=5, butlr_building_id="b")
    Amenity.objects.create(link=link, butlr_room_id="room_x", name="Gym")

    response = manager_client.post(reverse("occupancy:amenity_unlink", args=[link.pk]))

    assert response.status_code == 302
    assert not Amenity.objects.exists() and not BuildingLink.objects.exists()


@pytest.mark.parametrize("name", ["amenity_links", "amenity_link", "amenity_unlink"])
def test_residents_may_not_link_or_choose(resident_client, name):
    link = BuildingLink.objects.create(butterflymx_building_id=5, butlr_building_id="b")
    url = reverse(f"occupancy:{name}", args=[] if name == "amenity_links" else [link.pk])

    assert resident_client.get(url).status_code in (403, 405)
    assert resident_client.post(url).status_code == 403
    assert BuildingLink.objects.count() == 1


def test_a_manager_without_a_second_factor_is_sent_to_add_one(
    client, manager_without_second_factor
):
    client.force_login(manager_without_second_factor)

    response = client.get(LINKS)

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")


def test_staff_edit_links_and_amenities_in_the_admin(client, password):
    from tests.factories import AuthenticatorFactory

    staff = UserFactory(
        email="a@foyer.example", password=password, is_staff=True, is_superuser=True
    )
    AuthenticatorFactory(user=staff)
    client.force_login(staff)
    assert BuildingLink in admin_site._registry
    link = BuildingLink.objects.create(butterflymx_building_id=5, butlr_building_id="b")
    Amenity.objects.create(link=link, butlr_room_id="room_x", name="Gym")

    page = client.get(reverse("admin:occupancy_buildinglink_change", args=[link.pk]))

    assert page.status_code == 200
    assert 'value="Gym"' in page.content.decode()


def test_the_dashboard_links_to_the_amenities_page(manager_client, fake_butlr):
    page = manager_client.get(reverse("occupancy:dashboard")).content.decode()

    assert f'href="{reverse("occupancy:amenity_links")}"' in page
