"""A resident on a phone sees how busy their building's gym is and when best to go; a
manager changes which rooms residents see."""

import re
import time

import pytest
from playwright.sync_api import expect

from occupancy.models import Amenity, BuildingLink
from sandbox.butlr.world import Building, Room
from tests.e2e.test_journeys import DESKTOP, PHONE, sign_in
from tests.factories import totp_code
from tests.residents.conftest import connection_create

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, databases=["default", "sandbox"]),
]


@pytest.fixture
def harbor_linked(bmx_sandbox, butlr_sandbox):
    world = butlr_sandbox.world
    link = BuildingLink.objects.create(
        butterflymx_building_id=bmx_sandbox.world.harbor_point.pk,
        butlr_building_id=world.named(Building, "Harbor Point").id,
        name="Harbor Point",
    )
    Amenity.objects.create(link=link, butlr_room_id=world.named(Room, "Gym").id, name="Gym")
    return link


def test_the_demo_resident_sees_the_gyms_busyness_and_the_best_time_to_go(
    bmx_sandbox, butlr_sandbox, harbor_linked, browse, resident, password
):
    rosa = bmx_sandbox.world.rosa
    connection_create(user=resident, person=rosa, tokens=bmx_sandbox.issue_tokens(rosa))
    tab = browse("phone", **PHONE)
    page = tab.page
    sign_in(tab, email=resident.email, password=password)
    page.get_by_role("link", name=re.compile("Harbor Point")).tap()

    amenities = page.get_by_role("region", name="Amenities")
    expect(amenities.get_by_role("heading", name="Gym", level=3)).to_be_visible()
    gym = amenities.get_by_role("listitem").filter(has_text="Gym").first
    expect(gym.locator(".busyness")).to_have_text(re.compile(r"^(Quiet|Moderate|Busy)$"))
    expect(gym).to_contain_text(re.compile(r"(\d+ of 20|a few|Nobody|A few)"))
    expect(gym).to_contain_text("Usually at this hour")
    best = gym.locator(".amenity-best strong")
    expect(best).to_have_text(re.compile(r"^\d{2}:00$"))
    hour = best.inner_text()
    table = gym.get_by_role("table", name=re.compile("Gym on a usual"))
    expect(table.get_by_role("row", name=re.compile(f"^{hour}"))).to_contain_text("best time")
    # Only the chosen room: nothing of the lounge, the pool or the floors.
    expect(amenities).not_to_contain_text("lounge")
    expect(amenities).not_to_contain_text("Amenity floor")
    tab.check("doors-with-amenities")


def test_a_manager_shows_the_pool_to_residents(
    butlr_sandbox, harbor_linked, browse, manager, password
):
    tab = browse("desktop", **DESKTOP)
    page = tab.page
    sign_in(
        tab,
        email=manager.email,
        password=password,
        code=totp_code(at=time.time()),
        lands_on=re.compile("^Occupancy"),
    )
    page.goto("/dashboard/amenities/")
    tab.check("amenity-links")
    page.get_by_role("link", name=re.compile("Harbor Point")).click()
    expect(page.get_by_role("heading", name=re.compile("^Amenities"), level=1)).to_be_visible()
    tab.check("amenity-rooms")

    pool = page.get_by_role("row", name=re.compile("^Pool"))
    pool.get_by_role("checkbox").check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Saved: residents see the rooms chosen.")).to_be_visible()
    assert set(Amenity.objects.values_list("name", flat=True)) == {"Gym", "Pool"}
