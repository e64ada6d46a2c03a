"""The sandbox's amenity rooms for the demo: gym, lounge, laundry room and pool at Harbor
Point, with the rhythm such rooms have, and the ids `amenities_link` gets from it."""

import io
import json
from datetime import date, timedelta

import pytest
from django.core.management import call_command

from occupancy.models import Amenity, BuildingLink
from sandbox.butlr import series
from sandbox.butlr.world import WORLD, Building, Room
from sandbox.butterflymx.world import HARBOR_POINT

pytestmark = pytest.mark.django_db

# Monday 16 to Sunday 29 November 2026: two weeks.
DAYS = [date(2026, 11, 16) + timedelta(days=offset) for offset in range(14)]
WEEKDAYS = [day for day in DAYS if day.weekday() < 5]
WEEKENDS = [day for day in DAYS if day.weekday() >= 5]


def _mean(room_name, days, first_hour, last_hour):
    room = WORLD.named(Room, room_name)
    values = [
        people
        for day in days
        for people in series.room_day(room.id, day).fields["occupancy"][
            first_hour * 60 : last_hour * 60
        ]
    ]
    return sum(values) / len(values)


def test_harbor_point_has_the_amenity_rooms():
    harbor = WORLD.named(Building, "Harbor Point")
    names = {room.name for floor in WORLD.floors_of(harbor.id) for room in WORLD.rooms_of(floor.id)}

    assert {"Gym", "Residents' lounge", "Laundry room", "Pool"} <= names


def test_the_gym_peaks_in_the_morning_and_the_evening():
    morning, midday, evening = (
        _mean("Gym", WEEKDAYS, 6, 8),
        _mean("Gym", WEEKDAYS, 14, 16),
        _mean("Gym", WEEKDAYS, 18, 19),
    )

    assert morning > 2 * midday and evening > 2 * midday


def test_laundry_is_a_weekend_chore():
    assert _mean("Laundry room", WEEKENDS, 9, 17) > 2 * _mean("Laundry room", WEEKDAYS, 9, 17)


def test_make_run_links_harbor_point_and_leaves_a_managers_choice_alone(tmp_path, settings):
    settings.SANDBOX_ENABLED = settings.BUTLR_SANDBOX = True
    printed = io.StringIO()
    call_command("sandbox_demo_amenities", stdout=printed)
    links = tmp_path / "links.json"
    links.write_text(printed.getvalue())

    call_command("amenities_link", str(links), stdout=io.StringIO())

    link = BuildingLink.objects.get()
    assert link.butterflymx_building_id == HARBOR_POINT
    assert link.butlr_building_id == WORLD.named(Building, "Harbor Point").id
    chosen = {WORLD.get(a.butlr_room_id).name: a.name for a in link.amenities.all()}
    assert chosen == {
        "Gym": "Gym",
        "Residents' lounge": "Rooftop lounge",
        "Laundry room": "Laundry room",
    }

    Amenity.objects.filter(name="Laundry room").delete()
    call_command("amenities_link", str(links), stdout=io.StringIO())
    assert set(Amenity.objects.values_list("name", flat=True)) == {"Gym", "Rooftop lounge"}
    assert json.loads(printed.getvalue())["links"][0]["name"] == "Harbor Point"
