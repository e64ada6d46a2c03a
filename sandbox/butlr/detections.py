"""Butlr's /api/v3/detections for the sandbox: where people were in each sensor's view.

Each presence sensor sees its share of its room's people (offline sensors see nothing). A
person sits near one of a few spots of the sensor's field of view (tables, a sofa, the door),
stays there for ten minutes or so, and moves a little from minute to minute, so positions
cluster the way real ones do. Coordinates are 0..1 of the field of view.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sandbox.butlr.reporting import ReportingError, moment_parse
from sandbox.butlr.series import epoch_minute_ceil, series_minutes
from sandbox.butlr.world import WORLD, Sensor

DATA_TYPES = ("detections_local",)
# How many sensor-minutes one request may ask for.
MAX_SENSOR_MINUTES = 50_000
_STAY_MINUTES = 10


@dataclass(frozen=True)
class DetectionsQuery:
    start: int
    stop: int
    sensors: tuple[Sensor, ...]
    omit_empty: bool


def detections_query_parse(*, body: object, now: datetime) -> DetectionsQuery:
    """Check a detections request body, or raise ReportingError saying what is wrong."""
    if not isinstance(body, dict):
        raise ReportingError("The body must be a JSON object.")
    data_types = body.get("data_types")
    if not isinstance(data_types, list) or not data_types:
        raise ReportingError("data_types must list at least one of: " + ", ".join(DATA_TYPES))
    for data_type in data_types:
        if data_type not in DATA_TYPES:
            raise ReportingError(
                f"data_types: {data_type!r} is not served here; use {', '.join(DATA_TYPES)}."
            )
    filters = body.get("filter")
    if not isinstance(filters, dict) or "start" not in filters:
        raise ReportingError("filter.start is required.")
    start = moment_parse(value=filters["start"], name="start", now=now)
    stop = moment_parse(value=filters.get("stop", "now"), name="stop", now=now)
    if stop <= start:
        raise ReportingError("filter.stop must be later than filter.start.")
    room_id = filters.get("room_id")
    if room_id is not None and not isinstance(room_id, str):
        raise ReportingError("filter.room_id must be an id.")
    sensors = [
        sensor
        for sensor in WORLD.sensors
        if sensor.mode == "presence" and room_id in (None, sensor.room_id)
    ]
    start_minute = epoch_minute_ceil(start)
    stop_minute = min(epoch_minute_ceil(stop), epoch_minute_ceil(now))
    if len(sensors) * (stop_minute - start_minute) > MAX_SENSOR_MINUTES:
        raise ReportingError("That asks for too much at once: choose a room or a shorter range.")
    return DetectionsQuery(
        start=start_minute,
        stop=stop_minute,
        sensors=tuple(sensors),
        omit_empty=bool(filters.get("omit_empty_value", False)),
    )


@lru_cache(maxsize=256)
def _spots(sensor_id: str) -> tuple[tuple[float, float, float, float], ...]:
    """Places people gather in a sensor's view: (x, y, spread, weight)."""
    rng = random.Random(f"{sensor_id}/spots")  # noqa: S311 (made-up data)
    door = (rng.choice((0.06, 0.94)), rng.uniform(0.25, 0.75), 0.03, 0.15)
    tables = tuple(
        (rng.uniform(0.25, 0.75), rng.uniform(0.2, 0.8), rng.uniform(0.05, 0.09), 1.0)
        for _ in range(rng.randint(2, 3))
    )
    return (door, *tables)


@lru_cache(maxsize=4096)
def _seats(sensor_id: str, stay: int, people: int) -> tuple[tuple[float, float], ...]:
    """Where each of the first ``people`` people sits during one stay."""
    rng = random.Random(f"{sensor_id}/{stay}")  # noqa: S311
    spots = _spots(sensor_id)
    weights = [spot[3] for spot in spots]
    seats = []
    for _ in range(people):
        x, y, spread, _weight = rng.choices(spots, weights)[0]
        seats.append((rng.gauss(x, spread), rng.gauss(y, spread)))
    return tuple(seats)


def _positions(sensor: Sensor, minute: int, people: int) -> list[list[float]]:
    if not people:
        return []
    seats = _seats(sensor.id, minute // _STAY_MINUTES, people)
    rng = random.Random(f"{sensor.id}/{minute}")  # noqa: S311
    return [
        [
            min(0.99, max(0.01, round(x + rng.gauss(0, 0.01), 4))),
            min(0.99, max(0.01, round(y + rng.gauss(0, 0.01), 4))),
        ]
        for x, y in seats
    ]


def _sensor_people(query: DetectionsQuery) -> dict[str, list[int]]:
    """Per sensor, the people it saw in each minute of the range."""
    counts = {}
    rooms = {}
    for sensor in query.sensors:
        room = WORLD.get(sensor.room_id)
        if room.id not in rooms:
            fields, _ = series_minutes(kind="room", asset=room, start=query.start, stop=query.stop)
            rooms[room.id] = fields["occupancy"]
        online = [s.id for s in WORLD.presence_sensors_of(room.id) if s.is_online]
        if sensor.id not in online:
            counts[sensor.id] = [0] * (query.stop - query.start)
            continue
        index, share = online.index(sensor.id), len(online)
        counts[sensor.id] = [(people + index) // share for people in rooms[room.id]]
    return counts


def detections_build(*, query: DetectionsQuery) -> dict:
    """The response body of a detections request: one sample per sensor and minute."""
    if query.start >= query.stop:
        return {"detections_local": []}
    people = _sensor_people(query)
    samples = []
    for minute in range(query.start, query.stop):
        for sensor in query.sensors:
            jitter_ms = hashlib.sha256(sensor.id.encode()).digest()[0] * 3
            value = _positions(sensor, minute, people[sensor.id][minute - query.start])
            if value or not query.omit_empty:
                samples.append(
                    {
                        "start_time": minute * 60_000,
                        "sample_time": minute * 60_000 + jitter_ms,
                        "mac_address": sensor.mac_address,
                        "value": value,
                    }
                )
    return {"detections_local": samples}
