"""Synthetic per-minute occupancy and traffic of the Butlr sandbox's rooms and floors.

Every room has a 1-minute people count that follows the room's use (a lobby fills at the
morning rush, a café at lunch, a gym early and late, meeting rooms in booked slots), is lower
at weekends, quiet at night, and never negative nor above the room's capacity. A floor's
occupancy is the sum of its rooms; its entrance traffic (people in and out) follows the
floor's changes, and traffic-based occupancy restarts from zero at local midnight.

Each series is computed one local day at a time from a random generator seeded by the asset
id and the date, so the same minute always has the same value in every process, and days
are cached. Alongside the values, ``nulls`` holds per minute how much of the data was missing
(0-100 %): short sensor dropouts on some days, and everything from offline sensors.
"""

from __future__ import annotations

import math
import random
from array import array
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import accumulate, pairwise
from operator import sub
from zoneinfo import ZoneInfo

from sandbox.butlr.world import WORLD, Floor, Room

DAY = 1440


@dataclass(frozen=True)
class DaySeries:
    """One local day of a series: epoch minutes [start, end) and per-minute data."""

    start: int
    end: int
    fields: dict[str, array]
    nulls: bytearray


def epoch_minute(moment: datetime) -> int:
    return math.floor(moment.timestamp() / 60)


def epoch_minute_ceil(moment: datetime) -> int:
    """The first whole minute at or after ``moment``: a range [start, stop) holds the minutes
    from ``epoch_minute_ceil(start)`` up to, not including, ``epoch_minute_ceil(stop)``."""
    return math.ceil(moment.timestamp() / 60)


def local_date(minute: int, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(minute * 60, tz).date()


@lru_cache(maxsize=4096)
def day_bounds(day: date, tz: ZoneInfo) -> tuple[int, int]:
    """Epoch minutes of the local midnights that start and end ``day``."""
    start = datetime.combine(day, time(), tz)
    end = datetime.combine(day + timedelta(days=1), time(), tz)
    return epoch_minute(start), epoch_minute(end)


@lru_cache(maxsize=64)
def local_minutes(day: date, tz: ZoneInfo) -> tuple[int, ...]:
    """The local minute of the day (0-1439) of each minute of ``day``, which may be 23 or 25
    hours long when the clocks change."""
    start, end = day_bounds(day, tz)
    if end - start == DAY:
        return tuple(range(DAY))
    return tuple(
        (local.hour * 60 + local.minute)
        for local in (datetime.fromtimestamp(m * 60, tz) for m in range(start, end))
    )


# Daily rhythms: a base level plus bumps (hour of the peak, width in minutes, height), as a
# share of capacity. Rooms used in booked slots ("blocks") read the rhythm as the chance that
# a slot is booked.
_RHYTHMS = {
    "lobby": (0.01, ((8.75, 35, 0.55), (12.25, 40, 0.3), (17.6, 45, 0.5), (20.5, 90, 0.08))),
    "mailroom": (0.0, ((12.5, 70, 0.25), (18.0, 60, 0.45))),
    "cafe": (0.0, ((8.4, 40, 0.2), (12.5, 40, 0.85), (15.25, 35, 0.2))),
    "gym": (0.0, ((6.9, 45, 0.6), (12.2, 30, 0.2), (18.4, 55, 0.8))),
    "studio": (0.0, ((7.25, 40, 0.7), (12.5, 30, 0.5), (18.75, 45, 0.85))),
    "lounge": (0.02, ((12.5, 45, 0.35), (16.0, 90, 0.25), (20.0, 80, 0.45))),
    "workspace": (0.0, ((10.5, 90, 0.75), (12.6, 25, -0.25), (14.75, 100, 0.7))),
    "meeting": (0.0, ((10.0, 70, 0.7), (14.5, 80, 0.75))),
    "booth": (0.0, ((10.25, 80, 0.5), (15.0, 90, 0.45))),
    "quiet": (0.0, ((10.0, 90, 0.3), (14.5, 100, 0.35))),
    "terrace": (0.0, ((12.5, 60, 0.2), (18.75, 100, 0.55))),
    "party": (0.0, ((19.5, 120, 0.35),)),
    "pool": (0.0, ((7.0, 40, 0.35), (12.5, 45, 0.2), (17.75, 70, 0.55))),
    "laundry": (0.0, ((8.0, 45, 0.15), (19.5, 80, 0.35))),
}
_WEEKEND_RHYTHMS = {
    "gym": (0.0, ((9.5, 80, 0.7), (17.0, 80, 0.5))),
    "studio": (0.0, ((9.5, 45, 0.9), (11.0, 40, 0.6))),
    "lounge": (0.03, ((11.0, 120, 0.4), (15.5, 120, 0.5), (20.5, 90, 0.5))),
    "terrace": (0.0, ((13.0, 120, 0.45), (18.5, 120, 0.8))),
    "party": (0.0, ((20.0, 150, 0.8),)),
    "pool": (0.0, ((11.5, 120, 0.6), (15.5, 120, 0.75))),
    # Laundry is a weekend chore: busy from mid-morning to late afternoon.
    "laundry": (0.02, ((10.5, 120, 0.8), (15.0, 150, 0.7))),
}
# How busy a weekend day is against a weekday, for rooms without a weekend rhythm of their own.
_WEEKEND_FACTOR = {
    "lobby": 0.45,
    "mailroom": 0.35,
    "cafe": 0.25,
    "workspace": 0.1,
    "meeting": 0.05,
    "booth": 0.08,
    "quiet": 0.1,
}
# Slot length in minutes of rooms used in booked slots, and the share of the capacity a
# booking brings in (at least, at most).
_BLOCKS = {"meeting": (30, 0.3, 1.0), "studio": (60, 0.4, 1.0), "party": (180, 0.3, 0.9)}


@lru_cache(maxsize=64)
def _rhythm(kind: str, weekend: bool) -> tuple[float, ...]:
    if weekend and kind in _WEEKEND_RHYTHMS:
        base, bumps = _WEEKEND_RHYTHMS[kind]
        factor = 1.0
    else:
        base, bumps = _RHYTHMS[kind]
        factor = _WEEKEND_FACTOR.get(kind, 1.0) if weekend else 1.0
    levels = []
    for minute in range(DAY):
        level = base if 6 * 60 <= minute < 23 * 60 else base / 4
        for hour, width, height in bumps:
            level += height * math.exp(-0.5 * ((minute - hour * 60) / width) ** 2)
        levels.append(max(0.0, min(1.0, level * factor)))
    return tuple(levels)


def _dropouts(rng: random.Random, length: int) -> bytearray:
    # Most days one sensor dropout of a quarter of an hour to over an hour: ~2 % of minutes.
    nulls = bytearray(length)
    if rng.random() < 0.6:
        size = rng.randint(15, 80)
        first = rng.randrange(0, length - size)
        nulls[first : first + size] = b"\x64" * size
    return nulls


def _continuous(room: Room, rng: random.Random, rhythm, minutes) -> list[int]:
    capacity = room.capacity_max
    scale = capacity * rng.uniform(0.8, 1.1)
    expected = [scale * rhythm[minute] for minute in minutes]
    rand, sqrt = rng.random, math.sqrt
    # A slowly wandering deviation from the rhythm, larger where more people are expected.
    walk = 0.0
    values = []
    for level in expected:
        walk = 0.95 * walk + (rand() - 0.5) * 1.04
        people = int(level + walk * sqrt(level) + 0.5)
        values.append(0 if people < 0 else capacity if people > capacity else people)
    return values


def _booked(room: Room, rng: random.Random, rhythm, minutes) -> list[int]:
    slot, least, most = _BLOCKS[room.kind]
    capacity = room.capacity_max
    values = []
    booking = 0
    for minute in minutes:
        into = minute % slot
        if into == 0 or not values:
            chance = rhythm[min(DAY - 1, minute - into + slot // 2)]
            booking = round(capacity * rng.uniform(least, most)) if rng.random() < chance else 0
        # People trickle in over the first minutes of a slot and leave in its last ones.
        if into < 4:
            people = booking * (into + 1) // 4
        elif into >= slot - 2:
            people = booking // 2
        else:
            people = booking
        values.append(max(0, min(capacity, people)))
    return values


@lru_cache(maxsize=4096)
def room_day(room_id: str, day: date) -> DaySeries:
    room = WORLD.get(room_id)
    tz = ZoneInfo(WORLD.get(room.floor_id).timezone)
    start, end = day_bounds(day, tz)
    minutes = local_minutes(day, tz)
    rng = random.Random(f"{room.id}/{day.isoformat()}")  # noqa: S311 (made-up data)
    rhythm = _rhythm(room.kind, day.weekday() >= 5)
    make = _booked if room.kind in _BLOCKS else _continuous
    values = make(room, rng, rhythm, minutes)
    nulls = _dropouts(rng, len(minutes))
    sensors = WORLD.presence_sensors_of(room.id)
    offline = sum(not sensor.is_online for sensor in sensors) / len(sensors)
    if offline:
        # What offline sensors would have counted is missing from the room's figures.
        values = [round(people * (1 - offline)) for people in values]
        nulls = bytearray(max(null, round(100 * offline)) for null in nulls)
    return DaySeries(start, end, {"occupancy": array("H", values)}, nulls)


@lru_cache(maxsize=1024)
def floor_day(floor_id: str, day: date) -> DaySeries:
    days = [room_day(room.id, day) for room in WORLD.rooms_of(floor_id)]
    first = days[0]
    values = array("H", map(sum, zip(*(d.fields["occupancy"] for d in days), strict=True)))
    nulls = bytearray(
        sum(column) // len(days) for column in zip(*(d.nulls for d in days), strict=True)
    )
    return DaySeries(first.start, first.end, {"occupancy": values}, nulls)


def _add_at_least_zero(total: int, change: int) -> int:
    return total + change if total + change > 0 else 0


@lru_cache(maxsize=1024)
def traffic_day(floor_id: str, day: date) -> DaySeries:
    """People in and out through a floor's entrances, and occupancy counted from them."""
    floor_series = floor_day(floor_id, day)
    occupancy = floor_series.fields["occupancy"]
    previous = floor_day(floor_id, day - timedelta(days=1)).fields["occupancy"][-1]
    rng = random.Random(f"{floor_id}/traffic/{day.isoformat()}")  # noqa: S311
    entrances = WORLD.entrances_of(floor_id)
    online = [index for index, sensor in enumerate(entrances) if sensor.is_online]
    count = len(entrances)
    rand = rng.random
    changes = [now - before for before, now in pairwise([previous, *occupancy])]
    # Some people pass each other at the door without changing the count.
    passing = [1 if rand() * 100 < (people if people < 40 else 40) else 0 for people in occupancy]
    came = [max(change, 0) + extra for change, extra in zip(changes, passing, strict=True)]
    went = [max(-change, 0) + extra for change, extra in zip(changes, passing, strict=True)]
    if len(online) < count:
        # Each entrance counts its share; an offline one counts nothing.
        came = [sum((people + index) // count for index in online) for people in came]
        went = [sum((people + index) // count for index in online) for people in went]
    # Counting restarts from nobody at midnight and never goes below zero.
    inside = accumulate(map(sub, came, went), _add_at_least_zero, initial=0)
    next(inside)
    ins, outs, counted = array("H", came), array("H", went), array("H", inside)
    nulls = _dropouts(rng, len(occupancy))
    missing = round(100 * (count - len(online)) / count)
    if missing:
        nulls = bytearray(max(null, missing) for null in nulls)
    fields = {"in": ins, "out": outs, "occupancy": counted}
    return DaySeries(floor_series.start, floor_series.end, fields, nulls)


def series_minutes(
    *, kind: str, asset: Room | Floor, start: int, stop: int
) -> tuple[dict[str, array], bytearray]:
    """Per-minute fields and nulls of a "room", "floor" or "traffic" series over epoch minutes
    [start, stop)."""
    floor = asset if isinstance(asset, Floor) else WORLD.get(asset.floor_id)
    tz = ZoneInfo(floor.timezone)
    day_of = {"room": room_day, "floor": floor_day, "traffic": traffic_day}[kind]
    fields: dict[str, array] = {}
    nulls = bytearray()
    day = local_date(start, tz)
    while start < stop:
        series = day_of(asset.id, day)
        first, last = start - series.start, min(stop, series.end) - series.start
        for name, values in series.fields.items():
            fields.setdefault(name, array("H")).extend(values[first:last])
        nulls.extend(series.nulls[first:last])
        start = series.end
        day += timedelta(days=1)
    return fields, nulls
