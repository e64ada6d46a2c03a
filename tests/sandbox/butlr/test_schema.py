"""Tests of the Butlr sandbox's GraphQL topology endpoint."""

import re

import pytest

from sandbox.butlr.world import WORLD, Floor, Room, Site

pytestmark = pytest.mark.django_db

GRAPHQL = "api/v3/graphql"

TOPOLOGY = """
query Topology {
  sites {
    id name timezone
    buildings {
      id name site_id capacity { max mid }
      floors {
        id name building_id timezone floor_number capacity { max mid } area { value unit }
        rooms { id name floor_id capacity { max mid } area { value unit } sensors { id mode } }
        zones { id name floor_id room_id capacity { max } }
        sensors { id mac_address mode room_id is_entrance is_online last_heartbeat }
        hives { id serial_number isOnline }
      }
    }
  }
}
"""


def test_the_topology_nests_sites_buildings_floors_and_rooms(butlr_post):
    response = butlr_post(GRAPHQL, {"query": TOPOLOGY})

    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body
    sites = {site["name"]: site for site in body["data"]["sites"]}
    assert set(sites) == {"Harbor Point Campus", "Lakeside Offices"}
    assert sites["Harbor Point Campus"]["timezone"] == "America/New_York"
    assert sites["Lakeside Offices"]["timezone"] == "America/Chicago"
    (harbor_point,) = sites["Harbor Point Campus"]["buildings"]
    assert harbor_point["name"] == "Harbor Point"
    assert 3 <= len(harbor_point["floors"]) <= 4
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

    site = body["sites"][0]
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
    query = "{ sensors { mode floor_id room_id is_entrance is_online } rooms { id } }"
    data = butlr_post(GRAPHQL, {"query": query}).json()["data"]

    sensors = data["sensors"]
    presence_rooms = {s["room_id"] for s in sensors if s["mode"] == "presence"}
    assert presence_rooms == {room["id"] for room in data["rooms"]}
    entrances = [s for s in sensors if s["is_entrance"]]
    assert entrances
    assert all(s["mode"] == "traffic" and s["room_id"] is None for s in entrances)
    offline = [s for s in sensors if not s["is_online"]]
    assert len(offline) == 2
    assert {s["mode"] for s in offline} == {"presence", "traffic"}


def test_floors_and_rooms_filter_by_id_through_variables(butlr_post):
    rooftop = WORLD.named(Floor, "Rooftop")
    query = """
    query Pick($ids: [ID!], $floors: [ID!]) {
      floors(ids: $ids) { id name capacity { max } }
      rooms(floor_ids: $floors) { name floor_id }
    }
    """
    variables = {"ids": [rooftop.id], "floors": [rooftop.id]}

    data = butlr_post(GRAPHQL, {"query": query, "variables": variables}).json()["data"]

    assert data["floors"] == [
        {"id": rooftop.id, "name": "Rooftop", "capacity": {"max": rooftop.capacity_max}}
    ]
    assert {room["name"] for room in data["rooms"]} == {"Roof terrace", "Party room"}
    assert {room["floor_id"] for room in data["rooms"]} == {rooftop.id}


def test_only_the_fields_asked_for_come_back(butlr_post):
    data = butlr_post(GRAPHQL, {"query": "{ hives { serial_number } }"}).json()["data"]

    assert len(data["hives"]) == len(WORLD.floors)
    assert all(set(hive) == {"serial_number"} for hive in data["hives"])


def test_the_world_answers_the_same_as_graphql(butlr_post):
    room = WORLD.named(Room, "Gym")
    site = WORLD.named(Site, "Lakeside Offices")
    query = "{ rooms { id name capacity { max mid } } sites { id buildings { name } } }"

    data = butlr_post(GRAPHQL, {"query": query}).json()["data"]

    gym = next(item for item in data["rooms"] if item["id"] == room.id)
    assert gym == {
        "id": room.id,
        "name": "Gym",
        "capacity": {"max": room.capacity_max, "mid": room.capacity_mid},
    }
    lakeside = next(item for item in data["sites"] if item["id"] == site.id)
    assert lakeside["buildings"] == [{"name": "Lakeside One"}]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("{ sites { nope } }", "Cannot query field 'nope'"),
        ("{ sites { name ", "Syntax Error"),
        ("query ($ids: [ID!]!) { floors(ids: $ids) { id } }", "$ids"),
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
    response = butlr_post(GRAPHQL, {"query": "{ sites { id } }", "variables": [1]})

    assert response.status_code == 400


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_graphql_needs_a_valid_token(butlr_post, token):
    response = butlr_post(GRAPHQL, {"query": "{ sites { id } }"}, token=token)

    assert response.status_code == 401
    assert "data" not in response.json()
    assert response["WWW-Authenticate"].startswith("Bearer")
