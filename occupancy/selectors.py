"""Reads for the occupancy dashboard: cards, charts, traffic and heatmaps in the site's time."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from occupancy.butlr.detections import Detection, DetectionsQuery
from occupancy.butlr.reporting import ReportingQuery, ReportingRow, Window
from occupancy.butlr.topology import Building, Floor, Room, Sensor, Site, Topology
from occupancy.services import (
    Ask,
    Fetched,
    _digest,
    detections_ask,
    fetch_all,
    reporting_ask,
    topology_fetch,
)

if TYPE_CHECKING:
    from occupancy.amenities import AmenitiesBoard

QUIET_BELOW = 0.30
BUSY_FROM = 0.70
HEATMAP_SIZE = 10
# The heatmap's shades above empty: heat-1 (fewest) to heat-5 (the busiest square).
HEAT_LEVELS = 5
# The weekly rhythm: typical occupancy per hour of the week over the last four whole weeks,
# asked once per building every few hours and shared by every manager.
RHYTHM_WEEKS = 4
RHYTHM_SECONDS = 6 * 3600
RHYTHM_SCOPES = ("building", "floor", "room")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Each space's value per window start.
SpaceValues = dict[str, dict[datetime, float | None]]
# Butlr's answers to the questions a page asked, fetched together.
Answers = dict[Ask, Fetched[Any]]


_EVERY_WORDS = {"5m": "5 minutes", "15m": "15 minutes", "1h": "hour", "6h": "6 hours"}


@dataclass(frozen=True)
class Range:
    name: str
    label: str
    every: str
    step: timedelta
    # Whole local days, the last one included, for a range of chosen dates.
    first_day: date | None = None
    last_day: date | None = None

    @property
    def title(self) -> str:
        return self.label if self.first_day else self.label.lower()

    @property
    def query(self) -> str:
        """The range as the dashboard's query string names it."""
        chosen = {"range": self.name}
        if self.first_day and self.last_day:
            chosen |= {"start": self.first_day.isoformat(), "stop": self.last_day.isoformat()}
        return urlencode(chosen)

    @property
    def slug(self) -> str:
        if self.first_day and self.last_day:
            return f"{self.first_day.isoformat()} to {self.last_day.isoformat()}"
        return self.name

    @property
    def per(self) -> str:
        return _EVERY_WORDS.get(self.every, self.every)

    @property
    def several_days(self) -> bool:
        return self.name == "7d" or bool(
            self.first_day and self.last_day and self.last_day > self.first_day
        )


RANGES = {
    "today": Range("today", "Today", "5m", timedelta(minutes=5)),
    "24h": Range("24h", "Last 24 hours", "5m", timedelta(minutes=5)),
    "7d": Range("7d", "Last 7 days", "1h", timedelta(hours=1)),
}
DEFAULT_RANGE = "today"
CUSTOM_RANGE = "custom"
CUSTOM_MAX_DAYS = 90
# The window for a range of chosen dates, by its length in days (at most): Butlr's 1-minute
# windows are for less than a day, and no series has more than 360 points.
CUSTOM_WINDOWS = ((1, "5m"), (3, "15m"), (14, "1h"), (CUSTOM_MAX_DAYS, "6h"))


def range_of(
    *, name: str | None, first_day: date | None, last_day: date | None, today: date
) -> Range:
    """The chosen range: a named one, or whole days from ``first_day`` to ``last_day`` (up to
    today) with a window that keeps the number of points bounded."""
    if name != CUSTOM_RANGE or first_day is None or last_day is None:
        return RANGES.get(name or "", RANGES[DEFAULT_RANGE])
    last_day = min(last_day, today)
    days = (last_day - first_day).days + 1
    if days < 1 or days > CUSTOM_MAX_DAYS:
        return RANGES[DEFAULT_RANGE]
    every = next(every for most, every in CUSTOM_WINDOWS if days <= most)
    if first_day == last_day:
        label = first_day.strftime("%a %-d %b %Y")
    else:
        label = f"{first_day.strftime('%-d %b %Y')} to {last_day.strftime('%-d %b %Y')}"
    step = timedelta(seconds=Window(every=every, function="max").seconds)
    return Range(CUSTOM_RANGE, label, every, step, first_day, last_day)


@dataclass(frozen=True)
class Freshness:
    """How current the figures on screen are: ``problem`` is why they are not."""

    problem: str | None = None
    as_of: datetime | None = None

    @classmethod
    def of(cls, fetched: Iterable[Fetched[Any]]) -> Freshness:
        failed = [item for item in fetched if item.problem]
        if not failed:
            return cls()
        kept = [item.as_of for item in failed if item.as_of is not None]
        return cls(problem=failed[0].problem, as_of=min(kept) if kept else None)


@dataclass(frozen=True)
class SpaceCard:
    """The numbers of one floor or room: now, against capacity, and today's peak."""

    id: str
    name: str
    kind: str
    capacity: int | None
    current: int | None
    peak: int | None = None
    peak_at: datetime | None = None
    # More than Butlr's 30 % of its readings are missing, or a sensor counting it is offline.
    incomplete: bool = False
    # The sensors counting this space that are offline: its figures leave out what they saw.
    offline: tuple[Sensor, ...] = ()

    @property
    def nobody_today(self) -> bool:
        return self.peak == 0

    @property
    def utilization(self) -> int | None:
        if self.current is None or not self.capacity:
            return None
        return math.floor(self.current / self.capacity * 100 + 0.5)

    @property
    def busyness(self) -> str | None:
        if self.current is None or not self.capacity:
            return None
        share = self.current / self.capacity
        if share < QUIET_BELOW:
            return "quiet"
        return "moderate" if share < BUSY_FROM else "busy"


@dataclass(frozen=True)
class SensorIssue:
    """A sensor whose figures can't be trusted: it is offline, or its space's readings are
    more than 30 % missing (``missing`` is that share, when Butlr says)."""

    sensor: Sensor
    place: str
    offline: bool
    missing: float | None = None

    @property
    def missing_percent(self) -> int | None:
        return None if self.missing is None else math.floor(self.missing * 100 + 0.5)


def sensor_issues_of(
    *, building: Building, floor_rows: list[ReportingRow], room_rows: list[ReportingRow]
) -> tuple[SensorIssue, ...]:
    """Every sensor of the building that is offline, then every other sensor of a floor or
    room whose current figures Butlr marks as unreliable."""
    unreliable = {
        row.get(key): row
        for key, rows in (("space_id", floor_rows), ("room_id", room_rows))
        for row in rows
        if row.unreliable
    }
    offline, incomplete = [], []
    for floor in building.floors:
        for sensor in floor.sensors:
            room = floor.room(sensor.room_id or "")
            place = f"{room.name}, {floor.name}" if room else floor.name
            if not sensor.is_online:
                offline.append(SensorIssue(sensor=sensor, place=place, offline=True))
                continue
            row = unreliable.get(room.id if room else floor.id)
            if row is not None:
                incomplete.append(
                    SensorIssue(
                        sensor=sensor, place=place, offline=False, missing=row.null_percentage
                    )
                )
    return (*offline, *incomplete)


def zone_name(key: str) -> str:
    """A time zone as people say it: "America/New_York" is "New York time"."""
    if key in ("UTC", "Etc/UTC", "Etc/GMT", "GMT"):
        return "UTC"
    return f"{key.rsplit('/', 1)[-1].replace('_', ' ')} time"


@dataclass(frozen=True)
class Summary:
    """The building at a glance: who is in now, the busiest floor and room, today's peak."""

    people: int | None
    capacity: int | None
    busiest_floor: SpaceCard | None
    busiest_room: SpaceCard | None
    peak: int | None
    peak_at: datetime | None

    @property
    def utilization(self) -> int | None:
        if self.people is None or not self.capacity:
            return None
        return math.floor(self.people / self.capacity * 100 + 0.5)


def summary_of(
    *,
    capacity: int | None,
    floors: Iterable[SpaceCard],
    rooms: Iterable[SpaceCard],
    floor_peaks: SpaceValues,
) -> Summary:
    """The building's figures from its floors' and rooms' cards and its floors' values per
    window today: the building's peak is the busiest window's sum over its floors."""
    floors, rooms = list(floors), list(rooms)
    counted = [card.current for card in floors if card.current is not None]
    totals: dict[datetime, float] = defaultdict(float)
    for values in floor_peaks.values():
        for moment, value in values.items():
            if value is not None:
                totals[moment] += value
    peak_at = min(totals, key=lambda moment: (-totals[moment], moment)) if totals else None
    return Summary(
        people=sum(counted) if counted else None,
        capacity=capacity,
        busiest_floor=_busiest(floors),
        busiest_room=_busiest(rooms),
        peak=_people(totals[peak_at]) if peak_at else None,
        peak_at=peak_at,
    )


def _busiest(cards: list[SpaceCard]) -> SpaceCard | None:
    """The card with the most people now; nobody anywhere makes nothing the busiest."""
    present = [card for card in cards if card.current]
    return max(present, key=lambda card: card.current or 0, default=None)


@dataclass(frozen=True)
class ChartSeries:
    id: str
    label: str
    mean: tuple[float | None, ...]
    max: tuple[float | None, ...]


@dataclass(frozen=True)
class Chart:
    """A floor and its rooms over a range: the chart, its table and its CSV share it."""

    space_name: str
    range: Range
    timezone: str
    times: tuple[datetime, ...]
    series: tuple[ChartSeries, ...]

    def json_data(self) -> dict[str, Any]:
        return {
            "timezone": self.timezone,
            "range": self.range.name,
            "times": [int(moment.timestamp()) for moment in self.times],
            "series": [
                {"id": item.id, "label": item.label, "mean": item.mean, "max": item.max}
                for item in self.series
            ],
        }

    def header(self) -> list[str]:
        columns = ["Time"]
        for item in self.series:
            columns += [f"{item.label} mean", f"{item.label} max"]
        return columns

    def rows(self) -> list[tuple[datetime, list[float | None]]]:
        return [
            (moment, [value for item in self.series for value in (item.mean[i], item.max[i])])
            for i, moment in enumerate(self.times)
        ]

    def table(self) -> list[tuple[datetime, SafeString]]:
        """The rows as the page's table shows them, each row's cells as HTML: plain numbers,
        as in the CSV, and a dash for no figure (thousands of cells through the template
        cost more than the rest of a first page)."""
        return [
            (
                moment,
                mark_safe(  # noqa: S308
                    "".join(
                        "<td>\u2013</td>" if value is None else f"<td>{_number_text(value)}</td>"
                        for value in values
                    )
                ),
            )
            for moment, values in self.rows()
        ]


def _number_text(value: float) -> str:
    """A figure as text for HTML: a number needs no escaping, anything else is escaped."""
    return str(value) if type(value) in (int, float) else escape(str(value))


@dataclass(frozen=True)
class Traffic:
    """People counted through a floor's entrances today and in the last hour."""

    entrances: tuple[Sensor, ...]
    came_in: int | None
    went_out: int | None
    last_hour_in: int | None
    last_hour_out: int | None


@dataclass(frozen=True)
class HeatCell:
    column: int
    row: int
    count: int
    level: int

    @property
    def x(self) -> int:
        return self.column * 100 // HEATMAP_SIZE

    @property
    def y(self) -> int:
        return self.row * 100 // HEATMAP_SIZE


@dataclass(frozen=True)
class HeatStep:
    """One colour of a heatmap's scale: the squares with ``low`` to ``high`` sightings."""

    level: int
    low: int
    high: int

    @property
    def label(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}\u2013{self.high}"


# Butlr's topology has no mounting or orientation for a sensor: the map's top is the top of
# the sensor's view, and the page says so rather than naming a wall.
SENSOR_ORIENTATION_UNKNOWN = (
    "The sensor's orientation isn't known: Butlr doesn't say which way it is mounted, "
    "so the top of the map is the top of the sensor's view, not a particular wall."
)


@dataclass(frozen=True)
class SensorHeatmap:
    """Where one sensor saw people, binned over its field of view."""

    sensor: Sensor
    cells: tuple[HeatCell, ...]
    total: int
    summary: str
    caption: str = ""
    scale: tuple[HeatStep, ...] = ()
    facing: str = SENSOR_ORIENTATION_UNKNOWN

    @property
    def cell_size(self) -> int:
        return 100 // HEATMAP_SIZE

    def squares(self) -> SafeString:
        """The map's squares as SVG: a hundred of them through the template cost more than
        the rest of the dashboard's first page. Only integers go in, nothing to escape."""
        size = self.cell_size
        return mark_safe(  # noqa: S308
            "".join(
                f'<rect x="{int(cell.x)}" y="{int(cell.y)}" width="{size}" height="{size}" '
                f'class="heat-{int(cell.level)}"></rect>'
                for cell in self.cells
            )
        )


@dataclass(frozen=True)
class Heatmap:
    room: Room
    sensors: tuple[SensorHeatmap, ...]
    # False when Butlr never told us where people were: an empty map would say nobody was.
    available: bool = True


@dataclass(frozen=True)
class RhythmCell:
    """Typical people in a space at one hour of the week (``day`` 0 is Monday)."""

    day: int
    hour: int
    people: float | None
    share: float | None = None
    level: int = 0

    @property
    def busyness(self) -> str | None:
        if self.share is None:
            return None
        if self.share < QUIET_BELOW:
            return "quiet"
        return "moderate" if self.share < BUSY_FROM else "busy"

    @property
    def day_name(self) -> str:
        return WEEKDAYS[self.day]

    @property
    def hour_label(self) -> str:
        return f"{self.hour:02d}:00"


def _rhythm_level(share: float) -> int:
    """A shade per busyness: two for quiet, two for moderate, one for busy."""
    if share < QUIET_BELOW:
        return 1 if share < QUIET_BELOW / 2 else 2
    if share < BUSY_FROM:
        return 3 if share < (QUIET_BELOW + BUSY_FROM) / 2 else 4
    return 5


@dataclass(frozen=True)
class WeeklyRhythm:
    """A space's week by hour (7 rows of 24 cells) in its building's local time."""

    scope: str
    space_id: str
    name: str
    capacity: int | None
    first_day: date
    last_day: date
    days: tuple[tuple[RhythmCell, ...], ...]

    @property
    def hours(self) -> list[str]:
        return [f"{hour:02d}:00" for hour in range(24)]

    @property
    def busiest(self) -> RhythmCell | None:
        known = [cell for row in self.days for cell in row if cell.people is not None]
        return max(known, key=lambda cell: cell.people or 0.0, default=None)

    @property
    def quietest(self) -> RhythmCell | None:
        known = [cell for row in self.days for cell in row if cell.people is not None]
        return min(known, key=lambda cell: cell.people or 0.0, default=None)

    def header(self) -> list[str]:
        return ["Day", *self.hours]

    def rows(self) -> list[list[str | float]]:
        return [
            [WEEKDAYS[index], *("" if cell.people is None else cell.people for cell in row)]
            for index, row in enumerate(self.days)
        ]


def weekly_rhythm_of(
    *, values: dict[datetime, float | None], zone: ZoneInfo, capacity: int | None
) -> tuple[tuple[RhythmCell, ...], ...]:
    """Each hour of the week's typical people from hourly values, in ``zone``'s wall time.

    The values of one local date and hour are averaged first, so the hour the clocks repeat
    in autumn counts once for its day, and the hour skipped in spring is simply missing;
    then each hour of the week is the mean over the days that had it.
    """
    by_day_hour: dict[tuple[date, int], list[float]] = defaultdict(list)
    for moment, value in values.items():
        if value is None:
            continue
        local = moment.astimezone(zone)
        by_day_hour[local.date(), local.hour].append(value)
    by_week_hour: dict[tuple[int, int], list[float]] = defaultdict(list)
    for (local_day, hour), readings in by_day_hour.items():
        by_week_hour[local_day.weekday(), hour].append(sum(readings) / len(readings))
    typical = {
        key: round(sum(readings) / len(readings), 1) for key, readings in by_week_hour.items()
    }
    top = max(typical.values(), default=0.0)
    days = []
    for day in range(7):
        row = []
        for hour in range(24):
            people = typical.get((day, hour))
            share = people / capacity if people is not None and capacity else None
            relative = share if share is not None else (people / top if people and top else 0)
            level = 0 if not people else _rhythm_level(relative)
            row.append(RhythmCell(day=day, hour=hour, people=people, share=share, level=level))
        days.append(tuple(row))
    return tuple(days)


@dataclass(frozen=True)
class Dashboard:
    buildings: list[tuple[Site, Building]]
    site: Site | None
    building: Building | None
    floor: Floor | None
    room: Room | None
    range: Range
    timezone: ZoneInfo
    now: datetime
    # True when a room was chosen: its chart instead of its floor's.
    room_view: bool = False
    compare: Floor | Room | None = None
    floors: tuple[SpaceCard, ...] = ()
    rooms: tuple[SpaceCard, ...] = ()
    summary: Summary | None = None
    traffic: Traffic | None = None
    chart: Chart | None = None
    heatmap: Heatmap | None = None
    rhythm: WeeklyRhythm | None = None
    sensors: tuple[SensorIssue, ...] = ()
    # How current the figures at the top are (cards, summary, entrances, sensors) ...
    freshness: Freshness = field(default_factory=Freshness)
    # ... and the chart and the weekly rhythm below them.
    chart_freshness: Freshness = field(default_factory=Freshness)
    # What each piece was built from, by name: the same stamp, the same figures.
    stamps: dict[str, str] = field(default_factory=dict)
    # When the topology (buildings, floors, rooms and their names) was fetched.
    topology_as_of: datetime | None = None
    # The weekly rhythm is not built yet: the page asks for it on its own.
    rhythm_pending: bool = False

    @property
    def ranges(self) -> list[Range]:
        return list(RANGES.values())

    @property
    def page_stamp(self) -> str:
        """With the page's address (the choices), changes whenever anything the page shows
        may: the topology, what each piece was built from, how current the figures are, and
        the minute its clock shows."""
        return _digest(
            [
                str(self.topology_as_of),
                [building.id for _, building in self.buildings],
                self.stamps,
                [str(self.freshness.as_of), self.freshness.problem],
                [str(self.chart_freshness.as_of), self.chart_freshness.problem],
                self.now.isoformat(timespec="minutes"),
            ]
        )

    @property
    def zone_name(self) -> str:
        return zone_name(self.timezone.key)


@dataclass(frozen=True)
class Numbers:
    """The figures at the top of the dashboard, which must all be of one moment."""

    floors: tuple[SpaceCard, ...]
    rooms: tuple[SpaceCard, ...]
    summary: Summary
    traffic: Traffic | None
    sensors: tuple[SensorIssue, ...]
    as_of: datetime | None = None


Built = tuple[Any, list[Fetched[Any]]]


@dataclass(frozen=True)
class Piece:
    """A part of the dashboard, built by ``build`` from Butlr's answers to ``asks``; the
    same for every manager who chose the same ``parts``."""

    name: str
    parts: tuple[Any, ...]
    asks: tuple[Ask | None, ...]
    build: Callable[[Answers], Built]
    # Shown only when already built: otherwise the page asks for it on its own (the weekly
    # rhythm, whose month of answers would hold up the first page of the day).
    lazy: bool = False


@dataclass(frozen=True)
class BuiltPiece:
    """A piece as built: its value, the answers it shows that are not fresh, and a stamp
    that changes whenever the answers it was built from do."""

    value: Any
    fetched: list[Fetched[Any]]
    stamp: str


def _pieces(
    pieces: list[Piece], topology: Fetched[Topology], answered: Answers
) -> list[BuiltPiece | None]:
    """Each piece, built once per set of answers and shared through the cache; None for a
    lazy piece not built yet. ``answered`` holds answers this request already has.

    A piece is kept for as long as the first of its answers is, and only when every one is
    fresh: Butlr's next answer makes a new piece, and figures kept through a failure are
    built again (cheaply, from the cache) until Butlr answers.
    """
    asof = topology.as_of.isoformat() if topology.as_of else None
    keys = [
        f"occupancy:piece:{piece.name}:"
        + _digest([piece.parts, asof, [ask.key if ask else None for ask in piece.asks]])
        for piece in pieces
    ]
    kept = cache.get_many(keys)
    missing = [
        piece for piece, key in zip(pieces, keys, strict=True) if key not in kept and not piece.lazy
    ]
    # Every question of every piece not kept at once: one round trip to Butlr.
    answers = _answers((ask for piece in missing for ask in piece.asks), answered)
    now = timezone.now()
    built: list[BuiltPiece | None] = []
    for piece, key in zip(pieces, keys, strict=True):
        if key in kept:
            built.append(kept[key])
            continue
        if piece.lazy:
            built.append(None)
            continue
        value, fetched = piece.build(answers)
        got = [(ask, answers[ask]) for ask in piece.asks if ask is not None]
        stamp = _digest([key, [(str(item.as_of), item.problem) for _, item in got]])
        # Only what Freshness needs of an answer that is not fresh, not its rows.
        stale = [replace(item, value=None) for item in fetched if item.problem]
        built.append(BuiltPiece(value=value, fetched=stale, stamp=stamp))
        fresh = [
            item.as_of + timedelta(seconds=ask.seconds)
            for ask, item in got
            if item.problem is None and item.as_of is not None
        ]
        if topology.problem or not fresh or len(fresh) < len(got):
            continue
        seconds = int((min(fresh) - now).total_seconds())
        if seconds > 0:
            cache.set(key, built[-1], timeout=seconds)
    return built


def _built(build: Callable[..., Any], **choices: Any) -> Built:
    """``build``'s value and the answers it showed."""
    fetched: list[Fetched[Any]] = []
    return build(**choices, fetched=fetched), fetched


def _steady(
    *, key: str, numbers: Numbers, fetched: list[Fetched[Any]]
) -> tuple[Numbers, Freshness]:
    """The figures just computed when every one of them is fresh (and they are kept as the
    last good ones); otherwise the last good figures together, with their one time, so a
    fresh figure never sits next to an older one."""
    freshness = Freshness.of(fetched)
    if not freshness.problem:
        times = [item.as_of for item in fetched[1:] if item.as_of is not None]
        numbers = replace(numbers, as_of=min(times) if times else None)
        cache.set(key, numbers, timeout=settings.OCCUPANCY_LAST_GOOD_SECONDS)
        return numbers, freshness
    kept = cache.get(key)
    if kept is None:
        return numbers, freshness
    return kept, Freshness(problem=freshness.problem, as_of=kept.as_of)


@dataclass(frozen=True)
class _Plan:
    """What a dashboard's address asks of one topology: the building, floor and room it
    shows, and the pieces to build (none without a floor)."""

    buildings: list[tuple[Site, Building]]
    site: Site | None
    building: Building | None
    zone: ZoneInfo
    range: Range
    floor: Floor | None = None
    chosen_room: Room | None = None
    room: Room | None = None
    compare: Floor | Room | None = None
    pieces: tuple[Piece, ...] = ()

    def asks(self) -> list[Ask]:
        """What its pieces ask Butlr, but for the lazy ones."""
        return [
            ask for piece in self.pieces if not piece.lazy for ask in piece.asks if ask is not None
        ]


def _plan(
    topology: Fetched[Topology],
    *,
    now: datetime,
    building_id: str | None,
    floor_id: str | None,
    room_id: str | None,
    range_name: str | None,
    first_day: date | None,
    last_day: date | None,
    rhythm_scope: str | None,
    compare_id: str | None,
    numbers_only: bool,
    rhythm_only: bool,
) -> _Plan:
    buildings = topology.value.buildings() if topology.value else []
    site, building = _chosen_building(topology.value, building_id)
    zone = _zone(site.timezone if site else None)
    chosen_range = range_of(
        name=range_name, first_day=first_day, last_day=last_day, today=now.astimezone(zone).date()
    )
    if building is None or not building.floors:
        return _Plan(
            buildings=buildings, site=site, building=building, zone=zone, range=chosen_range
        )
    floor = building.floor(floor_id or "") or building.floors[0]
    chosen_room = floor.room(room_id or "")
    room = chosen_room or _heatmap_room(floor)
    compare = _compared(building, compare_id, chosen_room or floor)
    scope = _rhythm_scope(rhythm_scope, chosen_room)
    cards_asks = _cards_asks(building=building, floor=floor, now=now, zone=zone)
    traffic_ask = _traffic_ask(floor=floor, now=now, zone=zone)

    def numbers_build(answers: Answers) -> Built:
        # The topology first: its failure keeps the last good figures too, but its age is
        # not theirs.
        fetched: list[Fetched[Any]] = [topology]
        floors, rooms, summary, rows_now = _cards(
            building=building,
            floor=floor,
            zone=zone,
            asks=cards_asks,
            answers=answers,
            fetched=fetched,
        )
        traffic = _traffic(
            floor=floor, ask=traffic_ask, answers=answers, now=now, zone=zone, fetched=fetched
        )
        numbers = Numbers(
            floors=floors,
            rooms=rooms,
            summary=summary,
            traffic=traffic,
            sensors=sensor_issues_of(
                building=building, floor_rows=rows_now[0], room_rows=rows_now[1]
            ),
        )
        key = f"occupancy:last-good:numbers:{_digest([building.id, floor.id])}"
        return _steady(key=key, numbers=numbers, fetched=fetched), []

    numbers_piece = Piece(
        "numbers", (building.id, floor.id), (*cards_asks, traffic_ask), numbers_build
    )
    pieces = [] if rhythm_only else [numbers_piece]
    if not numbers_only:
        chart_asks = _chart_asks(
            building=building, floor=floor, compare=compare, chosen=chosen_range, now=now, zone=zone
        )
        rhythm_ask = _rhythm_ask(
            building=building, room=chosen_room, scope=scope, now=now, zone=zone
        )
        if not rhythm_only:
            pieces.append(
                Piece(
                    "chart",
                    (
                        building.id,
                        floor.id,
                        chosen_room and chosen_room.id,
                        compare and compare.id,
                        chosen_range.query,
                    ),
                    tuple(chart_asks.values()),
                    lambda answers: _built(
                        _chart,
                        building=building,
                        floor=floor,
                        room=chosen_room,
                        chosen=chosen_range,
                        zone=zone,
                        asks=chart_asks,
                        answers=answers,
                        compare=compare,
                    ),
                )
            )
        pieces.append(
            Piece(
                "rhythm",
                (building.id, floor.id, chosen_room and chosen_room.id, scope),
                (rhythm_ask,),
                lambda answers: _built(
                    _rhythm,
                    building=building,
                    floor=floor,
                    room=chosen_room,
                    scope=scope,
                    ask=rhythm_ask,
                    answers=answers,
                    now=now,
                    zone=zone,
                ),
                lazy=not rhythm_only,
            )
        )
        if room and not rhythm_only:
            heatmap_ask = _heatmap_ask(room=room, now=now)
            # A failed heatmap says so itself; the pause it starts does not take the
            # figures above with it (their calls went out with it, see fetch_all).
            pieces.append(
                Piece(
                    "heatmap",
                    (room.id,),
                    (heatmap_ask,),
                    lambda answers: _built(_heatmap, room=room, ask=heatmap_ask, answers=answers),
                )
            )
    return _Plan(
        buildings=buildings,
        site=site,
        building=building,
        zone=zone,
        range=chosen_range,
        floor=floor,
        chosen_room=chosen_room,
        room=room,
        compare=compare,
        pieces=tuple(pieces),
    )


def dashboard_get(
    *,
    building_id: str | None = None,
    floor_id: str | None = None,
    room_id: str | None = None,
    range_name: str | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
    rhythm_scope: str | None = None,
    compare_id: str | None = None,
    numbers_only: bool = False,
    rhythm_only: bool = False,
) -> Dashboard:
    """The dashboard for a building and one of its floors (the first ones by default).

    ``numbers_only`` skips the chart, the rhythm and the heatmap, for the page's
    minute-by-minute refresh of its figures. The whole page shows the weekly rhythm only
    once it is built (``rhythm_pending`` otherwise); ``rhythm_only`` builds it, alone.
    """
    now = timezone.now()
    plan_of = partial(
        _plan,
        now=now,
        building_id=building_id,
        floor_id=floor_id,
        room_id=room_id,
        range_name=range_name,
        first_day=first_day,
        last_day=last_day,
        rhythm_scope=rhythm_scope,
        compare_id=compare_id,
        numbers_only=numbers_only,
        rhythm_only=rhythm_only,
    )
    # Without the topology cached, the figures are asked for along with it, as the last
    # recorded topology places them; whatever it placed otherwise is asked for below.
    answered: Answers = {}
    topology = topology_fetch(
        along=lambda recorded: plan_of(Fetched(value=recorded, as_of=None)).asks(),
        answered=answered,
    )
    plan = plan_of(topology)
    building, floor, room, zone = plan.building, plan.floor, plan.room, plan.zone
    if building is None or floor is None:
        return Dashboard(
            buildings=plan.buildings,
            site=plan.site,
            building=building,
            floor=None,
            room=None,
            range=plan.range,
            timezone=zone,
            now=now.astimezone(zone),
            freshness=Freshness.of([topology]),
            topology_as_of=topology.as_of,
        )
    results = _pieces(list(plan.pieces), topology, answered)
    built = {
        piece.name: result
        for piece, result in zip(plan.pieces, results, strict=True)
        if result is not None
    }
    numbers: Numbers | None = None
    freshness = Freshness()
    if "numbers" in built:
        numbers, freshness = built["numbers"].value
    chart = built["chart"].value if "chart" in built else None
    rhythm = built["rhythm"].value if "rhythm" in built else None
    heatmap = built["heatmap"].value if "heatmap" in built else None
    fetched = [
        item
        for name in ("chart", "rhythm", "heatmap")
        if name in built
        for item in built[name].fetched
    ]
    return Dashboard(
        buildings=plan.buildings,
        site=plan.site,
        building=building,
        floor=floor,
        room=room,
        room_view=plan.chosen_room is not None,
        compare=plan.compare,
        range=plan.range,
        timezone=zone,
        now=now.astimezone(zone),
        floors=numbers.floors if numbers else (),
        rooms=numbers.rooms if numbers else (),
        summary=numbers.summary if numbers else None,
        traffic=numbers.traffic if numbers else None,
        sensors=numbers.sensors if numbers else (),
        chart=chart,
        heatmap=heatmap,
        rhythm=rhythm,
        freshness=freshness,
        chart_freshness=Freshness.of(fetched),
        stamps={name: piece.stamp for name, piece in built.items()},
        topology_as_of=topology.as_of,
        rhythm_pending=any(result is None for result in results),
    )


def floor_chart_get(
    *,
    building_id: str | None,
    floor_id: str | None,
    range_name: str | None,
    room_id: str | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
    compare_id: str | None = None,
) -> Chart | None:
    """The chart data of a floor and its rooms: what the dashboard draws, for download.

    None when Butlr has not answered for it and no earlier answer is kept: a file without
    the numbers would look like a quiet day.
    """
    topology = topology_fetch()
    site, building = _chosen_building(topology.value, building_id)
    if building is None or not building.floors:
        return None
    floor = building.floor(floor_id or "") or building.floors[0]
    zone = _zone(site.timezone if site else None)
    now = timezone.now()
    chosen = range_of(
        name=range_name, first_day=first_day, last_day=last_day, today=now.astimezone(zone).date()
    )
    fetched: list[Fetched[Any]] = []
    room = floor.room(room_id or "")
    compare = _compared(building, compare_id, room or floor)
    asks = _chart_asks(
        building=building, floor=floor, compare=compare, chosen=chosen, now=now, zone=zone
    )
    chart = _chart(
        building=building,
        floor=floor,
        room=room,
        chosen=chosen,
        zone=zone,
        asks=asks,
        answers=_answers(list(asks.values())),
        fetched=fetched,
        compare=compare,
    )
    if any(item.value is None for item in fetched):
        return None
    return chart


def day_start(*, moment: datetime, zone: ZoneInfo) -> datetime:
    """Local midnight of the day ``moment`` falls on, in ``zone``."""
    return datetime.combine(moment.astimezone(zone).date(), clock_time.min, tzinfo=zone)


def window_floor(*, moment: datetime, zone: ZoneInfo, every: str) -> datetime:
    """The start of the window of length ``every`` (1m to 6h) holding ``moment``."""
    local = moment.astimezone(zone).replace(second=0, microsecond=0)
    minutes = Window(every=every, function="max").seconds // 60
    if minutes >= 60:
        hours = minutes // 60
        return local.replace(minute=0, hour=local.hour - local.hour % hours)
    return local.replace(minute=local.minute - local.minute % minutes)


def _chosen_building(
    topology: Topology | None, building_id: str | None
) -> tuple[Site | None, Building | None]:
    if topology is None:
        return None, None
    buildings = topology.buildings()
    if not buildings:
        return None, None
    return topology.building(building_id or "") or buildings[0]


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def _heatmap_room(floor: Floor) -> Room | None:
    return next((room for room in floor.rooms if room.sensors), None)


def _rows(fetched: Fetched[list[ReportingRow]]) -> list[ReportingRow]:
    return fetched.value or []


def _answers(asks: Iterable[Ask | None], answered: Answers | None = None) -> Answers:
    """Butlr's answers to the asks (those that are not None), asked all at once; those in
    ``answered`` are taken from there."""
    answered = answered or {}
    wanted = [ask for ask in dict.fromkeys(asks) if ask is not None]
    missing = [ask for ask in wanted if ask not in answered]
    fetched = dict(zip(missing, fetch_all(missing), strict=True))
    return {ask: answered[ask] if ask in answered else fetched[ask] for ask in wanted}


def _current(
    *, measurement: str, key: str, spaces: tuple[str, ...], now: datetime, zone: ZoneInfo
) -> Ask:
    # Butlr's "current occupancy": the median of 1-minute medians over the last 5 minutes.
    stop = window_floor(moment=now, zone=zone, every="1m")
    query = ReportingQuery(
        measurement=measurement,
        start=stop - timedelta(minutes=5),
        stop=stop,
        spaces=spaces,
        group_by=(key,),
        window=Window(every="1m", function="median", timezone=zone.key),
    )
    return reporting_ask(query=query, slot="now")


def _series(
    *,
    measurement: str,
    key: str,
    spaces: tuple[str, ...],
    chosen: Range,
    function: str,
    now: datetime,
    zone: ZoneInfo,
) -> Ask | None:
    """Per-window values over a range; only complete windows, so the query stays the same
    (and cached) until the next window closes."""
    stop = window_floor(moment=now, zone=zone, every=chosen.every)
    if chosen.first_day and chosen.last_day:
        start = datetime.combine(chosen.first_day, clock_time.min, tzinfo=zone)
        end = datetime.combine(chosen.last_day + timedelta(days=1), clock_time.min, tzinfo=zone)
        stop = min(stop, end)
        slot = f"custom:{chosen.first_day.isoformat()}:{chosen.last_day.isoformat()}"
    elif chosen.name == "today":
        start = day_start(moment=now, zone=zone)
        slot = f"today:{start.date().isoformat()}"
    else:
        start = stop - (timedelta(days=7) if chosen.name == "7d" else timedelta(hours=24))
        slot = chosen.name
    if stop <= start:
        return None
    query = ReportingQuery(
        measurement=measurement,
        start=start,
        stop=stop,
        spaces=spaces,
        group_by=(key, "time"),
        window=Window(every=chosen.every, function=function, timezone=zone.key),
    )
    return reporting_ask(query=query, slot=slot)


def _people(value: float | None) -> int | None:
    return None if value is None else math.floor(value + 0.5)


def _peaks(rows: list[ReportingRow], key: str) -> dict[str, tuple[float, datetime]]:
    peaks: dict[str, tuple[float, datetime]] = {}
    timed = [(row.time, row) for row in rows if row.time is not None]
    for moment, row in sorted(timed, key=lambda item: item[0]):
        space, value = row.get(key), row.stats.max
        if space is None or value is None:
            continue
        # The earliest moment wins a tie: "busiest since 9:05".
        if space not in peaks or value > peaks[space][0]:
            peaks[space] = (value, moment)
    return peaks


def _cards_asks(
    *, building: Building, floor: Floor, now: datetime, zone: ZoneInfo
) -> tuple[Ask, Ask, Ask | None, Ask | None]:
    """The cards' questions: the floors and rooms now, and the floors and rooms today."""
    floor_ids = tuple(item.id for item in building.floors)
    today = RANGES["today"]
    floors_now = _current(
        measurement="floor_occupancy", key="space_id", spaces=floor_ids, now=now, zone=zone
    )
    # Every room of the building, for the busiest one: the same single call as one floor's.
    rooms_now = _current(
        measurement="room_occupancy", key="room_id", spaces=floor_ids, now=now, zone=zone
    )
    floors_today = _series(
        measurement="floor_occupancy",
        key="space_id",
        spaces=floor_ids,
        chosen=today,
        function="max",
        now=now,
        zone=zone,
    )
    rooms_today = _series(
        measurement="room_occupancy",
        key="room_id",
        spaces=(floor.id,),
        chosen=today,
        function="max",
        now=now,
        zone=zone,
    )
    return floors_now, rooms_now, floors_today, rooms_today


def _cards(
    *,
    building: Building,
    floor: Floor,
    zone: ZoneInfo,
    asks: tuple[Ask, Ask, Ask | None, Ask | None],
    answers: Answers,
    fetched: list[Fetched[Any]],
) -> tuple[
    tuple[SpaceCard, ...],
    tuple[SpaceCard, ...],
    Summary,
    tuple[list[ReportingRow], list[ReportingRow]],
]:
    """The floors' and the floor's rooms' cards, the building's summary, and the rows of
    its floors and rooms now."""
    floors_now, rooms_now = answers[asks[0]], answers[asks[1]]
    floors_today, rooms_today = (answers[ask] if ask else None for ask in asks[2:])
    fetched += [item for item in (floors_now, rooms_now, floors_today, rooms_today) if item]
    floor_today_rows = _rows(floors_today) if floors_today else []
    floor_cards = _space_cards(
        spaces=building.floors,
        kind="floor",
        now_rows=_rows(floors_now),
        today_rows=floor_today_rows,
        key="space_id",
        zone=zone,
    )
    room_cards = _space_cards(
        spaces=floor.rooms,
        kind="room",
        now_rows=_rows(rooms_now),
        today_rows=_rows(rooms_today) if rooms_today else [],
        key="room_id",
        zone=zone,
    )
    building_rooms = _space_cards(
        spaces=[room for item in building.floors for room in item.rooms],
        kind="room",
        now_rows=_rows(rooms_now),
        today_rows=[],
        key="room_id",
        zone=zone,
    )
    summary = summary_of(
        capacity=building.capacity.max,
        floors=floor_cards,
        rooms=building_rooms,
        floor_peaks=_values(floor_today_rows, "space_id", "max"),
    )
    if summary.peak_at is not None:
        summary = replace(summary, peak_at=summary.peak_at.astimezone(zone))
    return floor_cards, room_cards, summary, (_rows(floors_now), _rows(rooms_now))


def _space_cards(
    *,
    spaces: Iterable[Floor | Room],
    kind: str,
    now_rows: list[ReportingRow],
    today_rows: list[ReportingRow],
    key: str,
    zone: ZoneInfo,
) -> tuple[SpaceCard, ...]:
    current = {row.get(key): row for row in now_rows}
    peaks = _peaks(today_rows, key)
    cards = []
    for space in spaces:
        row = current.get(space.id)
        peak = peaks.get(space.id)
        offline = tuple(sensor for sensor in space.sensors if not sensor.is_online)
        cards.append(
            SpaceCard(
                id=space.id,
                name=space.name,
                kind=kind,
                capacity=space.capacity.max,
                current=_people(row.stats.median) if row else None,
                peak=_people(peak[0]) if peak else None,
                peak_at=peak[1].astimezone(zone) if peak else None,
                incomplete=bool(row and row.unreliable) or bool(offline),
                offline=offline,
            )
        )
    return tuple(cards)


def _chart_asks(
    *,
    building: Building,
    floor: Floor,
    compare: Floor | Room | None,
    chosen: Range,
    now: datetime,
    zone: ZoneInfo,
) -> dict[tuple[str, str], Ask | None]:
    """The chart's questions, by function and by "floors" or the floor whose rooms they
    are about."""
    floor_ids = tuple(item.id for item in building.floors)
    # Rooms are asked for per floor: the same queries as each floor's own chart.
    room_floors = [floor.id]
    if isinstance(compare, Room) and compare.floor_id != floor.id:
        room_floors.append(compare.floor_id)
    asks: dict[tuple[str, str], Ask | None] = {}
    for function in ("mean", "max"):
        asks[function, "floors"] = _series(
            measurement="floor_occupancy",
            key="space_id",
            spaces=floor_ids,
            chosen=chosen,
            function=function,
            now=now,
            zone=zone,
        )
        for floor_id in room_floors:
            asks[function, floor_id] = _series(
                measurement="room_occupancy",
                key="room_id",
                spaces=(floor_id,),
                chosen=chosen,
                function=function,
                now=now,
                zone=zone,
            )
    return asks


def _chart(
    *,
    building: Building,
    floor: Floor,
    room: Room | None,
    chosen: Range,
    zone: ZoneInfo,
    asks: dict[tuple[str, str], Ask | None],
    answers: Answers,
    fetched: list[Fetched[Any]],
    compare: Floor | Room | None = None,
) -> Chart:
    """The floor and its rooms, or the chosen room; with ``compare``, the floor or the room
    beside the other floor or room, and nothing else."""
    by_function: dict[str, tuple[SpaceValues, SpaceValues]] = {}
    for function in ("mean", "max"):
        floors_ask = asks[function, "floors"]
        floors = answers[floors_ask] if floors_ask else None
        fetched += [floors] if floors else []
        room_values: SpaceValues = {}
        for (named, floor_id), rooms_ask in asks.items():
            if named != function or floor_id == "floors":
                continue
            rooms = answers[rooms_ask] if rooms_ask else None
            fetched += [rooms] if rooms else []
            room_values |= _values(_rows(rooms) if rooms else [], "room_id", function)
        by_function[function] = (
            _values(_rows(floors) if floors else [], "space_id", function),
            room_values,
        )
    times: set[datetime] = set()
    for floor_values, room_values in by_function.values():
        for values in (*floor_values.values(), *room_values.values()):
            times.update(values)
    ordered = tuple(sorted(times))
    focus = (room.id, room.name, 1) if room else (floor.id, f"{floor.name} (whole floor)", 0)
    if compare is not None:
        spaces = [focus, _chart_space(compare)]
    elif room is not None:
        spaces = [focus]
    else:
        spaces = [focus] + [(item.id, item.name, 1) for item in floor.rooms]
    series = tuple(
        ChartSeries(
            id=space_id,
            label=label,
            mean=tuple(by_function["mean"][index].get(space_id, {}).get(t) for t in ordered),
            max=tuple(by_function["max"][index].get(space_id, {}).get(t) for t in ordered),
        )
        for space_id, label, index in spaces
    )
    name = room.name if room else floor.name
    return Chart(
        space_name=f"{name} and {compare.name}" if compare else name,
        range=chosen,
        timezone=zone.key,
        times=tuple(moment.astimezone(zone) for moment in ordered),
        series=series,
    )


def _chart_space(space: Floor | Room) -> tuple[str, str, int]:
    if isinstance(space, Floor):
        return space.id, f"{space.name} (whole floor)", 0
    return space.id, space.name, 1


def _compared(
    building: Building, compare_id: str | None, focus: Floor | Room
) -> Floor | Room | None:
    """The floor or room of the building to chart beside the one in view, if another."""
    if not compare_id or compare_id == focus.id:
        return None
    for floor in building.floors:
        if floor.id == compare_id:
            return floor
        if room := floor.room(compare_id):
            return room
    return None


def _rhythm_ask(
    *, building: Building, room: Room | None, scope: str, now: datetime, zone: ZoneInfo
) -> Ask:
    """The weekly rhythm's question.

    Two queries cover every space of a building (its floors, and its rooms), over whole local
    days up to last midnight: the same for every manager and every space until the day turns.
    """
    stop = day_start(moment=now, zone=zone)
    start = datetime.combine(
        stop.date() - timedelta(weeks=RHYTHM_WEEKS), clock_time.min, tzinfo=zone
    )
    rooms = scope == "room" and room is not None
    query = ReportingQuery(
        measurement="room_occupancy" if rooms else "floor_occupancy",
        start=start,
        stop=stop,
        spaces=tuple(item.id for item in building.floors),
        group_by=("room_id" if rooms else "space_id", "time"),
        window=Window(every="1h", function="mean", timezone=zone.key),
    )
    return reporting_ask(query=query, slot="rhythm", seconds=RHYTHM_SECONDS)


def _rhythm(
    *,
    building: Building,
    floor: Floor,
    room: Room | None,
    scope: str,
    ask: Ask,
    answers: Answers,
    now: datetime,
    zone: ZoneInfo,
    fetched: list[Fetched[Any]],
) -> WeeklyRhythm | None:
    """The weekly rhythm of the building, the floor or the room, from ``_rhythm_ask``'s
    answer."""
    space: Building | Floor | Room
    if scope == "room" and room is not None:
        key, space = "room_id", room
    else:
        key = "space_id"
        space = floor if scope == "floor" else building
        scope = "floor" if scope == "floor" else "building"
    stop = day_start(moment=now, zone=zone)
    first_day = stop.date() - timedelta(weeks=RHYTHM_WEEKS)
    rows = answers[ask]
    fetched.append(rows)
    if rows.value is None:
        return None
    by_space = _values(rows.value, key, "mean")
    if isinstance(space, Building):
        values: dict[datetime, float | None] = defaultdict(float)
        for series in by_space.values():
            for moment, value in series.items():
                if value is not None:
                    values[moment] = (values[moment] or 0.0) + value
    else:
        values = dict(by_space.get(space.id, {}))
    return WeeklyRhythm(
        scope=scope,
        space_id=space.id,
        name=space.name,
        capacity=space.capacity.max,
        first_day=first_day,
        last_day=stop.date() - timedelta(days=1),
        days=weekly_rhythm_of(values=values, zone=zone, capacity=space.capacity.max),
    )


def weekly_rhythm_get(
    *,
    building_id: str | None,
    floor_id: str | None,
    room_id: str | None,
    scope: str | None,
) -> WeeklyRhythm | None:
    """The weekly rhythm the dashboard shows, for download; None when Butlr has not answered
    for it and no earlier answer is kept."""
    topology = topology_fetch()
    site, building = _chosen_building(topology.value, building_id)
    if building is None or not building.floors:
        return None
    floor = building.floor(floor_id or "") or building.floors[0]
    room = floor.room(room_id or "")
    chosen_scope = _rhythm_scope(scope, room)
    now, zone = timezone.now(), _zone(site.timezone if site else None)
    ask = _rhythm_ask(building=building, room=room, scope=chosen_scope, now=now, zone=zone)
    return _rhythm(
        building=building,
        floor=floor,
        room=room,
        scope=chosen_scope,
        ask=ask,
        answers=_answers([ask]),
        now=now,
        zone=zone,
        fetched=[],
    )


def _rhythm_scope(scope: str | None, room: Room | None) -> str:
    """The building's rhythm unless another was asked for; a chosen room's by default."""
    if scope in RHYTHM_SCOPES and (scope != "room" or room is not None):
        return scope
    return "room" if room is not None else "building"


def _values(rows: list[ReportingRow], key: str, function: str) -> SpaceValues:
    """Each space's value per window; a window's group holds that one windowed value, so
    the statistic named after the window function is the value itself."""
    values: SpaceValues = defaultdict(dict)
    for row in rows:
        space, moment = row.get(key), row.time
        if space is None or moment is None:
            continue
        value = getattr(row.stats, function)
        values[space][moment] = None if value is None else round(value, 2)
    return values


def _traffic_ask(*, floor: Floor, now: datetime, zone: ZoneInfo) -> Ask | None:
    """People through the floor's entrances per 5 minutes today, if it has any."""
    if not floor.entrances:
        return None
    return _series(
        measurement="traffic",
        key="field",
        spaces=(floor.id,),
        chosen=RANGES["today"],
        function="sum",
        now=now,
        zone=zone,
    )


def _traffic(
    *,
    floor: Floor,
    ask: Ask | None,
    answers: Answers,
    now: datetime,
    zone: ZoneInfo,
    fetched: list[Fetched[Any]],
) -> Traffic | None:
    if not floor.entrances:
        return None
    if ask is None:
        # The day's first window has not closed yet: nobody counted so far.
        return Traffic(
            entrances=floor.entrances, came_in=0, went_out=0, last_hour_in=0, last_hour_out=0
        )
    today = answers[ask]
    fetched.append(today)
    if today.value is None:
        return Traffic(
            entrances=floor.entrances,
            came_in=None,
            went_out=None,
            last_hour_in=None,
            last_hour_out=None,
        )
    hour_ago = window_floor(moment=now, zone=zone, every="5m") - timedelta(hours=1)
    totals = {"in": 0.0, "out": 0.0}
    last_hour = {"in": 0.0, "out": 0.0}
    for row in today.value:
        direction, value = row.get("field"), row.stats.sum
        if direction not in totals or value is None:
            continue
        totals[direction] += value
        if row.time and row.time >= hour_ago:
            last_hour[direction] += value
    return Traffic(
        entrances=floor.entrances,
        came_in=_people(totals["in"]),
        went_out=_people(totals["out"]),
        last_hour_in=_people(last_hour["in"]),
        last_hour_out=_people(last_hour["out"]),
    )


def _heatmap_ask(*, room: Room, now: datetime) -> Ask:
    stop = window_floor(moment=now, zone=ZoneInfo("UTC"), every="1m")
    query = DetectionsQuery(start=stop - timedelta(hours=1), stop=stop, room_id=room.id)
    return detections_ask(query=query, slot="last-hour")


def _heatmap(*, room: Room, ask: Ask, answers: Answers, fetched: list[Fetched[Any]]) -> Heatmap:
    detections = answers[ask]
    if detections.value is None:
        # The heatmap says so itself; the page's notice is about the figures it shows.
        return Heatmap(room=room, sensors=(), available=False)
    fetched.append(detections)
    by_sensor: dict[str, list[Detection]] = defaultdict(list)
    for detection in detections.value:
        by_sensor[detection.mac_address.lower()].append(detection)
    sensors = [sensor for sensor in room.sensors if sensor.mode != "traffic"] or list(room.sensors)
    return Heatmap(
        room=room,
        sensors=tuple(
            _sensor_heatmap(sensor, by_sensor.get(sensor.mac_address.lower(), []), room=room.name)
            for sensor in sensors
        ),
    )


_AREA_ROWS = ("top", "middle", "bottom")
_AREA_COLUMNS = ("left", "centre", "right")


def heat_level(count: int, busiest: int) -> int:
    """The colour (0 to HEAT_LEVELS) of a square with ``count`` sightings, in whole numbers."""
    if count <= 0 or busiest <= 0:
        return 0
    return min(-(-count * HEAT_LEVELS // busiest), HEAT_LEVELS)


def heat_scale(busiest: int) -> tuple[HeatStep, ...]:
    """The colours a map whose busiest square had ``busiest`` sightings uses, fewest first.

    Each step holds the counts ``heat_level`` gives that colour; a colour no whole count can
    have (a map of 2 sightings at most has no room for five shades) is left out.
    """
    steps = [HeatStep(level=0, low=0, high=0)]
    for level in range(1, HEAT_LEVELS + 1):
        low = (level - 1) * busiest // HEAT_LEVELS + 1
        high = level * busiest // HEAT_LEVELS
        if low <= high:
            steps.append(HeatStep(level=level, low=low, high=high))
    return tuple(steps)


def heat_caption(*, room: str, sensor: str, total: int, area: str, in_area: int) -> str:
    """The heatmap's caption, as a person would say it, claiming no more than the data has."""
    if not total:
        return f"Nobody was seen in {room} in the last hour."
    sightings = "sighting" if total == 1 else "sightings"
    return (
        f"Where people were in {room} over the last hour, as {sensor} saw them. "
        f"People were most often in {area} of its view ({in_area} of {total} {sightings})."
    )


def _sensor_heatmap(sensor: Sensor, detections: list[Detection], *, room: str) -> SensorHeatmap:
    counts: dict[tuple[int, int], int] = defaultdict(int)
    areas: dict[tuple[int, int], int] = defaultdict(int)
    for detection in detections:
        for x, y in detection.points:
            column = min(int(x * HEATMAP_SIZE), HEATMAP_SIZE - 1)
            row = min(int(y * HEATMAP_SIZE), HEATMAP_SIZE - 1)
            counts[column, row] += 1
            areas[min(int(y * 3), 2), min(int(x * 3), 2)] += 1
    total = sum(counts.values())
    busiest = max(counts.values(), default=0)
    cells = tuple(
        HeatCell(
            column=column,
            row=row,
            count=counts[column, row],
            level=heat_level(counts[column, row], busiest),
        )
        for row in range(HEATMAP_SIZE)
        for column in range(HEATMAP_SIZE)
    )
    if not total:
        summary = "Nobody was seen here in the last hour."
        caption = heat_caption(room=room, sensor=sensor.name, total=0, area="", in_area=0)
    else:
        (area_row, area_column), in_area = max(areas.items(), key=lambda item: item[1])
        area = (
            "the centre"
            if (area_row, area_column) == (1, 1)
            else f"the {_AREA_ROWS[area_row]} {_AREA_COLUMNS[area_column]}"
        )
        share = math.floor(in_area / total * 100 + 0.5)
        positions = "position" if total == 1 else "positions"
        summary = (
            f"{total} {positions} seen in the last hour; the busiest area was {area} "
            f"of the sensor's view ({share} % of them)."
        )
        caption = heat_caption(
            room=room, sensor=sensor.name, total=total, area=area, in_area=in_area
        )
    return SensorHeatmap(
        sensor=sensor,
        cells=cells,
        total=total,
        summary=summary,
        caption=caption,
        scale=heat_scale(busiest),
    )


def amenities_for_building(*, butterflymx_building_id: int) -> AmenitiesBoard | None:
    """What residents of a ButterflyMX building may see of its chosen amenities (counts,
    busyness and their typical day), or None when the building is not linked or has none."""
    # Imported here: the amenities module builds on this one.
    from occupancy import amenities

    return amenities.amenities_for_building(butterflymx_building_id=butterflymx_building_id)
