"""Butlr detections (positions seen by a sensor) and the query that asks for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from occupancy.butlr.errors import BadResponse
from occupancy.butlr.reporting import WINDOW_EVERY, WINDOW_FUNCTIONS, rfc3339


@dataclass(frozen=True)
class DetectionsQuery:
    """One POST /api/v3/detections for ``detections_local`` points of a room or floor."""

    start: datetime
    stop: datetime
    room_id: str | None = None
    space_id: str | None = None
    mac_addresses: tuple[str, ...] = ()
    every: str | None = None
    function: str | None = None

    def __post_init__(self):
        rfc3339(self.start)
        rfc3339(self.stop)
        if self.stop <= self.start:
            raise ValueError("a detections query must stop after it starts")
        if self.every is not None and self.every not in WINDOW_EVERY:
            raise ValueError(f"unknown window length {self.every!r}")
        if self.function is not None and self.function not in WINDOW_FUNCTIONS:
            raise ValueError(f"unknown window function {self.function!r}")

    def body(self) -> dict[str, Any]:
        query_filter: dict[str, Any] = {
            "start": rfc3339(self.start),
            "stop": rfc3339(self.stop),
            "omit_empty_value": True,
        }
        if self.room_id:
            query_filter["room_id"] = self.room_id
        if self.space_id:
            query_filter["space_id"] = self.space_id
        if self.mac_addresses:
            query_filter["mac_addresses"] = list(self.mac_addresses)
        body: dict[str, Any] = {"data_types": ["detections_local"], "filter": query_filter}
        if self.every or self.function:
            body["window"] = {
                key: value
                for key, value in (("every", self.every), ("function", self.function))
                if value
            }
        return body


@dataclass(frozen=True)
class Detection:
    """The positions one sensor saw at one moment, x and y in 0..1 of its field of view."""

    mac_address: str
    sampled_at: datetime
    points: tuple[tuple[float, float], ...]


def detections_parse(payload: Any) -> list[Detection]:
    if not isinstance(payload, dict):
        raise BadResponse("Butlr's detections answer is not an object")
    items = payload.get("detections_local")
    if items is None:
        return []
    try:
        return [_detection(item) for item in items]
    except (KeyError, TypeError, ValueError, OverflowError):
        raise BadResponse("Butlr's detections answer has unreadable points") from None


def _detection(item: dict) -> Detection:
    milliseconds = item.get("sample_time") or item["start_time"]
    points = []
    for point in item.get("value") or ():
        x, y = (float(coordinate) for coordinate in point[:2])
        if 0.0 <= x <= 1.0 and 0.0 <= y <= 1.0:
            points.append((x, y))
    return Detection(
        mac_address=str(item["mac_address"]),
        sampled_at=datetime.fromtimestamp(milliseconds / 1000, tz=UTC),
        points=tuple(points),
    )
