"""The doors page of a big building: the home first, favourites, the most used, and the rest
behind a search and an "All doors" list."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from residents.models import FavouriteDoor
from tests.factories import DoorEventFactory
from tests.residents.conftest import connection_create

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])

HTMX = {"HTTP_HX_REQUEST": "true"}
CARD_NAME = re.compile(r'<span class="door-name">([^<]*)</span>')


def doors_url(tenant):
    return reverse("doors", args=[tenant.building_id, tenant.pk])


def favourite_url(tenant, kind, door_id):
    return reverse("door_favourite", args=[tenant.building_id, tenant.pk, kind, door_id])


def card_names(page: str) -> list[str]:
    return [name.replace("&#x27;", "'") for name in CARD_NAME.findall(page)]


@pytest.fixture
def lee_client(bmx_sandbox, client, resident):
    """The resident, connected as the sandbox's Lee of Skyline Commons (500 doors)."""
    world = bmx_sandbox.world
    connection_create(user=resident, person=world.lee, tokens=bmx_sandbox.issue_tokens(world.lee))
    client.force_login(resident)
    return client


@pytest.fixture
def rosa_client(client, connected_resident):
    client.force_login(connected_resident)
    return client


def test_the_first_view_of_a_500_door_building_is_small(bmx_sandbox, lee_client):
    world = bmx_sandbox.world
    response = lee_client.get(doors_url(world.lee_skyline))

    assert response.status_code == 200
    assert bmx_sandbox.calls("butterflymx.access_points") == 5  # five pages of 100
    assert len(response.content) < 50_000
    page = response.content.decode()
    assert card_names(page) == [world.lee_smart_lock.name]  # the home's lock, and first
    assert "All doors (501)" in page
    assert 'id="door-search"' in page


def test_all_doors_in_natural_order_without_javascript(bmx_sandbox, lee_client):
    world = bmx_sandbox.world
    page = lee_client.get(doors_url(world.lee_skyline), {"all": "1"}).content.decode()

    names = card_names(page)
    assert len(names) == 1 + 501  # the home's lock, then every door
    every = names[1:]
    assert every.index("Stairwell A, floor 2") < every.index("Stairwell A, floor 10")
    assert every.index("Storage room 9") < every.index("Storage room 10")
    assert every.index("Storage room 99") < every.index("Storage room 100")


def test_all_doors_as_an_htmx_partial(bmx_sandbox, lee_client):
    url = doors_url(bmx_sandbox.world.lee_skyline)
    response = lee_client.get(url, {"all": "1"}, HTTP_HX_TARGET="all-doors-list", **HTMX)

    page = response.content.decode()
    assert page.lstrip().startswith('<div id="all-doors-list">')
    assert len(card_names(page)) == 501
    assert "<html" not in page


def test_search_without_javascript_shows_only_the_matching_doors(bmx_sandbox, lee_client):
    page = lee_client.get(
        doors_url(bmx_sandbox.world.lee_skyline), {"q": "STAIRWELL b  Floor 12"}
    ).content.decode()

    assert card_names(page) == ["Stairwell B, floor 12"]
    assert "All doors (" not in page
    assert 'value="STAIRWELL b  Floor 12"' in page


def test_search_as_one_types_gets_only_the_results(bmx_sandbox, lee_client):
    url = doors_url(bmx_sandbox.world.lee_skyline)
    response = lee_client.get(url, {"q": "storage 30"}, HTTP_HX_TARGET="door-results", **HTMX)

    page = response.content.decode()
    assert page.lstrip().startswith('<div id="door-results"')
    assert "<html" not in page
    expected = [30, 130, 230, 300]  # every word in the name, in natural order
    assert card_names(page) == [f"Storage room {number}" for number in expected]


def test_a_search_that_matches_nothing_says_so(bmx_sandbox, lee_client):
    page = lee_client.get(
        doors_url(bmx_sandbox.world.lee_skyline), {"q": "ballroom"}
    ).content.decode()
    assert card_names(page) == []
    assert "No door matches “ballroom”" in page


def test_a_small_building_shows_every_door_without_a_search(bmx_sandbox, rosa_client):
    page = rosa_client.get(doors_url(bmx_sandbox.world.rosa_harbor)).content.decode()
    assert 'id="door-search"' not in page
    assert "All doors (" not in page
    assert bmx_sandbox.world.harbor_gym.name in card_names(page)


def test_the_most_used_doors_show_before_the_search(bmx_sandbox, lee_client, resident):
    world = bmx_sandbox.world
    DoorEventFactory.create_batch(
        3,
        user=resident,
        tenant_id=world.lee_skyline.pk,
        building_id=world.skyline_commons.pk,
        door_id=40003,
        door_name="Package room",
    )
    page = lee_client.get(doors_url(world.lee_skyline)).content.decode()

    first_view = page.split('id="find-heading"')[0]
    assert card_names(first_view) == [world.lee_smart_lock.name, "Package room"]
    assert "Most used" in first_view


# Favourites.


def test_a_pinned_door_shows_first_in_favourites(bmx_sandbox, lee_client, resident):
    world = bmx_sandbox.world
    response = lee_client.post(
        favourite_url(world.lee_skyline, "access_point", 40120), {"pin": "1"}, **HTMX
    )

    assert response.status_code == 200
    card = response.content.decode()
    assert 'aria-pressed="true"' in card
    assert card_names(card) == ["Stairwell A, floor 40"]
    assert FavouriteDoor.objects.filter(user=resident, door_id=40120).count() == 1

    page = lee_client.get(doors_url(world.lee_skyline)).content.decode()
    favourites, rest = page.split('id="home-heading"')
    assert "Favourites" in favourites
    assert card_names(favourites) == ["Stairwell A, floor 40"]
    assert card_names(rest.split('id="find-heading"')[0]) == [world.lee_smart_lock.name]


def test_favourites_are_in_natural_order_and_leave_the_other_sections(
    bmx_sandbox, rosa_client, connected_resident
):
    world = bmx_sandbox.world
    for door in (world.harbor_package_room, world.harbor_front_door):
        rosa_client.post(favourite_url(world.rosa_harbor, "access_point", door.pk), {"pin": "1"})
    rosa_client.post(
        favourite_url(world.rosa_harbor, "device", world.rosa_smart_lock.pk), {"pin": "1"}
    )

    page = rosa_client.get(doors_url(world.rosa_harbor)).content.decode()
    favourites, rest = page.split('id="entrances-heading"')
    assert card_names(favourites) == ["Front door", "Package room", "Unit 4B smart lock"]
    assert 'id="home-heading"' not in page  # the home's only lock is a favourite now
    assert not {"Front door", "Package room"} & set(card_names(rest))


def test_unpin_without_javascript_goes_back_to_the_doors(bmx_sandbox, rosa_client):
    world = bmx_sandbox.world
    url = favourite_url(world.rosa_harbor, "access_point", world.harbor_gym.pk)
    rosa_client.post(url, {"pin": "1"})
    assert FavouriteDoor.objects.count() == 1

    response = rosa_client.post(url, {"pin": "0"})

    assert response.status_code == 302
    assert response.url == doors_url(world.rosa_harbor)
    assert FavouriteDoor.objects.count() == 0
    page = rosa_client.get(doors_url(world.rosa_harbor)).content.decode()
    assert 'id="favourites-heading"' not in page


def test_pinning_twice_keeps_one_favourite(bmx_sandbox, rosa_client):
    world = bmx_sandbox.world
    url = favourite_url(world.rosa_harbor, "access_point", world.harbor_gym.pk)
    rosa_client.post(url, {"pin": "1"}, **HTMX)
    rosa_client.post(url, {"pin": "1"}, **HTMX)
    assert FavouriteDoor.objects.count() == 1


@pytest.mark.parametrize(
    ("tenant", "kind", "door"),
    [
        ("rosa_harbor", "device", "sam_smart_lock"),  # the neighbour's lock
        ("sam_harbor", "access_point", "harbor_gym"),  # the neighbour's tenancy
        ("rosa_harbor", "access_point", "tower_lobby_door"),  # another building's door
    ],
)
def test_a_door_not_in_the_residents_listing_cannot_be_pinned(
    bmx_sandbox, rosa_client, tenant, kind, door
):
    world = bmx_sandbox.world
    url = favourite_url(getattr(world, tenant), kind, getattr(world, door).pk)
    assert rosa_client.post(url, {"pin": "1"}, **HTMX).status_code == 404
    assert FavouriteDoor.objects.count() == 0


def test_pinning_needs_the_csrf_token(bmx_sandbox, connected_resident):
    world = bmx_sandbox.world
    client = Client(enforce_csrf_checks=True)
    client.force_login(connected_resident)
    url = favourite_url(world.rosa_harbor, "access_point", world.harbor_gym.pk)

    assert client.post(url, {"pin": "1"}).status_code == 403
    assert FavouriteDoor.objects.count() == 0

    page = client.get(doors_url(world.rosa_harbor)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(url, {"pin": "1", "csrfmiddlewaretoken": token}).status_code == 302
    assert FavouriteDoor.objects.count() == 1


def test_pinning_needs_a_signed_in_resident(bmx_sandbox, client):
    world = bmx_sandbox.world
    url = favourite_url(world.rosa_harbor, "access_point", world.harbor_gym.pk)
    response = client.post(url, {"pin": "1"})
    assert response.status_code == 302
    assert "/accounts/login/" in response.url
    assert FavouriteDoor.objects.count() == 0


def test_pinning_is_post_only(bmx_sandbox, rosa_client):
    world = bmx_sandbox.world
    url = favourite_url(world.rosa_harbor, "access_point", world.harbor_gym.pk)
    assert rosa_client.get(url).status_code == 405


def test_a_tap_on_a_favourite_keeps_its_star(bmx_sandbox, rosa_client):
    world = bmx_sandbox.world
    rosa_client.post(
        favourite_url(world.rosa_harbor, "access_point", world.harbor_gym.pk), {"pin": "1"}
    )
    page = rosa_client.get(doors_url(world.rosa_harbor)).content.decode()
    assert '<input type="hidden" name="pinned" value="1">' in page
    unlock = reverse(
        "door_unlock",
        args=[
            world.rosa_harbor.building_id,
            world.rosa_harbor.pk,
            "access_point",
            world.harbor_gym.pk,
        ],
    )

    card = rosa_client.post(unlock, {"pinned": "1"}, **HTMX).content.decode()

    assert "Opened at" in card
    assert 'aria-pressed="true"' in card


def test_the_cards_script_is_a_static_file(bmx_sandbox, rosa_client):
    page = rosa_client.get(doors_url(bmx_sandbox.world.rosa_harbor)).content.decode()
    assert '<script src="/static/js/door-cards.js"></script>' in page
    assert finders.find("js/door-cards.js")
    assert "<script>" not in page  # the CSP allows no inline script
