"""Tests of the topology parser and of the query it answers."""

from datetime import UTC, datetime

import pytest
from graphql import validate
from graphql.language import parse

from occupancy.butlr.errors import BadResponse
from occupancy.butlr.topology import TOPOLOGY_QUERY, topology_parse
from sandbox.butlr.schema import SCHEMA

HEARTBEAT = 1_795_000_000  # Unix seconds, as Butlr sends them


def _sensor(sensor_id, room_id=None, entrance=False, mode="presence", floor_id="space_2"):
    return {
        "id": sensor_id,
        "mac_address": f"mac-{sensor_id}",
        "name": None,
        "mode": mode,
        "floor_id": floor_id,
        "room_id": room_id,
        "is_entrance": entrance,
        "is_online": True,
        "last_heartbeat": HEARTBEAT,
    }


def _floor(floor_id, number, name):
    return {
        "id": floor_id,
        "name": name,
        "building_id": "building_1",
        "timezone": "America/New_York",
        "floorNumber": number,
        "capacity": {"max": 80, "mid": 40},
        "area": {"value": 900, "unit": "m2"},
        "rooms": [],
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
        }
    ]
    return {
        "sites": {
            "data": [
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
        },
        "sensors": {
            "data": [_sensor("sensor_1", "room_a"), _sensor("sensor_2", None, True, "traffic")]
        },
    }


# Shaped as the answers Butlr's official client captured from the real API (its test
# fixtures): typenames, rooms carrying camelCase floorID instead of floor_id, roomType and
# customID next to them, floors without floorNumber, heartbeats in Unix seconds.
CAPTURED = {
    "sites": {
        "__typename": "Sites",
        "data": [
            {
                "__typename": "Site",
                "id": "site_000001",
                "name": "Sample Office",
                "timezone": "America/Los_Angeles",
                "buildings": [
                    {
                        "__typename": "Building",
                        "id": "building_000001",
                        "name": "Main Building",
                        "site_id": "site_000001",
                        "floors": [
                            {
                                "__typename": "Floor",
                                "id": "space_000002",
                                "name": "Floor 2",
                                "building_id": "building_000001",
                                "timezone": "America/Los_Angeles",
                                "rooms": [
                                    {
                                        "__typename": "Room",
                                        "id": "room_000067",
                                        "name": "Lobby",
                                        "floorID": "space_000002",
                                        "roomType": None,
                                        "customID": None,
                                        "capacity": {"__typename": "Capacity", "max": 0, "mid": 0},
                                    }
                                ],
                            }
                        ],
                    }
                ],
            }
        ],
    },
    "sensors": {
        "__typename": "Sensors",
        "data": [
            {
                "__typename": "Sensor",
                "id": "sensor_000001",
                "name": "Lobby",
                "mac_address": "AA-BB-CC-DD-00-01-00-01",
                "mode": "presence",
                "floor_id": "space_000002",
                "room_id": "room_000067",
                "is_entrance": False,
                "is_online": True,
                "last_heartbeat": 1760455326,
            }
        ],
    },
}


def test_the_query_is_valid_against_the_sandboxs_schema():
    assert validate(SCHEMA, parse(TOPOLOGY_QUERY)) == []


def test_the_query_wraps_its_list_roots_and_numbers_floors_as_butlr_does():
    document = " ".join(TOPOLOGY_QUERY.split())

    assert "sites { data {" in document
    assert "sensors { data {" in document
    assert "floorNumber" in document and "floor_number" not in document


def test_the_answer_parses_into_sites_buildings_floors_rooms_and_sensors():
    topology = topology_parse(_answer())

    assert not topology.partial
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
    assert [sensor.id for sensor in room.sensors] == ["sensor_1"]
    assert room.sensors[0].name == "mac-sensor_1"
    assert room.sensors[0].last_heartbeat == datetime.fromtimestamp(HEARTBEAT, UTC)
    assert [sensor.id for sensor in floor.sensors] == ["sensor_1", "sensor_2"]
    assert [sensor.id for sensor in floor.entrances] == ["sensor_2"]
    assert building.floor("space_1").sensors == ()
    assert floor.capacity.max == 80
    assert building.capacity.max is None
    assert topology.building("building_1")[1] is building
    assert topology.building("building_9") is None


def test_a_captured_answer_parses():
    topology = topology_parse(CAPTURED)

    ((site, building),) = topology.buildings()
    (floor,) = building.floors
    (room,) = floor.rooms
    assert (site.id, building.id, floor.id, room.id) == (
        "site_000001",
        "building_000001",
        "space_000002",
        "room_000067",
    )
    assert floor.floor_number is None
    assert room.floor_id == "space_000002"
    assert [sensor.id for sensor in room.sensors] == ["sensor_000001"]
    assert room.sensors[0].last_heartbeat == datetime(2025, 10, 14, 15, 22, 6, tzinfo=UTC)


def test_a_partial_answer_leaves_out_what_butlr_could_not_resolve():
    answer = _answer()
    answer["sites"]["data"].append(None)
    answer["sites"]["data"][0]["buildings"][0]["floors"][1]["rooms"] = None

    topology = topology_parse(answer, partial=True)

    assert topology.partial
    ((_, building),) = topology.buildings()
    assert [floor.name for floor in building.floors] == ["Ground floor", "Second floor"]
    assert building.floor("space_1").rooms == ()


@pytest.mark.parametrize(
    "answer",
    [
        {},
        {"sites": None, "sensors": {"data": []}},
        {"sites": [], "sensors": {"data": []}},
        {"sites": {"data": []}},
        {"sites": {"data": [None]}, "sensors": {"data": []}},
        {"sites": {"data": [{"id": "site_1"}]}, "sensors": {"data": []}},
    ],
)
def test_an_answer_missing_fields_is_a_bad_response(answer):
    with pytest.raises(BadResponse):
        topology_parse(answer)


def test_a_heartbeat_that_is_not_unix_seconds_is_a_bad_response():
    answer = _answer()
    answer["sensors"]["data"][0]["last_heartbeat"] = "yesterday"

    with pytest.raises(BadResponse):
        topology_parse(answer)


@pytest.mark.parametrize("sites", [None, [], [None]])
def test_a_partial_answer_without_any_site_is_a_bad_response(sites):
    with pytest.raises(BadResponse):
        topology_parse({"sites": {"data": sites}, "sensors": {"data": []}}, partial=True)
