"""The GraphQL schema the Butlr sandbox serves: the asset topology, executed by graphql-core."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from graphql import build_schema, graphql_sync

from sandbox.butlr.world import WORLD, Building, Floor, Hive, Room, Sensor, Site, Zone

SDL = """
type Query {
  sites: [Site!]!
  buildings: [Building!]!
  floors(ids: [ID!]): [Floor!]!
  rooms(floor_ids: [ID!]): [Room!]!
  sensors: [Sensor!]!
  hives: [Hive!]!
}
type Site { id: ID! name: String! timezone: String! buildings: [Building!]! }
type Building { id: ID! name: String! site_id: ID! capacity: Capacity floors: [Floor!]! }
type Floor {
  id: ID! name: String! building_id: ID! timezone: String! floor_number: Int
  capacity: Capacity area: Area rooms: [Room!]! zones: [Zone!]! sensors: [Sensor!]! hives: [Hive!]!
}
type Room { id: ID! name: String! floor_id: ID! capacity: Capacity area: Area sensors: [Sensor!]! }
type Zone { id: ID! name: String! floor_id: ID! room_id: ID capacity: Capacity }
type Capacity { max: Int mid: Int }
type Area { value: Float unit: String }
type Sensor {
  id: ID! mac_address: String! name: String mode: String! floor_id: ID! room_id: ID
  is_entrance: Boolean is_online: Boolean! last_heartbeat: String
}
type Hive { id: ID! serial_number: String! name: String floor_id: ID! isOnline: Boolean! }
"""

SCHEMA = build_schema(SDL)


def _capacity(item) -> dict:
    return {"max": item.capacity_max, "mid": item.capacity_mid}


def _area(item) -> dict:
    return {"value": float(item.area_sqft), "unit": "sqft"}


def _heartbeat(sensor: Sensor, now: datetime) -> str:
    # Online sensors beat every minute or so; offline ones went quiet two days ago.
    jitter = hashlib.sha256(sensor.id.encode()).digest()[0] % 60
    beat = now.replace(microsecond=0) - timedelta(seconds=jitter)
    if not sensor.is_online:
        beat -= timedelta(days=2, hours=jitter % 7)
    return beat.isoformat().replace("+00:00", "Z")


def _site(site: Site) -> dict:
    return {
        "id": site.id,
        "name": site.name,
        "timezone": site.timezone,
        "buildings": lambda info: [_building(b) for b in WORLD.buildings_of(site.id)],
    }


def _building(building: Building) -> dict:
    return {
        "id": building.id,
        "name": building.name,
        "site_id": building.site_id,
        "capacity": _capacity(building),
        "floors": lambda info: [_floor(f) for f in WORLD.floors_of(building.id)],
    }


def _floor(floor: Floor) -> dict:
    return {
        "id": floor.id,
        "name": floor.name,
        "building_id": floor.building_id,
        "timezone": floor.timezone,
        "floor_number": floor.floor_number,
        "capacity": _capacity(floor),
        "area": _area(floor),
        "rooms": lambda info: [_room(r) for r in WORLD.rooms_of(floor.id)],
        "zones": lambda info: [_zone(z) for z in WORLD.zones_of(floor.id)],
        "sensors": lambda info: [_sensor(s, info) for s in WORLD.sensors_of(floor_id=floor.id)],
        "hives": lambda info: [_hive(h) for h in WORLD.hives_of(floor.id)],
    }


def _room(room: Room) -> dict:
    return {
        "id": room.id,
        "name": room.name,
        "floor_id": room.floor_id,
        "capacity": _capacity(room),
        "area": _area(room),
        "sensors": lambda info: [
            _sensor(s, info) for s in WORLD.sensors_of(floor_id=room.floor_id, room_id=room.id)
        ],
    }


def _zone(zone: Zone) -> dict:
    return {
        "id": zone.id,
        "name": zone.name,
        "floor_id": zone.floor_id,
        "room_id": zone.room_id,
        "capacity": _capacity(zone),
    }


def _sensor(sensor: Sensor, info) -> dict:
    return {
        "id": sensor.id,
        "mac_address": sensor.mac_address,
        "name": sensor.name,
        "mode": sensor.mode,
        "floor_id": sensor.floor_id,
        "room_id": sensor.room_id,
        "is_entrance": sensor.is_entrance,
        "is_online": sensor.is_online,
        "last_heartbeat": _heartbeat(sensor, info.context["now"]),
    }


def _hive(hive: Hive) -> dict:
    return {
        "id": hive.id,
        "serial_number": hive.serial_number,
        "name": hive.name,
        "floor_id": hive.floor_id,
        "isOnline": hive.is_online,
    }


_ROOT = {
    "sites": lambda info: [_site(site) for site in WORLD.sites],
    "buildings": lambda info: [_building(building) for building in WORLD.buildings],
    "floors": lambda info, ids=None: [
        _floor(floor) for floor in WORLD.floors if ids is None or floor.id in ids
    ],
    "rooms": lambda info, floor_ids=None: [
        _room(room) for room in WORLD.rooms if floor_ids is None or room.floor_id in floor_ids
    ],
    "sensors": lambda info: [_sensor(sensor, info) for sensor in WORLD.sensors],
    "hives": lambda info: [_hive(hive) for hive in WORLD.hives],
}


def graphql_execute(*, query: str, variables: dict | None, operation_name: str | None) -> dict:
    """Run a GraphQL request against the sandbox's topology; the result as a response body."""
    result = graphql_sync(
        SCHEMA,
        query,
        root_value=_ROOT,
        context_value={"now": datetime.now(UTC)},
        variable_values=variables,
        operation_name=operation_name,
    )
    return result.formatted
