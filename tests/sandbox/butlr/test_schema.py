"""Tests of the Butlr sandbox's GraphQL topology endpoint."""

import re
from datetime import UTC, datetime

import pytest
import time_machine

from sandbox.butlr import schema
from sandbox.butlr.world import WORLD, Floor, Room, Site

pytestmark = pytest.mark.django_db

GRAPHQL = "api/v3/graphql"

TOPOLOGY = """
query Topology {
  sites {
    data {
      id name timezone
      buildings {
        id name site_id capacity { max mid }
        floors {
          id name building_id timezone floorNumber capacity { max mid } area { value unit }
          rooms { id name floor_id capacity { max mid } area { value unit } sensors { id mode } }
          zones { id name floor_id room_id capacity { max } }
          sensors { id mac_address mode room_id is_entrance is_online last_heartbeat }
          hives { id serialNumber isOnline }
        }
      }
    }
  }
}
"""

# What Butlr's official client sends (butlrtechnologies/butlr-mcp,
# src/clients/queries/topology.ts: GET_FULL_TOPOLOGY, GET_ALL_SENSORS, GET_ALL_HIVES), word
# for word: the sandbox must answer it as the real API does.
OFFICIAL_FULL_TOPOLOGY = """
  query GetFullTopology {
    sites {
      data {
        id
        name
        timezone
        siteNumber
        customID
        org_id
        buildings {
          id
          name
          building_number
          site_id
          customID
          capacity {
            max
            mid
          }
          address {
            lines
            country
          }
          floors {
            id
            name
            floorNumber
            building_id
            timezone
            installation_date
            customID
            capacity {
              max
              mid
            }
            area {
              value
              unit
            }
            rooms {
              id
              name
              floor_id
              roomType
              customID
              capacity {
                max
                mid
              }
              coordinates
            }
            zones {
              id
              name
              floor_id
              room_id
              customID
              coordinates
              sensors {
                id
                name
                mac_address
                mode
                floor_id
                room_id
                hive_serial
                is_entrance
                is_online
              }
            }
          }
        }
      }
    }
  }
"""
OFFICIAL_ALL_SENSORS = """
  query GetAllSensors {
    sensors {
      data {
        id
        name
        mac_address
        mode
        model
        floor_id
        room_id
        hive_serial
        is_entrance
        is_online
        is_streaming
        power_type
        last_battery_change_date
        next_battery_change_date
        battery_change_by_date
        last_heartbeat
        installation_status
      }
    }
  }
"""
OFFICIAL_ALL_HIVES = """
  query GetAllHives {
    hives {
      data {
        id
        name
        serialNumber
        floor_id
        room_id
        isOnline
        coordinates
        isStreaming
        hiveVersion
        hiveType
        note
        lastHeartbeat
        netPathStability
        installed
      }
    }
  }
"""


def test_the_official_clients_topology_query_is_answered_wrapped_in_data(butlr_post):
    body = butlr_post(GRAPHQL, {"query": OFFICIAL_FULL_TOPOLOGY}).json()

    assert "errors" not in body
    assert set(body["data"]) == {"sites"}
    assert set(body["data"]["sites"]) == {"data"}
    sites = body["data"]["sites"]["data"]
    assert {site["id"] for site in sites} == {site.id for site in WORLD.sites}
    floor = sites[0]["buildings"][0]["floors"][0]
    assert floor["floorNumber"] == 1
    assert floor["rooms"][0]["floor_id"] == floor["id"]
    assert "floor_number" not in floor


@pytest.mark.parametrize(
    ("query", "root", "count"),
    [
        (OFFICIAL_ALL_SENSORS, "sensors", len(WORLD.sensors)),
        (OFFICIAL_ALL_HIVES, "hives", len(WORLD.hives)),
    ],
)
def test_the_official_clients_device_queries_are_answered_wrapped_in_data(
    butlr_post, query, root, count
):
    body = butlr_post(GRAPHQL, {"query": query}).json()

    assert "errors" not in body
    assert set(body["data"][root]) == {"data"}
    assert len(body["data"][root]["data"]) == count


def test_heartbeats_are_unix_seconds(butlr_post):
    now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        body = butlr_post(GRAPHQL, {"query": OFFICIAL_ALL_SENSORS}).json()

    beats = {
        sensor["is_online"]: sensor["last_heartbeat"] for sensor in body["data"]["sensors"]["data"]
    }
    assert now.timestamp() - 60 < beats[True] <= now.timestamp()
    assert beats[False] < now.timestamp() - 2 * 86400


@pytest.mark.parametrize(
    "query",
    [
        "{ sites { id name } }",
        "{ sensors { id } }",
        "{ hives { id } }",
        "{ sites { data { buildings { floors { floor_number } } } } }",
    ],
)
def test_list_roots_answered_unwrapped_or_old_names_are_errors(butlr_post, query):
    body = butlr_post(GRAPHQL, {"query": query}).json()

    assert body["errors"]
    assert "data" not in body or body["data"] is None


def test_the_topology_nests_sites_buildings_floors_and_rooms(butlr_post):
    response = butlr_post(GRAPHQL, {"query": TOPOLOGY})

    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body
    sites = {site["name"]: site for site in body["data"]["sites"]["data"]}
    assert set(sites) == {"Harbor Point Campus", "Lakeside Offices"}
    assert sites["Harbor Point Campus"]["timezone"] == "America/New_York"
    assert sites["Lakeside Offices"]["timezone"] == "America/Chicago"
    (harbor_point,) = sites["Harbor Point Campus"]["buildings"]
    assert harbor_point["name"] == "Harbor Point"
    assert 3 <= len(harbor_point["floors"]) <= 5
    (lakeside,) = sites["Lakeside Offices"]["buildings"]
    assert len(lakeside["floors"]) == 2
    for floor in harbor_point["floors"]:
        assert floor["timezone"] == "America/New_York"
        assert floor["building_id"] == harbor_point["id"]
        assert floor["rooms"]
        assert floor["capacity"]["max"] == sum(room["capacity"]["max"] for room in floor["rooms"])
        assert floor["area"]["value"] > sum(room["area"]["value"] for room in floor["rooms"])
        assert len(floor["hives"]) == 1
        assert any(sensor["is_entrance"] for sensor in floor["sensors"])
    assert harbor_point["capacity"]["max"] == sum(
        floor["capacity"]["max"] for floor in harbor_point["floors"]
    )


def test_ids_look_like_butlrs(butlr_post):
    body = butlr_post(GRAPHQL, {"query": TOPOLOGY}).json()["data"]

    site = body["sites"]["data"][0]
    floor = site["buildings"][0]["floors"][0]
    pattern = r"[0-9A-Za-z]{27}"
    assert re.fullmatch(f"site_{pattern}", site["id"])
    assert re.fullmatch(f"building_{pattern}", site["buildings"][0]["id"])
    assert re.fullmatch(f"space_{pattern}", floor["id"])
    assert re.fullmatch(f"room_{pattern}", floor["rooms"][0]["id"])
    assert re.fullmatch(f"sensor_{pattern}", floor["sensors"][0]["id"])
    assert re.fullmatch(f"hive_{pattern}", floor["hives"][0]["id"])
    assert re.fullmatch(r"00-17-0d(-[0-9a-f]{2}){5}", floor["sensors"][0]["mac_address"])


def test_every_room_has_presence_sensors_and_entrances_count_traffic(butlr_post):
    query = """{
      sensors { data { mode floor_id room_id is_entrance is_online } }
      sites { data { buildings { floors { rooms { id } } } } }
    }"""
    data = butlr_post(GRAPHQL, {"query": query}).json()["data"]

    sensors = data["sensors"]["data"]
    presence_rooms = {s["room_id"] for s in sensors if s["mode"] == "presence"}
    assert presence_rooms == {
        room["id"]
        for site in data["sites"]["data"]
        for building in site["buildings"]
        for floor in building["floors"]
        for room in floor["rooms"]
    }
    entrances = [s for s in sensors if s["is_entrance"]]
    assert entrances
    assert all(s["mode"] == "traffic" and s["room_id"] is None for s in entrances)
    offline = [s for s in sensors if not s["is_online"]]
    assert len(offline) == 2
    assert {s["mode"] for s in offline} == {"presence", "traffic"}


def test_single_items_are_fetched_by_id_through_variables(butlr_post):
    rooftop = WORLD.named(Floor, "Rooftop")
    gym = WORLD.named(Room, "Gym")
    query = """
    query Pick($floor: ID!, $room: ID!, $other: ID!) {
      floor(id: $floor) { id name floorNumber capacity { max } rooms { name floorID } }
      room(id: $room) { name floor { id } }
      zone(id: $other) { id }
    }
    """
    variables = {"floor": rooftop.id, "room": gym.id, "other": gym.id}

    data = butlr_post(GRAPHQL, {"query": query, "variables": variables}).json()["data"]

    floor = data["floor"]
    assert (floor["id"], floor["name"], floor["floorNumber"]) == (rooftop.id, "Rooftop", 4)
    assert floor["capacity"] == {"max": rooftop.capacity_max}
    assert {room["name"] for room in floor["rooms"]} == {"Roof terrace", "Party room"}
    assert {room["floorID"] for room in floor["rooms"]} == {rooftop.id}
    assert data["room"] == {"name": "Gym", "floor": {"id": gym.floor_id}}
    assert data["zone"] is None


def test_only_the_fields_asked_for_come_back(butlr_post):
    data = butlr_post(GRAPHQL, {"query": "{ hives { data { serialNumber } } }"}).json()["data"]

    hives = data["hives"]["data"]
    assert len(hives) == len(WORLD.floors)
    assert all(set(hive) == {"serialNumber"} for hive in hives)


def test_the_world_answers_the_same_as_graphql(butlr_post):
    room = WORLD.named(Room, "Gym")
    site = WORLD.named(Site, "Lakeside Offices")
    query = """query ($room: ID!) {
      room(id: $room) { id name capacity { max mid } }
      sites { data { id buildings { name } } }
    }"""

    data = butlr_post(GRAPHQL, {"query": query, "variables": {"room": room.id}}).json()["data"]

    gym = data["room"]
    assert gym == {
        "id": room.id,
        "name": "Gym",
        "capacity": {"max": room.capacity_max, "mid": room.capacity_mid},
    }
    lakeside = next(item for item in data["sites"]["data"] if item["id"] == site.id)
    assert lakeside["buildings"] == [{"name": "Lakeside One"}]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("{ sites { data { nope } } }", "Cannot query field 'nope'"),
        ("{ sites { data { name ", "Syntax Error"),
        ("query ($id: ID!) { floor(id: $id) { id } }", "$id"),
    ],
)
def test_graphql_errors_answer_200_with_errors(butlr_post, query, message):
    response = butlr_post(GRAPHQL, {"query": query})

    assert response.status_code == 200
    errors = response.json()["errors"]
    assert any(message in error["message"] for error in errors)


def test_a_body_without_a_query_is_refused(butlr_post):
    response = butlr_post(GRAPHQL, {"variables": {}})

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


def test_variables_must_be_an_object(butlr_post):
    response = butlr_post(GRAPHQL, {"query": "{ sites { data { id } } }", "variables": [1]})

    assert response.status_code == 400


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_graphql_needs_a_valid_token(butlr_post, token):
    response = butlr_post(GRAPHQL, {"query": "{ sites { data { id } } }"}, token=token)

    assert response.status_code == 401
    assert "data" not in response.json()
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "now", [datetime(2026, 3, 4, 12, 0, tzinfo=UTC), datetime(2031, 7, 9, 23, 30, tzinfo=UTC)]
)
def test_an_offline_sensor_was_last_heard_from_a_fixed_time_before_now(butlr_post, now):
    with time_machine.travel(now, tick=False):
        body = butlr_post(GRAPHQL, {"query": OFFICIAL_ALL_SENSORS}).json()

    offline = [sensor for sensor in body["data"]["sensors"]["data"] if not sensor["is_online"]]
    assert offline
    for sensor in offline:
        silent = now.timestamp() - sensor["last_heartbeat"]
        assert 2 * 86400 <= silent < 2 * 86400 + 7 * 3600 + 60


def test_a_query_is_parsed_and_checked_once_however_often_it_comes(butlr_post, monkeypatch):
    parsed = []
    parse = schema.parse
    monkeypatch.setattr(schema, "parse", lambda query: parsed.append(query) or parse(query))
    schema._document.cache_clear()
    query = "{ sites { data { id name } } }"

    answers = [butlr_post(GRAPHQL, {"query": query}).json() for _ in range(3)]
    bad = butlr_post(GRAPHQL, {"query": "{ sites { data { nope } } }"}).json()

    assert answers[0] == answers[1] == answers[2] and answers[0]["data"]["sites"]["data"]
    assert "errors" in bad
    assert parsed == [query, "{ sites { data { nope } } }"]
