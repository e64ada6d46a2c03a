"""Butlr's /api/v3/reporting over the sandbox's synthetic series: parse, window, group.

A request names measurements, a time range, assets, a window (size, function, time zone) and
an optional grouping. Each series (one per room for room_occupancy, one per floor for the
floor and traffic measurements) is first aggregated per window; windows are aligned to local
time in window.timezone (days start at local midnight, weeks on Monday). The windowed points
are then either returned as a flat list or nested by group_by.order with statistics at the
leaves.
"""

from __future__ import annotations

import re
import statistics
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.butlr.series import (
    DAY,
    day_bounds,
    epoch_minute_ceil,
    local_date,
    local_minutes,
    series_minutes,
)
from sandbox.butlr.world import WORLD, Floor, Room

# measurement -> (series kind, its fields in the series, the field names in the response)
MEASUREMENTS = {
    "room_occupancy": ("room", {"occupancy": "occupancy"}),
    "floor_occupancy": ("floor", {"occupancy": "occupancy"}),
    "traffic": ("traffic", {"in": "in", "out": "out"}),
    "traffic_floor_occupancy": ("traffic", {"occupancy": "occupancy"}),
}
EVERY = {
    "1m": 1,
    "5m": 5,
    "15m": 15,
    "30m": 30,
    "1h": 60,
    "6h": 360,
    "12h": 720,
    "1d": DAY,
    "1w": 7 * DAY,
}
GROUP_KEYS = ("time", "building_id", "space_id", "room_id", "field")
_RELATIVE = re.compile(r"^-(\d+)(s|m|h|d|w)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_COMPARISONS = {
    "gte": lambda value, bound: value >= bound,
    "gt": lambda value, bound: value > bound,
    "lte": lambda value, bound: value <= bound,
    "lt": lambda value, bound: value < bound,
    "eq": lambda value, bound: value == bound,
}
# The longest range one request may cover, and the most windows a series may have in it.
MAX_RANGE_DAYS = 92
MAX_WINDOWS = 20160


class ReportingError(ValueError):
    """A request the reporting endpoint cannot answer; its message says why."""


def _mean(values: Sequence[int]) -> float:
    # The minutes' people counts are whole numbers: their sum is exact, and one division
    # rounds as statistics.fmean would, at a fraction of its cost.
    return sum(values) / len(values)


FUNCTIONS = {
    "mean": _mean,
    "max": max,
    "min": min,
    "sum": sum,
    "first": lambda values: values[0],
    "last": lambda values: values[-1],
    "median": statistics.median,
}


@dataclass(frozen=True)
class Query:
    measurements: tuple[str, ...]
    start: int  # epoch minutes, inclusive
    stop: int  # epoch minutes, exclusive
    buildings: frozenset[str] | None
    spaces: frozenset[str] | None
    rooms: frozenset[str] | None
    value: tuple[tuple[str, float], ...]
    every: int
    function: str
    timezone: ZoneInfo
    order: tuple[str, ...] | None


@dataclass(frozen=True)
class _Point:
    window: int
    time: str
    measurement: str
    field: str
    asset: Room | Floor
    value: float
    incomplete: bool
    null_fraction: float


def _object(body: dict, key: str) -> dict:
    value = body.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ReportingError(f"{key} must be an object.")
    return value


def moment_parse(*, value: object, name: str, now: datetime) -> datetime:
    """An RFC 3339 time, a relative one (-30m, -24h, -7d) or "now", as a datetime."""
    if not isinstance(value, str) or not value.strip():
        raise ReportingError(f"filter.{name} must be an RFC 3339 time or a relative one (-1d).")
    text = value.strip()
    if text in {"now", "now()"}:
        return now
    relative = _RELATIVE.match(text)
    if relative:
        return now - timedelta(seconds=int(relative[1]) * _UNIT_SECONDS[relative[2]])
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ReportingError(
            f"filter.{name} {text!r} is neither RFC 3339 nor relative (-30m, -24h, -7d)."
        ) from None
    if moment.tzinfo is None:
        raise ReportingError(f"filter.{name} {text!r} needs a UTC offset (Z or +hh:mm).")
    return moment


def _ids(filters: dict, key: str) -> frozenset[str] | None:
    if key not in filters:
        return None
    condition = filters[key]
    ids = condition.get("eq") if isinstance(condition, dict) else None
    if isinstance(ids, str):
        ids = [ids]
    if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
        raise ReportingError(f'filter.{key} must look like {{"eq": ["id", ...]}}.')
    return frozenset(ids)


def _value_filter(filters: dict) -> tuple[tuple[str, float], ...]:
    condition = filters.get("value")
    if condition is None:
        return ()
    if not isinstance(condition, dict) or not condition:
        raise ReportingError('filter.value must look like {"gte": 0}.')
    bounds = []
    for operator, bound in condition.items():
        if operator not in _COMPARISONS:
            raise ReportingError(
                f"filter.value.{operator} is not one of {', '.join(_COMPARISONS)}."
            )
        if isinstance(bound, bool) or not isinstance(bound, int | float):
            raise ReportingError(f"filter.value.{operator} must be a number.")
        bounds.append((operator, bound))
    return tuple(bounds)


def query_parse(*, body: object, now: datetime) -> Query:
    """Check a reporting request body and turn it into a Query, or raise ReportingError."""
    if not isinstance(body, dict):
        raise ReportingError("The body must be a JSON object.")
    filters = _object(body, "filter")
    measurements = filters.get("measurements")
    if isinstance(measurements, str):
        measurements = [measurements]
    if not measurements or not isinstance(measurements, list):
        raise ReportingError("filter.measurements must list at least one measurement.")
    for measurement in measurements:
        if measurement not in MEASUREMENTS:
            raise ReportingError(
                f"filter.measurements: {measurement!r} is not one of {', '.join(MEASUREMENTS)}."
            )
    if "start" not in filters:
        raise ReportingError("filter.start is required.")
    start = moment_parse(value=filters["start"], name="start", now=now)
    stop = moment_parse(value=filters.get("stop", "now"), name="stop", now=now)
    if stop <= start:
        raise ReportingError("filter.stop must be later than filter.start.")
    if stop - start > timedelta(days=MAX_RANGE_DAYS):
        raise ReportingError(f"The range may cover at most {MAX_RANGE_DAYS} days.")

    window = _object(body, "window")
    every = window.get("every", "1m")
    if every not in EVERY:
        raise ReportingError(f"window.every {every!r} is not one of {', '.join(EVERY)}.")
    function = window.get("function", "mean")
    if function not in FUNCTIONS:
        raise ReportingError(f"window.function {function!r} is not one of {', '.join(FUNCTIONS)}.")
    try:
        timezone = ZoneInfo(window.get("timezone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ReportingError(
            f"window.timezone {window.get('timezone')!r} is not an IANA time zone."
        ) from None

    group_by = _object(body, "group_by")
    order = group_by.get("order") if group_by else None
    if order is not None:
        if not isinstance(order, list) or not order:
            raise ReportingError("group_by.order must list what to group by.")
        for key in order:
            if key not in GROUP_KEYS:
                raise ReportingError(
                    f"group_by.order: {key!r} is not one of {', '.join(GROUP_KEYS)}."
                )
        if len(set(order)) != len(order):
            raise ReportingError("group_by.order names a key twice.")

    # Whole minutes: a point at minute m counts people during [m, m+1).
    start_minute = epoch_minute_ceil(start)
    stop_minute = epoch_minute_ceil(stop)
    if (stop_minute - start_minute) / EVERY[every] > MAX_WINDOWS:
        raise ReportingError(
            f"That is more than {MAX_WINDOWS} windows per series: use a larger window.every."
        )
    return Query(
        measurements=tuple(dict.fromkeys(measurements)),
        start=start_minute,
        # Nothing is known yet about minutes that have not begun.
        stop=min(stop_minute, epoch_minute_ceil(now)),
        buildings=_ids(filters, "buildings"),
        spaces=_ids(filters, "spaces"),
        rooms=_ids(filters, "rooms"),
        value=_value_filter(filters),
        every=EVERY[every],
        function=function,
        timezone=timezone,
        order=tuple(order) if order else None,
    )


def _window_starts(*, start: int, stop: int, every: int, tz: ZoneInfo) -> list[int]:
    """Epoch minutes where windows start, aligned to local time, from the window holding
    ``start`` up to the first boundary at or after ``stop`` (where the last window ends)."""
    day = local_date(start, tz)
    if every == 7 * DAY:
        day -= timedelta(days=day.weekday())
    starts: list[int] = []
    while True:
        first, end = day_bounds(day, tz)
        if first >= stop:
            starts.append(first)
            break
        if every >= DAY:
            starts.append(first)
            day += timedelta(days=every // DAY)
            continue
        if end - first == DAY:
            starts.extend(range(first, end, every))
        else:
            # The clocks change that day: align to the local wall clock minute by minute.
            minutes = local_minutes(day, tz)
            starts.extend(first + i for i, local in enumerate(minutes) if local % every == 0)
        day += timedelta(days=1)
    return starts[bisect_right(starts, start) - 1 : bisect_left(starts, stop) + 1]


def _selected(query: Query, kind: str) -> list[Room | Floor]:
    def wanted(floor: Floor, room: Room | None) -> bool:
        if query.spaces is not None and floor.id not in query.spaces:
            return False
        if query.buildings is not None and floor.building_id not in query.buildings:
            return False
        if query.rooms is None:
            return True
        if room is not None:
            return room.id in query.rooms
        return any(room.id in query.rooms for room in WORLD.rooms_of(floor.id))

    if kind == "room":
        return [room for room in WORLD.rooms if wanted(WORLD.get(room.floor_id), room)]
    return [floor for floor in WORLD.floors if wanted(floor, None)]


def _points(query: Query) -> list[_Point]:
    if query.start >= query.stop:
        return []
    starts = _window_starts(
        start=query.start, stop=query.stop, every=query.every, tz=query.timezone
    )
    # Each window as (its start, slice bounds into the range's minutes).
    windows = [
        (first, max(first, query.start) - query.start, min(end, query.stop) - query.start)
        for first, end in pairwise(starts)
    ]
    tz = query.timezone
    times = {first: datetime.fromtimestamp(first * 60, tz).isoformat() for first, _, _ in windows}
    aggregate = FUNCTIONS[query.function]
    comparisons = [(_COMPARISONS[operator], bound) for operator, bound in query.value]
    points = []
    for measurement in query.measurements:
        kind, fields = MEASUREMENTS[measurement]
        for asset in _selected(query, kind):
            minutes, nulls = series_minutes(
                kind=kind, asset=asset, start=query.start, stop=query.stop
            )
            for series_field, field in fields.items():
                values = minutes[series_field]
                for first, low, high in windows:
                    value = aggregate(values[low:high])
                    if not all(compare(value, bound) for compare, bound in comparisons):
                        continue
                    missing = sum(nulls[low:high])
                    points.append(
                        _Point(
                            window=first,
                            time=times[first],
                            measurement=measurement,
                            field=field,
                            asset=asset,
                            value=value,
                            incomplete=missing > 0,
                            null_fraction=round(missing / (100 * (high - low)), 4),
                        )
                    )
    return points


def _flat(point: _Point) -> dict:
    room = point.asset if isinstance(point.asset, Room) else None
    floor = WORLD.get(room.floor_id) if room else point.asset
    building = WORLD.floor_building[floor.id]
    return {
        "field": point.field,
        "measurement": point.measurement,
        "time": point.time,
        "value": point.value,
        "building_id": building.id,
        "building_name": building.name,
        "space_id": floor.id,
        "space_name": floor.name,
        "room_id": room.id if room else None,
        "room_name": room.name if room else None,
        "zone_id": None,
        "zone_name": None,
        "data_incomplete": point.incomplete,
        "null_percentage": point.null_fraction,
    }


def _group_key(point: _Point, key: str) -> str | None:
    if key == "time":
        return point.time
    if key == "field":
        return point.field
    room = point.asset if isinstance(point.asset, Room) else None
    if key == "room_id":
        return room.id if room else None
    floor_id = room.floor_id if room else point.asset.id
    if key == "space_id":
        return floor_id
    return WORLD.get(floor_id).building_id


def _stats(points: list[_Point]) -> dict:
    if len(points) == 1:
        # The usual leaf (grouped down to the window): the same figures, without the
        # statistics module's general case, which dominates a month of hourly windows.
        point = points[0]
        value = point.value
        return {
            "sum": value,
            "min": value,
            "max": value,
            "count": 1,
            "mean": float(value),
            "median": value,
            "stddev": 0.0,
            "first": value,
            "last": value,
            "data_incomplete": point.incomplete,
            "null_percentage": round(float(point.null_fraction), 4),
        }
    ordered = sorted(points, key=lambda point: point.window)
    values = [point.value for point in ordered]
    count = len(values)
    return {
        "sum": sum(values),
        "min": min(values),
        "max": max(values),
        "count": count,
        "mean": statistics.fmean(values),
        "median": statistics.median(values),
        "stddev": statistics.stdev(values) if count > 1 else 0.0,
        "first": values[0],
        "last": values[-1],
        "data_incomplete": any(point.incomplete for point in ordered),
        "null_percentage": round(statistics.fmean(point.null_fraction for point in ordered), 4),
    }


def report_build(*, query: Query) -> dict:
    """The response body of a reporting request."""
    points = _points(query)
    if query.order is None:
        return {"data": [_flat(point) for point in points]}
    *outer, inner = query.order
    groups: dict = {}
    for point in points:
        level = groups
        for key in outer:
            level = level.setdefault(_group_key(point, key), {})
        level.setdefault(_group_key(point, inner), []).append(point)
    return {"data": _leaves(groups, depth=len(outer))}


def _leaves(groups: dict, *, depth: int) -> dict:
    if depth == 0:
        return {key: _stats(points) for key, points in groups.items()}
    return {key: _leaves(inner, depth=depth - 1) for key, inner in groups.items()}
