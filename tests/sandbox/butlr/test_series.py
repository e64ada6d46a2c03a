"""Tests of the Butlr sandbox's synthetic occupancy and traffic series."""

from datetime import date, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from sandbox.butlr import series
from sandbox.butlr.world import WORLD, Floor, Room

pytestmark = pytest.mark.django_db

# Monday 16 to Sunday 22 November 2026, plus the Sunday the clocks went back.
WEEK = [date(2026, 11, 16) + timedelta(days=offset) for offset in range(7)]
DAYS = [*WEEK, date(2026, 11, 1)]


def _occupancy(room, day):
    return series.room_day(room.id, day).fields["occupancy"]


def _hours(values, first, last):
    return values[first * 60 : last * 60]


@pytest.mark.parametrize("room", WORLD.rooms, ids=lambda room: room.name)
def test_people_counts_stay_between_zero_and_capacity(room):
    for day in DAYS:
        values = _occupancy(room, day)
        assert all(isinstance(people, int) for people in values)
        assert min(values) >= 0
        assert max(values) <= room.capacity_max


def test_rooms_get_busy_at_some_point_in_the_week():
    for room in WORLD.rooms:
        if room.name == "Quiet room":
            continue
        busiest = max(max(_occupancy(room, day)) for day in WEEK)
        assert busiest >= room.capacity_max / 3, room.name


def test_nights_are_quiet_and_office_hours_busy():
    for name in ("Open workspace", "Lobby", "Café", "Open office"):
        room = next(room for room in WORLD.rooms if room.name == name)
        for day in WEEK[:5]:
            values = _occupancy(room, day)
            assert sum(_hours(values, 1, 5)) < sum(_hours(values, 9, 17)) / 10, (name, day)


def test_weekends_are_quieter_in_offices():
    for name in ("Open workspace", "Open office", "Meeting room Walleye"):
        room = next(room for room in WORLD.rooms if room.name == name)
        weekday = sum(sum(_occupancy(room, day)) for day in WEEK[:5]) / 5
        weekend = sum(sum(_occupancy(room, day)) for day in WEEK[5:]) / 2
        assert weekend < weekday / 3, name


def test_the_cafe_peaks_around_lunch():
    cafe = WORLD.named(Room, "Café")
    for day in WEEK[:5]:
        values = _occupancy(cafe, day)
        busiest_minute = values.index(max(values))
        assert 11 * 60 <= busiest_minute <= 14 * 60, day


def test_a_day_is_as_long_as_the_local_day():
    lobby = WORLD.named(Room, "Lobby")

    assert len(_occupancy(lobby, date(2026, 11, 1))) == 25 * 60
    assert len(_occupancy(lobby, date(2026, 3, 8))) == 23 * 60
    start, end = series.day_bounds(date(2026, 11, 16), ZoneInfo("America/New_York"))
    assert series.room_day(lobby.id, date(2026, 11, 16)).start == start
    assert end - start == 1440


def test_a_floor_is_the_sum_of_its_rooms():
    floor = WORLD.named(Floor, "Co-working floor")
    day = WEEK[2]
    rooms = [_occupancy(room, day) for room in WORLD.rooms_of(floor.id)]

    floor_values = series.floor_day(floor.id, day).fields["occupancy"]

    assert list(floor_values) == [sum(column) for column in zip(*rooms, strict=True)]
    assert max(floor_values) <= floor.capacity_max


@pytest.mark.parametrize("floor", WORLD.floors, ids=lambda floor: floor.name)
def test_traffic_follows_the_floors_changes_and_restarts_at_midnight(floor):
    day = WEEK[3]
    traffic = series.traffic_day(floor.id, day)
    ins, outs, counted = (traffic.fields[name] for name in ("in", "out", "occupancy"))
    inside = 0
    for came, went, people in zip(ins, outs, counted, strict=True):
        inside = max(0, inside + came - went)
        assert people == inside
    assert counted[0] <= ins[0]
    if all(sensor.is_online for sensor in WORLD.entrances_of(floor.id)):
        occupancy = series.floor_day(floor.id, day).fields["occupancy"]
        before = series.floor_day(floor.id, day - timedelta(days=1)).fields["occupancy"][-1]
        assert sum(ins) - sum(outs) == occupancy[-1] - before
        assert sum(ins) > max(occupancy)


def test_an_offline_entrance_counts_only_part_of_the_traffic():
    rooftop = WORLD.named(Floor, "Rooftop")
    day = WEEK[5]
    traffic = series.traffic_day(rooftop.id, day)
    occupancy = series.floor_day(rooftop.id, day).fields["occupancy"]
    arrivals = sum(max(0, b - a) for a, b in pairwise(occupancy))

    assert 0 < sum(traffic.fields["in"]) < arrivals
    assert min(traffic.nulls) == 50


def test_missing_data_is_rare_for_online_sensors_and_total_for_offline_ones():
    quiet = WORLD.named(Room, "Quiet room")
    online_rooms = [room for room in WORLD.rooms if room.id != quiet.id]
    nulls = [null for room in online_rooms for day in WEEK for null in _null(room, day)]

    share = sum(1 for null in nulls if null) / len(nulls)
    assert 0.005 < share < 0.05
    assert all(null == 100 for day in WEEK for null in _null(quiet, day))
    assert max(max(_occupancy(quiet, day)) for day in WEEK) == 0


def _null(room, day):
    return series.room_day(room.id, day).nulls


def test_series_do_not_depend_on_the_cache():
    lobby = WORLD.named(Room, "Lobby")
    first = series.room_day(lobby.id, WEEK[0])
    series.room_day.cache_clear()

    again = series.room_day(lobby.id, WEEK[0])

    assert again is not first
    assert again == first
    assert series.room_day(lobby.id, WEEK[1]) != first


def test_a_range_crosses_days_seamlessly():
    lobby = WORLD.named(Room, "Lobby")
    tz = ZoneInfo("America/New_York")
    start = series.day_bounds(WEEK[0], tz)[0] + 600
    stop = series.day_bounds(WEEK[2], tz)[0] + 60

    fields, nulls = series.series_minutes(kind="room", asset=lobby, start=start, stop=stop)

    expected = [
        *_occupancy(lobby, WEEK[0])[600:],
        *_occupancy(lobby, WEEK[1]),
        *_occupancy(lobby, WEEK[2])[:60],
    ]
    assert list(fields["occupancy"]) == expected
    assert len(nulls) == len(expected)
