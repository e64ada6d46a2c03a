"""Butlr's topology (sites, buildings, floors, rooms, sensors) as read from its GraphQL API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from occupancy.butlr.errors import BadResponse

_CAPACITY = "capacity { max mid }"
_AREA = "area { value unit }"
# As Butlr's official client asks (butlr-mcp, src/clients/queries/topology.ts): every list root
# wraps its items in ``data``; floors are numbered by ``floorNumber``. Sensors come from the
# ``sensors`` root, placed by their snake_case ``floor_id``/``room_id``: the official client
# reads them that way because sensors nested under floors came back null or cut short in its
# captured answers (a later note of theirs says nesting works: the flat list works either way),
# and camelCase ``floorID``/``roomID`` fail on sensors whose room is null.
TOPOLOGY_QUERY = f"""
query Topology {{
  sites {{
    data {{
      id name timezone
      buildings {{
        id name site_id {_CAPACITY}
        floors {{
          id name building_id timezone floorNumber {_CAPACITY} {_AREA}
          rooms {{ id name floor_id {_CAPACITY} {_AREA} }}
        }}
      }}
    }}
  }}
  sensors {{
    data {{ id name mac_address mode floor_id room_id is_entrance is_online last_heartbeat }}
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
    last_heartbeat: datetime | None


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
    # Butlr answered with errors next to its data: some assets may be missing.
    partial: bool = False

    def buildings(self) -> list[tuple[Site, Building]]:
        return [(site, building) for site in self.sites for building in site.buildings]

    def building(self, building_id: str) -> tuple[Site, Building] | None:
        return next(
            ((site, building) for site, building in self.buildings() if building.id == building_id),
            None,
        )


def topology_parse(data: Any, *, partial: bool = False) -> Topology:
    """A Topology from the ``data`` of an answer to TOPOLOGY_QUERY.

    ``partial`` says Butlr reported errors next to this data: then items it could not
    resolve (nulls where an asset should be) are left out rather than refused.
    """
    try:
        listed = data["sites"]["data"]
        sites = _items(listed, partial)
        if partial and (listed is None or not sites):
            # Errors and nothing to show: failing keeps the last good topology on screen.
            raise ValueError
        sensors = [_sensor(sensor) for sensor in _items(data["sensors"]["data"], partial)]
        return Topology(
            sites=tuple(_site(site, sensors, partial) for site in sites), partial=partial
        )
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        raise BadResponse("Butlr's topology answer is missing fields") from None


def topology_dump(topology: Topology) -> dict[str, Any]:
    """``topology`` as JSON's values (heartbeats in Unix seconds), for topology_load."""

    def sensor(item: Sensor) -> dict[str, Any]:
        heartbeat = item.last_heartbeat
        return {**vars(item), "last_heartbeat": heartbeat and heartbeat.timestamp()}

    def space(item: Floor | Room) -> dict[str, Any]:
        return {
            **vars(item),
            "capacity": vars(item.capacity),
            "area": vars(item.area),
            "sensors": [sensor(each) for each in item.sensors],
        }

    def floor(item: Floor) -> dict[str, Any]:
        return {**space(item), "rooms": [space(each) for each in item.rooms]}

    def building(item: Building) -> dict[str, Any]:
        return {
            **vars(item),
            "capacity": vars(item.capacity),
            "floors": [floor(each) for each in item.floors],
        }

    return {
        "partial": topology.partial,
        "sites": [
            {**vars(site), "buildings": [building(each) for each in site.buildings]}
            for site in topology.sites
        ],
    }


def topology_load(data: Any) -> Topology:
    """The Topology ``topology_dump`` made ``data`` of."""

    def sensor(item: dict) -> Sensor:
        return Sensor(**{**item, "last_heartbeat": _heartbeat(item["last_heartbeat"])})

    def space(item: dict) -> dict[str, Any]:
        return {
            **item,
            "capacity": Capacity(**item["capacity"]),
            "area": Area(**item["area"]),
            "sensors": tuple(sensor(each) for each in item["sensors"]),
        }

    def floor(item: dict) -> Floor:
        return Floor(
            **{**space(item), "rooms": tuple(Room(**space(each)) for each in item["rooms"])}
        )

    def building(item: dict) -> Building:
        return Building(
            **{
                **item,
                "capacity": Capacity(**item["capacity"]),
                "floors": tuple(floor(each) for each in item["floors"]),
            }
        )

    try:
        return Topology(
            sites=tuple(
                Site(**{**site, "buildings": tuple(building(each) for each in site["buildings"])})
                for site in data["sites"]
            ),
            partial=bool(data["partial"]),
        )
    except (KeyError, TypeError, ValueError):
        raise BadResponse("A recorded topology is missing fields") from None


def _items(items: Any, partial: bool) -> list[dict]:
    """The objects of a list; a null list or item is tolerated only in a partial answer."""
    if items is None and partial:
        return []
    if not isinstance(items, list):
        raise TypeError
    if partial:
        return [item for item in items if item is not None]
    if any(not isinstance(item, dict) for item in items):
        raise TypeError
    return items


def _capacity(data: dict | None) -> Capacity:
    data = data or {}
    return Capacity(max=_int(data.get("max")), mid=_int(data.get("mid")))


def _area(data: dict | None) -> Area:
    data = data or {}
    value = data.get("value")
    return Area(value=float(value) if value is not None else None, unit=data.get("unit"))


def _int(value: Any) -> int | None:
    return int(value) if value is not None else None


def _heartbeat(value: Any) -> datetime | None:
    """Butlr's heartbeats are Unix seconds (its official client's captured answers)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError
    return datetime.fromtimestamp(value, tz=UTC)


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
        last_heartbeat=_heartbeat(data.get("last_heartbeat")),
    )


def _room(data: dict, floor_id: str, sensors: Iterable[Sensor]) -> Room:
    # Butlr's rooms answer the snake_case ``floor_id`` the official client asks for; its older
    # captured answers carry ``floorID`` instead. Either way the room is on the floor it is
    # nested under.
    room_floor = data.get("floor_id") or data.get("floorID") or floor_id
    return Room(
        id=data["id"],
        name=data["name"],
        floor_id=room_floor,
        capacity=_capacity(data.get("capacity")),
        area=_area(data.get("area")),
        sensors=tuple(sensor for sensor in sensors if sensor.room_id == data["id"]),
    )


def _floor(data: dict, sensors: list[Sensor], partial: bool) -> Floor:
    mine = [sensor for sensor in sensors if sensor.floor_id == data["id"]]
    return Floor(
        id=data["id"],
        name=data["name"],
        building_id=data["building_id"],
        timezone=data["timezone"],
        floor_number=_int(data.get("floorNumber")),
        capacity=_capacity(data.get("capacity")),
        area=_area(data.get("area")),
        rooms=tuple(_room(room, data["id"], mine) for room in _items(data["rooms"], partial)),
        sensors=tuple(mine),
    )


def _building(data: dict, sensors: list[Sensor], partial: bool) -> Building:
    floors = sorted(
        (_floor(floor, sensors, partial) for floor in _items(data["floors"], partial)),
        key=lambda floor: (floor.floor_number is None, floor.floor_number or 0, floor.name),
    )
    return Building(
        id=data["id"],
        name=data["name"],
        site_id=data["site_id"],
        capacity=_capacity(data.get("capacity")),
        floors=tuple(floors),
    )


def _site(data: dict, sensors: list[Sensor], partial: bool) -> Site:
    return Site(
        id=data["id"],
        name=data["name"],
        timezone=data["timezone"],
        buildings=tuple(
            _building(building, sensors, partial) for building in _items(data["buildings"], partial)
        ),
    )
