"""What residents may see of a building's amenities: counts, busyness, their typical day."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import responses
import time_machine
from django.core.cache import cache

from occupancy.models import Amenity, BuildingLink
from occupancy.selectors import amenities_for_building
from tests.occupancy.conftest import BUTLR, ROOM_A, ROOM_B, ROOM_C, TOPOLOGY

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
# 09:02:30 on Monday 23 November 2026 in Chicago.
MOMENT = datetime(2026, 11, 23, 15, 2, 30, tzinfo=UTC)
HARBOR = 11743


def typical(hour: int) -> float:
    """The made-up typical day: nobody at night, 8 people by day, 1 at 14:00 and 15:00."""
    if hour < 6:
        return 0
    return 1 if hour in (14, 15) else 8


class AmenityButlr:
    def __init__(self, mock):
        self.now = {ROOM_A: 2, ROOM_B: 15, ROOM_C: 4}
        self.bodies = []
        self.fail = False
        self.topology = TOPOLOGY
        mock.add_callback(responses.POST, f"{BUTLR}/api/v3/graphql", callback=self.graphql)
        mock.add_callback(responses.POST, f"{BUTLR}/api/v3/reporting", callback=self.reporting)

    def graphql(self, request):
        return 200, {}, json.dumps({"data": self.topology})

    def reporting(self, request):
        body = json.loads(request.body)
        self.bodies.append(body)
        if self.fail:
            return 503, {}, "{}"
        rooms = body["filter"]["rooms"]["eq"]
        zone = ZoneInfo(body["window"]["timezone"])
        if body["group_by"]["order"] == ["room_id"]:
            data = {room: {"median": self.now[room], "count": 5} for room in rooms}
            return 200, {}, json.dumps({"data": data})
        start = datetime.fromisoformat(body["filter"]["start"].replace("Z", "+00:00"))
        stop = datetime.fromisoformat(body["filter"]["stop"].replace("Z", "+00:00"))
        data = {}
        for room in rooms:
            series, moment = {}, start
            while moment < stop:
                value = typical(moment.astimezone(zone).hour)
                series[moment.astimezone(zone).isoformat()] = {"mean": value, "count": 1}
                moment += timedelta(hours=1)
            data[room] = series
        return 200, {}, json.dumps({"data": data})

    def queries(self, every):
        return [body for body in self.bodies if body["window"]["every"] == every]


@pytest.fixture
def butlr(butlr_api, clock_cache, settings):
    settings.AMENITY_FEW_THRESHOLD = 2
    return AmenityButlr(butlr_api)


@pytest.fixture
def linked(db):
    link = BuildingLink.objects.create(
        butterflymx_building_id=HARBOR, butlr_building_id="building_tower"
    )
    Amenity.objects.create(link=link, butlr_room_id=ROOM_B, name="Gym", position=0)
    Amenity.objects.create(
        link=link, butlr_room_id=ROOM_A, name="Reading room", capacity=5, position=1
    )
    return link


def _board(moment=MOMENT):
    with time_machine.travel(moment, tick=False):
        return amenities_for_building(butterflymx_building_id=HARBOR)


def _gym(moment=MOMENT):
    return _board(moment).amenities[0]


def test_nothing_for_a_building_not_linked_or_without_chosen_rooms(butlr):
    assert _board() is None
    link = BuildingLink.objects.create(butterflymx_building_id=HARBOR, butlr_building_id="b")
    assert _board() is None
    Amenity.objects.create(link=link, butlr_room_id=ROOM_B, name="Gym")
    assert _board() is not None
    assert butlr.bodies  # only now was Butlr asked


def test_only_the_chosen_rooms_under_the_names_residents_know(butlr, linked):
    board = _board()

    assert [(a.name, a.people, a.capacity) for a in board.amenities] == [
        ("Gym", 15, 20),
        ("Reading room", 2, 5),
    ]
    # Butlr is asked about the chosen rooms only, never about floors.
    for body in butlr.bodies:
        assert sorted(body["filter"]["rooms"]["eq"]) == sorted([ROOM_A, ROOM_B])
        assert "spaces" not in body["filter"]


@pytest.mark.parametrize(
    ("people", "label"),
    [(0, "quiet"), (5, "quiet"), (6, "moderate"), (13, "moderate"), (14, "busy"), (20, "busy")],
)
def test_busyness_against_the_capacity(butlr, linked, people, label):
    butlr.now[ROOM_B] = people

    assert _gym().busyness == label


def test_thresholds_are_settings(butlr, linked, settings):
    settings.AMENITY_QUIET_BELOW = 0.1
    settings.AMENITY_BUSY_FROM = 0.5
    butlr.now[ROOM_B] = 10

    assert _gym().busyness == "busy"


def test_no_label_without_a_capacity(butlr, linked):
    Amenity.objects.filter(butlr_room_id=ROOM_B).update(butlr_room_id=ROOM_C)
    butlr.now[ROOM_C] = 4
    assert _gym().count == "4 of 8"
    cache.clear()
    # A room Butlr gives no capacity to, and no override: a count, no label.
    topology = json.loads(json.dumps(TOPOLOGY))
    topology["sites"]["data"][0]["buildings"][0]["floors"][1]["rooms"][0]["capacity"] = None
    butlr.topology = topology

    gym = _gym()

    assert (gym.capacity, gym.busyness, gym.count) == (None, None, "4 people")


@pytest.mark.parametrize(
    ("people", "words"), [(0, "nobody"), (1, "a few"), (2, "a few"), (3, "3 of 20")]
)
def test_one_or_two_people_are_a_few(butlr, linked, people, words):
    butlr.now[ROOM_B] = people

    assert _gym().count == words


def test_a_few_can_be_turned_off(butlr, linked, settings):
    settings.AMENITY_FEW_THRESHOLD = 0
    butlr.now[ROOM_B] = 2

    assert _gym().count == "2 of 20"


def test_usually_at_this_hour_and_the_best_time_to_go(butlr, linked):
    gym = _gym()

    assert gym.usually == 8 and gym.usual_count == "8 of 20"
    assert [hour.hour for hour in gym.hours] == list(range(6, 22))
    assert gym.best.hour == 14
    assert [hour.hour for hour in gym.hours if hour.now] == [9]
    [typical_query] = butlr.queries("1h")
    # The last four whole weeks, up to this morning's local midnight.
    assert typical_query["filter"]["stop"] == "2026-11-23T06:00:00Z"
    assert typical_query["filter"]["start"] == "2026-10-26T05:00:00Z"


def test_late_in_the_day_the_best_time_is_the_quietest_hour_left(butlr, linked):
    # 18:30 in Chicago: 14:00 is past, every hour left is as busy; the earliest one wins.
    assert _gym(datetime(2026, 11, 24, 0, 30, tzinfo=UTC)).best.hour == 18


def test_the_typical_day_is_asked_once_a_day(butlr, linked):
    for minutes in range(0, 600, 7):
        _board(MOMENT + timedelta(minutes=minutes))
    assert len(butlr.queries("1h")) == 1

    _board(MOMENT + timedelta(days=1))
    assert len(butlr.queries("1h")) == 2


def test_one_query_a_minute_for_the_building_however_many_look(butlr, linked):
    for _ in range(25):
        _board()
    assert len(butlr.queries("1m")) == 1

    for _ in range(25):
        _board(MOMENT + timedelta(seconds=20))
    assert len(butlr.queries("1m")) == 1

    _board(MOMENT + timedelta(minutes=1))
    assert len(butlr.queries("1m")) == 2


def test_when_butlr_fails_at_first_nothing_is_shown_as_a_figure(butlr, linked):
    butlr.fail = True

    gym = _gym()

    assert gym.unavailable and gym.people is None and gym.as_of is None
    assert gym.busyness is None


def test_when_butlr_fails_later_the_last_figure_shows_with_its_time(butlr, linked):
    assert not _gym().unavailable
    butlr.fail = True

    gym = _gym(MOMENT + timedelta(minutes=3))

    assert gym.unavailable
    assert gym.people == 15 and gym.as_of == MOMENT
    assert gym.busyness is None  # stale: no label for now
    # Butlr recovers: fresh figures again.
    butlr.fail = False
    butlr.now[ROOM_B] = 4
    gym = _gym(MOMENT + timedelta(minutes=5))
    assert not gym.unavailable and gym.people == 4
