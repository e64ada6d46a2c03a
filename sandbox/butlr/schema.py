"""The GraphQL schema the Butlr sandbox serves: the asset topology, executed by graphql-core."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    build_schema,
    execute_sync,
    parse,
    validate,
)

from sandbox.butlr.world import WORLD, Building, Floor, Hive, Room, Sensor, Site, Zone

# Shaped as Butlr's official client sees the real API: every list root wraps its items in
# ``{ data { ... } }``, single items are fetched by id, and field names are mixed case as
# Butlr has them (``floorNumber``, ``building_number``, ``siteNumber``, ``customID``,
# ``roomType``, ``serialNumber``, ``isOnline`` next to ``floor_id``, ``room_id``,
# ``mac_address``, ``is_online``). Rooms, zones and sensors answer both ``floor_id`` and the
# older ``floorID``. Heartbeats are Unix seconds, as in the client's captured answers. Fields
# the sandbox has no data for answer null.
SDL = """
type Query {
  sites: Sites!
  sensors(ids: [String!]): Sensors!
  hives(ids: [String!], serial_numbers: [String!]): Hives!
  site(id: ID!): Site
  building(id: ID!): Building
  floor(id: ID!): Floor
  room(id: ID!): Room
  zone(id: ID!): Zone
}
type Sites { data: [Site!]! }
type Sensors { data: [Sensor!]! }
type Hives { data: [Hive!]! }
type Site {
  id: ID! name: String! timezone: String siteNumber: Int customID: String org_id: String
  buildings: [Building!]!
}
type Building {
  id: ID! name: String! building_number: Int site_id: ID! customID: String
  capacity: Capacity address: Address floors: [Floor!]! site: Site
}
type Floor {
  id: ID! name: String! floorNumber: Int building_id: ID! timezone: String
  installation_date: Int customID: String capacity: Capacity area: Area
  rooms: [Room!]! zones: [Zone!]! sensors: [Sensor!]! hives: [Hive!]! building: Building
}
type Room {
  id: ID! name: String! floor_id: ID! floorID: ID roomType: String customID: String
  capacity: Capacity area: Area coordinates: [[Float!]!] rotation: Float note: String
  sensors: [Sensor!]! floor: Floor
}
type Zone {
  id: ID! name: String! floor_id: ID! floorID: ID room_id: ID roomID: ID customID: String
  capacity: Capacity area: Area coordinates: [[Float!]!] rotation: Float note: String
  sensors: [Sensor!]!
}
type Capacity { max: Int mid: Int }
type Area { value: Float unit: String }
type Address { lines: [String!] country: String }
type Sensor {
  id: ID! name: String mac_address: String! mode: String! model: String
  floor_id: ID! room_id: ID floorID: ID roomID: ID hive_serial: String
  is_entrance: Boolean is_online: Boolean! is_streaming: Boolean power_type: String
  last_battery_change_date: String next_battery_change_date: String
  battery_change_by_date: String last_heartbeat: Int installation_status: String
}
type Hive {
  id: ID! name: String serialNumber: String! floor_id: ID! room_id: ID floorID: ID
  isOnline: Boolean! coordinates: [Float!] isStreaming: Boolean hiveVersion: String
  hiveType: String note: String lastHeartbeat: Int netPathStability: Float installed: Boolean
}
"""

SCHEMA = build_schema(SDL)


def _capacity(item) -> dict:
    return {"max": item.capacity_max, "mid": item.capacity_mid}


def _area(item) -> dict:
    return {"value": float(item.area_sqft), "unit": "sqft"}


def _heartbeat(sensor: Sensor, now: datetime) -> int:
    """Unix seconds, as Butlr answers them."""
    # Online sensors beat every minute or so; offline ones went quiet two days ago.
    jitter = hashlib.sha256(sensor.id.encode()).digest()[0] % 60
    beat = now.replace(microsecond=0) - timedelta(seconds=jitter)
    if not sensor.is_online:
        beat -= timedelta(days=2, hours=jitter % 7)
    return int(beat.timestamp())


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
        "site": lambda info: _site(WORLD.get(building.site_id)),
    }


def _floor(floor: Floor) -> dict:
    return {
        "id": floor.id,
        "name": floor.name,
        "building_id": floor.building_id,
        "timezone": floor.timezone,
        "floorNumber": floor.floor_number,
        "capacity": _capacity(floor),
        "area": _area(floor),
        "rooms": lambda info: [_room(r) for r in WORLD.rooms_of(floor.id)],
        "zones": lambda info: [_zone(z) for z in WORLD.zones_of(floor.id)],
        "sensors": lambda info: [_sensor(s, info) for s in WORLD.sensors_of(floor_id=floor.id)],
        "hives": lambda info: [_hive(h) for h in WORLD.hives_of(floor.id)],
        "building": lambda info: _building(WORLD.get(floor.building_id)),
    }


def _room(room: Room) -> dict:
    return {
        "id": room.id,
        "name": room.name,
        "floor_id": room.floor_id,
        "floorID": room.floor_id,
        "capacity": _capacity(room),
        "area": _area(room),
        "sensors": lambda info: [
            _sensor(s, info) for s in WORLD.sensors_of(floor_id=room.floor_id, room_id=room.id)
        ],
        "floor": lambda info: _floor(WORLD.get(room.floor_id)),
    }


def _zone(zone: Zone) -> dict:
    return {
        "id": zone.id,
        "name": zone.name,
        "floor_id": zone.floor_id,
        "floorID": zone.floor_id,
        "room_id": zone.room_id,
        "roomID": zone.room_id,
        "capacity": _capacity(zone),
        "sensors": lambda info: [
            _sensor(s, info)
            for s in WORLD.sensors_of(floor_id=zone.floor_id, room_id=zone.room_id)
            if zone.room_id is not None
        ],
    }


def _sensor(sensor: Sensor, info) -> dict:
    return {
        "id": sensor.id,
        "mac_address": sensor.mac_address,
        "name": sensor.name,
        "mode": sensor.mode,
        "floor_id": sensor.floor_id,
        "room_id": sensor.room_id,
        "floorID": sensor.floor_id,
        "roomID": sensor.room_id,
        "is_entrance": sensor.is_entrance,
        "is_online": sensor.is_online,
        "last_heartbeat": _heartbeat(sensor, info.context["now"]),
    }


def _hive(hive: Hive) -> dict:
    return {
        "id": hive.id,
        "serialNumber": hive.serial_number,
        "name": hive.name,
        "floor_id": hive.floor_id,
        "floorID": hive.floor_id,
        "isOnline": hive.is_online,
    }


def _one(kind: type, make):
    """A single-item root: the asset of that kind with this id, or null."""

    def resolve(info, id):
        item = WORLD.get(id)
        return make(item) if isinstance(item, kind) else None

    return resolve


def _picked(items, ids, attribute="id"):
    return [item for item in items if ids is None or getattr(item, attribute) in ids]


_ROOT = {
    "sites": lambda info: {"data": [_site(site) for site in WORLD.sites]},
    "sensors": lambda info, ids=None: {
        "data": [_sensor(sensor, info) for sensor in _picked(WORLD.sensors, ids)]
    },
    "hives": lambda info, ids=None, serial_numbers=None: {
        "data": [
            _hive(hive)
            for hive in _picked(_picked(WORLD.hives, ids), serial_numbers, "serial_number")
        ]
    },
    "site": _one(Site, _site),
    "building": _one(Building, _building),
    "floor": _one(Floor, _floor),
    "room": _one(Room, _room),
    "zone": _one(Zone, _zone),
}


def graphql_execute(*, query: str, variables: dict | None, operation_name: str | None) -> dict:
    """Run a GraphQL request against the sandbox's topology; the result as a response body."""
    document, errors = _document(query)
    if document is None or errors:
        return ExecutionResult(data=None, errors=list(errors)).formatted
    result = execute_sync(
        SCHEMA,
        document,
        root_value=_ROOT,
        context_value={"now": datetime.now(UTC)},
        variable_values=variables,
        operation_name=operation_name,
    )
    return result.formatted


@lru_cache(maxsize=64)
def _document(query: str) -> tuple[DocumentNode | None, tuple[GraphQLError, ...]]:
    """A query parsed and validated once (as GraphQL servers keep their documents): the
    same few queries come again and again, and checking one costs more than running it."""
    try:
        document = parse(query)
    except GraphQLError as error:
        return None, (error,)
    return document, tuple(validate(SCHEMA, document))
