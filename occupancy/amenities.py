"""The amenity figures residents may see: for each chosen room of a linked building, how many
people are in it now against its capacity, how busy that is, and its typical day.

Counts only: no floors, sensors, detections or other rooms leave this module. Butlr is asked
once a minute per linked building (one reporting query for all its chosen rooms, shared by
every resident and every process through the cache, one caller at a time), and once a day
for the typical day from the last four weeks.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from occupancy.butlr.reporting import ReportingQuery, ReportingRow, Window
from occupancy.butlr.topology import Building, Room, Topology
from occupancy.models import Amenity, BuildingLink
from occupancy.selectors import (
    RHYTHM_WEEKS,
    RhythmCell,
    _values,
    _zone,
    day_start,
    weekly_rhythm_of,
    window_floor,
)
from occupancy.services import Fetched, reporting_fetch, topology_fetch

TYPICAL_SECONDS = 86400
# A building's board is kept for the minute it was built in (this only bounds its life).
BOARD_SECONDS = 120


def busyness_of(people: float | None, capacity: int | None) -> str | None:
    """quiet / moderate / busy against the capacity; no label without a capacity."""
    if people is None or not capacity:
        return None
    share = people / capacity
    if share < settings.AMENITY_QUIET_BELOW:
        return "quiet"
    return "moderate" if share < settings.AMENITY_BUSY_FROM else "busy"


def count_words(people: int | None, capacity: int | None) -> str:
    """ "4 of 20", "a few" for 1 to AMENITY_FEW_THRESHOLD people, "nobody"."""
    if people is None:
        return ""
    if people == 0:
        return "nobody"
    if people <= settings.AMENITY_FEW_THRESHOLD:
        return "a few"
    return f"{people} of {capacity}" if capacity else f"{people} people"


@dataclass(frozen=True)
class AmenityHour:
    hour: int
    people: int | None
    busyness: str | None
    best: bool = False
    now: bool = False

    @property
    def label(self) -> str:
        return f"{self.hour:02d}:00"

    @property
    def words(self) -> str:
        return count_words(self.people, None) if self.people is not None else "no figures"


@dataclass(frozen=True)
class AmenityFigures:
    """One amenity as a resident sees it."""

    name: str
    capacity: int | None
    # None when Butlr has never answered for it.
    people: int | None
    # When the figure was received from Butlr.
    as_of: datetime | None
    # True when Butlr failed and ``people`` is the last figure kept (or there is none).
    unavailable: bool
    usually: int | None
    hours: tuple[AmenityHour, ...]
    levels: tuple[int, ...]

    @property
    def busyness(self) -> str | None:
        return None if self.unavailable else busyness_of(self.people, self.capacity)

    @property
    def count(self) -> str:
        return count_words(self.people, self.capacity)

    @property
    def usual_busyness(self) -> str | None:
        return busyness_of(self.usually, self.capacity)

    @property
    def usual_count(self) -> str:
        return count_words(self.usually, self.capacity)

    @property
    def best(self) -> AmenityHour | None:
        return next((hour for hour in self.hours if hour.best), None)

    @property
    def chart(self) -> list[tuple[AmenityHour, int]]:
        return list(zip(self.hours, self.levels, strict=True))


@dataclass(frozen=True)
class AmenitiesBoard:
    amenities: tuple[AmenityFigures, ...]
    timezone: ZoneInfo
    now: datetime
    # Which build of the building's board this is: whoever shows it may keep what they make
    # of it under this name.
    edition: str = field(default_factory=lambda: uuid.uuid4().hex)


def _board_key(butterflymx_building_id: int) -> str:
    return f"occupancy:amenities:board:{butterflymx_building_id}"


def amenities_for_building(*, butterflymx_building_id: int) -> AmenitiesBoard | None:
    """The chosen amenities of a ButterflyMX building, or None when it is not linked to a
    Butlr building or none of its rooms are chosen.

    Built once a minute per building and shared by every resident and process: its figures
    change once a minute at most. A manager's change to the link or its rooms drops it
    (amenities_board_forget).
    """
    now = timezone.now()
    minute = int(now.timestamp() // 60)
    key = _board_key(butterflymx_building_id)
    kept = cache.get(key)
    if kept is not None and kept[0] == minute:
        return kept[1]
    board = _board_build(butterflymx_building_id=butterflymx_building_id, now=now)
    cache.set(key, (minute, board), BOARD_SECONDS)
    return board


def amenities_board_forget(*, butterflymx_building_id: int) -> None:
    cache.delete(_board_key(butterflymx_building_id))


def _board_build(*, butterflymx_building_id: int, now: datetime) -> AmenitiesBoard | None:
    link = BuildingLink.objects.filter(butterflymx_building_id=butterflymx_building_id).first()
    if link is None:
        return None
    chosen = list(link.amenities.all())
    if not chosen:
        return None
    topology = topology_fetch().value
    zone, building = _building(topology, link.butlr_building_id)
    rooms = tuple(sorted({amenity.butlr_room_id for amenity in chosen}))
    current = _current(rooms=rooms, now=now, zone=zone)
    typical = _typical(rooms=rooms, now=now, zone=zone)
    people = _now_by_room(current)
    typical_by_room = _values(typical.value or [], "room_id", "mean")
    figures = []
    for amenity in chosen:
        capacity = _capacity(amenity, building)
        days = weekly_rhythm_of(
            values=typical_by_room.get(amenity.butlr_room_id, {}), zone=zone, capacity=capacity
        )
        local = now.astimezone(zone)
        today = days[local.weekday()]
        hours = _hours(today, capacity=capacity, now_hour=local.hour)
        usually = _people(today[local.hour].people)
        figures.append(
            AmenityFigures(
                name=amenity.name,
                capacity=capacity,
                people=people.get(amenity.butlr_room_id) if current.value is not None else None,
                as_of=current.as_of,
                unavailable=current.problem is not None or current.value is None,
                usually=usually,
                hours=hours,
                levels=_levels(hours, capacity),
            )
        )
    return AmenitiesBoard(amenities=tuple(figures), timezone=zone, now=now)


def _building(topology: Topology | None, building_id: str) -> tuple[ZoneInfo, Building | None]:
    found = topology.building(building_id) if topology else None
    if found is None:
        return _zone(None), None
    site, building = found
    return _zone(site.timezone), building


def _capacity(amenity: Amenity, building: Building | None) -> int | None:
    if amenity.capacity:
        return amenity.capacity
    room = _room(building, amenity.butlr_room_id)
    return room.capacity.max if room is not None and room.capacity.max else None


def _room(building: Building | None, room_id: str) -> Room | None:
    if building is None:
        return None
    for floor in building.floors:
        room = floor.room(room_id)
        if room is not None:
            return room
    return None


def _current(
    *, rooms: tuple[str, ...], now: datetime, zone: ZoneInfo
) -> Fetched[list[ReportingRow]]:
    """Butlr's "current occupancy" of every chosen room of a building in one query: the
    median of 1-minute medians over the last 5 minutes; the same query all minute long."""
    stop = window_floor(moment=now, zone=zone, every="1m")
    query = ReportingQuery(
        measurement="room_occupancy",
        start=stop - timedelta(minutes=5),
        stop=stop,
        rooms=rooms,
        group_by=("room_id",),
        window=Window(every="1m", function="median", timezone=zone.key),
    )
    return reporting_fetch(query=query, slot="amenities:now", seconds=60)


def _typical(
    *, rooms: tuple[str, ...], now: datetime, zone: ZoneInfo
) -> Fetched[list[ReportingRow]]:
    """Hourly means of the last four whole weeks, up to last local midnight: asked once a day."""
    stop = day_start(moment=now, zone=zone)
    start = datetime.combine(
        stop.date() - timedelta(weeks=RHYTHM_WEEKS), clock_time.min, tzinfo=zone
    )
    query = ReportingQuery(
        measurement="room_occupancy",
        start=start,
        stop=stop,
        rooms=rooms,
        group_by=("room_id", "time"),
        window=Window(every="1h", function="mean", timezone=zone.key),
    )
    return reporting_fetch(query=query, slot="amenities:typical", seconds=TYPICAL_SECONDS)


def _now_by_room(fetched: Fetched[list[ReportingRow]]) -> dict[str, int]:
    people: dict[str, int] = {}
    for row in fetched.value or []:
        room = row.get("room_id")
        value = row.stats.median
        if value is None:
            value = row.stats.mean
        if room is not None and value is not None:
            people[room] = max(0, math.floor(value + 0.5))
    return people


def _people(value: float | None) -> int | None:
    return None if value is None else max(0, math.floor(value + 0.5))


def _hours(
    today: tuple[RhythmCell, ...], *, capacity: int | None, now_hour: int
) -> tuple[AmenityHour, ...]:
    """The day's hours between AMENITY_DAY_START and AMENITY_DAY_END; the best time to go is
    the quietest of the hours still to come today (the earliest of equals), or of the whole
    day once they are over."""
    first, last = settings.AMENITY_DAY_START, settings.AMENITY_DAY_END
    known = [(cell.hour, _people(cell.people)) for cell in today if first <= cell.hour < last]
    ahead = [(hour, people) for hour, people in known if hour >= now_hour and people is not None]
    candidates = ahead or [(hour, people) for hour, people in known if people is not None]
    best = min(candidates, key=lambda item: (item[1], item[0]))[0] if candidates else None
    return tuple(
        AmenityHour(
            hour=hour,
            people=people,
            busyness=busyness_of(people, capacity),
            best=hour == best,
            now=hour == now_hour,
        )
        for hour, people in known
    )


def _levels(hours: tuple[AmenityHour, ...], capacity: int | None) -> tuple[int, ...]:
    top = capacity or max((hour.people or 0 for hour in hours), default=0)
    if not top:
        return tuple(0 for _ in hours)
    return tuple(min(10, math.ceil(10 * (hour.people or 0) / top)) for hour in hours)
