"""Butlr's topology (sites, buildings, floors, rooms, sensors) as read from its GraphQL API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from occupancy.butlr.errors import BadResponse

_CAPACITY = "capacity { max mid }"
_AREA = "area { value unit }"
_SENSOR = "id mac_address name mode floor_id room_id is_entrance is_online last_heartbeat"
TOPOLOGY_QUERY = f"""
query Topology {{
  sites {{
    id name timezone
    buildings {{
      id name site_id {_CAPACITY}
      floors {{
        id name building_id timezone floor_number {_CAPACITY} {_AREA}
        rooms {{ id name floor_id {_CAPACITY} {_AREA} sensors {{ {_SENSOR} }} }}
        sensors {{ {_SENSOR} }}
      }}
    }}
  }}
}}
"""


@dataclass(frozen=True)
class Capacity:
    max: int | None = None
    mid: int | None = None


@dataclass(frozen=True)
class Area:
    value: float | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Sensor:
    id: str
    mac_address: str
    name: str
    mode: str
    floor_id: str
    room_id: str | None
    is_entrance: bool
    is_online: bool
    last_heartbeat: str | None


@dataclass(frozen=True)
class Room:
    id: str
    name: str
    floor_id: str
    capacity: Capacity
    area: Area
    sensors: tuple[Sensor, ...]


@dataclass(frozen=True)
class Floor:
    id: str
    name: str
    building_id: str
    timezone: str
    floor_number: int | None
    capacity: Capacity
    area: Area
    rooms: tuple[Room, ...]
    sensors: tuple[Sensor, ...]

    @property
    def entrances(self) -> tuple[Sensor, ...]:
        return tuple(sensor for sensor in self.sensors if sensor.is_entrance)

    def room(self, room_id: str) -> Room | None:
        return next((room for room in self.rooms if room.id == room_id), None)


@dataclass(frozen=True)
class Building:
    id: str
    name: str
    site_id: str
    capacity: Capacity
    floors: tuple[Floor, ...]

    def floor(self, floor_id: str) -> Floor | None:
        return next((floor for floor in self.floors if floor.id == floor_id), None)


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    timezone: str
    buildings: tuple[Building, ...]


@dataclass(frozen=True)
class Topology:
    sites: tuple[Site, ...]

    def buildings(self) -> list[tuple[Site, Building]]:
        return [(site, building) for site in self.sites for building in site.buildings]

    def building(self, building_id: str) -> tuple[Site, Building] | None:
        return next(
            ((site, building) for site, building in self.buildings() if building.id == building_id),
            None,
        )


def topology_parse(data: Any) -> Topology:
    """A Topology from the ``data`` of an answer to TOPOLOGY_QUERY."""
    try:
        return Topology(sites=tuple(_site(site) for site in data["sites"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise BadResponse("Butlr's topology answer is missing fields") from None


def _capacity(data: dict | None) -> Capacity:
    data = data or {}
    return Capacity(max=_int(data.get("max")), mid=_int(data.get("mid")))


def _area(data: dict | None) -> Area:
    data = data or {}
    value = data.get("value")
    return Area(value=float(value) if value is not None else None, unit=data.get("unit"))


def _int(value: Any) -> int | None:
    return int(value) if value is not None else None


def _sensor(data: dict) -> Sensor:
    return Sensor(
        id=data["id"],
        mac_address=data["mac_address"],
        name=data.get("name") or data["mac_address"],
        mode=data["mode"],
        floor_id=data["floor_id"],
        room_id=data.get("room_id"),
        is_entrance=bool(data.get("is_entrance")),
        is_online=bool(data["is_online"]),
        last_heartbeat=data.get("last_heartbeat"),
    )


def _room(data: dict) -> Room:
    return Room(
        id=data["id"],
        name=data["name"],
        floor_id=data["floor_id"],
        capacity=_capacity(data.get("capacity")),
        area=_area(data.get("area")),
        sensors=tuple(_sensor(sensor) for sensor in data.get("sensors") or ()),
    )


def _floor(data: dict) -> Floor:
    return Floor(
        id=data["id"],
        name=data["name"],
        building_id=data["building_id"],
        timezone=data["timezone"],
        floor_number=_int(data.get("floor_number")),
        capacity=_capacity(data.get("capacity")),
        area=_area(data.get("area")),
        rooms=tuple(_room(room) for room in data.get("rooms") or ()),
        sensors=tuple(_sensor(sensor) for sensor in data.get("sensors") or ()),
    )


def _building(data: dict) -> Building:
    floors = sorted(
        (_floor(floor) for floor in data.get("floors") or ()),
        key=lambda floor: (floor.floor_number is None, floor.floor_number or 0, floor.name),
    )
    return Building(
        id=data["id"],
        name=data["name"],
        site_id=data["site_id"],
        capacity=_capacity(data.get("capacity")),
        floors=tuple(floors),
    )


def _site(data: dict) -> Site:
    return Site(
        id=data["id"],
        name=data["name"],
        timezone=data["timezone"],
        buildings=tuple(_building(building) for building in data.get("buildings") or ()),
    )
