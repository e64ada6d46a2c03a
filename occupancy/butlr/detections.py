"""Butlr detections (positions seen by a sensor) and the query that asks for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from occupancy.butlr.errors import BadResponse
from occupancy.butlr.reporting import rfc3339


@dataclass(frozen=True)
class DetectionsQuery:
    """One POST /api/v3/detections for the ``detections_local`` points of a room."""

    start: datetime
    stop: datetime
    room_id: str

    def __post_init__(self):
        rfc3339(self.start)
        rfc3339(self.stop)
        if self.stop <= self.start:
            raise ValueError("a detections query must stop after it starts")

    def body(self) -> dict[str, Any]:
        return {
            "data_types": ["detections_local"],
            "filter": {
                "start": rfc3339(self.start),
                "stop": rfc3339(self.stop),
                "omit_empty_value": True,
                "room_id": self.room_id,
            },
        }


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
