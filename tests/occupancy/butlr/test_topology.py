"""Tests of the topology parser and of the query it answers."""

import pytest
from graphql import build_schema, validate
from graphql.language import parse

from occupancy.butlr.errors import BadResponse
from occupancy.butlr.topology import TOPOLOGY_QUERY, topology_parse

# The subset of Butlr's schema the sandbox serves (see the shared contracts).
SCHEMA = build_schema(
    """
    type Query { sites: [Site!]! buildings: [Building!]! floors(ids: [ID!]): [Floor!]!
                 rooms(floor_ids: [ID!]): [Room!]! sensors: [Sensor!]! hives: [Hive!]! }
    type Site { id: ID! name: String! timezone: String! buildings: [Building!]! }
    type Building { id: ID! name: String! site_id: ID! capacity: Capacity floors: [Floor!]! }
    type Floor { id: ID! name: String! building_id: ID! timezone: String! floor_number: Int
                 capacity: Capacity area: Area rooms: [Room!]! zones: [Zone!]!
                 sensors: [Sensor!]! hives: [Hive!]! }
    type Room { id: ID! name: String! floor_id: ID! capacity: Capacity area: Area
                sensors: [Sensor!]! }
    type Zone { id: ID! name: String! floor_id: ID! room_id: ID capacity: Capacity }
    type Capacity { max: Int mid: Int }
    type Area { value: Float unit: String }
    type Sensor { id: ID! mac_address: String! name: String mode: String! floor_id: ID!
                  room_id: ID is_entrance: Boolean is_online: Boolean! last_heartbeat: String }
    type Hive { id: ID! serial_number: String! name: String floor_id: ID! isOnline: Boolean! }
    """
)


def _sensor(sensor_id, room_id=None, entrance=False, mode="presence"):
    return {
        "id": sensor_id,
        "mac_address": f"mac-{sensor_id}",
        "name": None,
        "mode": mode,
        "floor_id": "space_2",
        "room_id": room_id,
        "is_entrance": entrance,
        "is_online": True,
        "last_heartbeat": "2026-11-23T14:00:00Z",
    }


def _floor(floor_id, number, name):
    return {
        "id": floor_id,
        "name": name,
        "building_id": "building_1",
        "timezone": "America/New_York",
        "floor_number": number,
        "capacity": {"max": 80, "mid": 40},
        "area": {"value": 900, "unit": "m2"},
        "rooms": [],
        "sensors": [],
    }


def _answer():
    upper = _floor("space_2", 2, "Second floor")
    upper["rooms"] = [
        {
            "id": "room_a",
            "name": "Atrium",
            "floor_id": "space_2",
            "capacity": {"max": 12, "mid": None},
            "area": None,
            "sensors": [_sensor("sensor_1", "room_a")],
        }
    ]
    upper["sensors"] = [_sensor("sensor_1", "room_a"), _sensor("sensor_2", None, True, "traffic")]
    return {
        "sites": [
            {
                "id": "site_1",
                "name": "Harbor Point",
                "timezone": "America/New_York",
                "buildings": [
                    {
                        "id": "building_1",
                        "name": "Tower A",
                        "site_id": "site_1",
                        "capacity": None,
                        "floors": [upper, _floor("space_1", 1, "Ground floor")],
                    }
                ],
            }
        ]
    }


def test_the_query_is_valid_against_the_schema():
    assert validate(SCHEMA, parse(TOPOLOGY_QUERY)) == []


def test_the_answer_parses_into_sites_buildings_floors_rooms_and_sensors():
    topology = topology_parse(_answer())

    ((site, building),) = topology.buildings()
    assert (site.name, site.timezone, building.name) == (
        "Harbor Point",
        "America/New_York",
        "Tower A",
    )
    assert [floor.name for floor in building.floors] == ["Ground floor", "Second floor"]
    floor = building.floor("space_2")
    room = floor.room("room_a")
    assert (room.name, room.capacity.max, room.capacity.mid, room.area.value) == (
        "Atrium",
        12,
        None,
        None,
    )
    assert room.sensors[0].name == "mac-sensor_1"
    assert [sensor.id for sensor in floor.entrances] == ["sensor_2"]
    assert floor.capacity.max == 80
    assert building.capacity.max is None
    assert topology.building("building_1")[1] is building
    assert topology.building("building_9") is None


@pytest.mark.parametrize("answer", [{}, {"sites": None}, {"sites": [{"id": "site_1"}]}])
def test_an_answer_missing_fields_is_a_bad_response(answer):
    with pytest.raises(BadResponse):
        topology_parse(answer)
