"""The sandbox ButterflyMX API host: scoping, paging, filters, door releases."""

import json
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sandbox.butterflymx.models import AccessToken, DoorReleaseRequest
from sandbox.butterflymx.services import token_issue

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])

API = "/sandbox/butterflymx/api"
PAGE_INFO_KEYS = {
    "current_page",
    "total_pages",
    "total_item_count",
    "page_item_count",
    "page_size",
    "next_page",
    "prev_page",
    "first_page",
    "last_page",
}


@pytest.fixture
def release(client):
    """A POST helper for /v4/door_release_requests as a person."""

    def post(person, body, *, raw=False):
        token = token_issue(person=person)["access_token"]
        return client.post(
            f"{API}/v4/door_release_requests",
            body if raw else json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    return post


def ids(response) -> list[int]:
    assert response.status_code == 200
    return [item["id"] for item in response.json()["data"]]


def error(response, status: int, code: str, field=None) -> dict:
    assert response.status_code == status
    body = response.json()
    if status == 401:
        # ButterflyMX's recorded 401, plural "messages" and all.
        assert body == {
            "errors": [{"field": "base", "code": "unauthorized", "messages": "Unauthorized"}]
        }
        return body["errors"][0]
    assert set(body) == {"errors"}
    [item] = body["errors"]
    assert set(item) == {"field", "code", "message"}
    assert item["code"] == code
    assert item["field"] == field
    assert item["message"]
    return item


# Authentication.


@pytest.mark.parametrize(
    "path",
    [
        "/v4/tenants",
        "/v4/buildings",
        "/v4/buildings/11743",
        "/v4/access_points",
        "/v4/devices",
        "/v4/buildings/11743/access_logs",
    ],
)
@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer not-a-token", "Token abc"])
def test_every_read_needs_a_live_bearer_token(client, bmx_world, path, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get(f"{API}{path}", headers=headers)
    error(response, 401, "unauthorized")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_door_release_needs_a_live_bearer_token(client, bmx_world):
    response = client.post(
        f"{API}/v4/door_release_requests",
        json.dumps({"door_release_request": {"tenant_id": 129227, "access_point_id": 24318}}),
        content_type="application/json",
    )
    error(response, 401, "unauthorized")
    assert not DoorReleaseRequest.objects.filter(created_at__gt=timezone.now() - timedelta(1))


def test_a_call_looks_its_token_up_once(client, bmx_world):
    token = token_issue(person=bmx_world.rosa)["access_token"]
    with CaptureQueriesContext(connections["sandbox"]) as queries:
        response = client.get(f"{API}/v4/tenants", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    table = AccessToken._meta.db_table
    assert len([query for query in queries if f'FROM "{table}"' in query["sql"]]) == 1


def test_expired_token_gets_401(client, bmx_world):
    token = token_issue(person=bmx_world.rosa, expires_in=60)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{API}/v4/tenants", headers=headers).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        error(client.get(f"{API}/v4/tenants", headers=headers), 401, "unauthorized")


def test_revoked_token_gets_401(client, bmx_world):
    token = token_issue(person=bmx_world.rosa)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{API}/v4/tenants", headers=headers).status_code == 200
    client.post("/sandbox/butterflymx/accounts/oauth/revoke", {"token": token})
    error(client.get(f"{API}/v4/tenants", headers=headers), 401, "unauthorized")


# Tenants and buildings.


def test_tenants_are_the_token_owners_own_with_the_documented_shape(as_person, bmx_world):
    response = as_person(bmx_world.rosa, "/v4/tenants", {"scope": "self"})
    body = response.json()
    assert [t["id"] for t in body["data"]] == [
        bmx_world.rosa_harbor.id,
        bmx_world.rosa_elm.id,
        bmx_world.rosa_skyline.id,
    ]
    harbor = body["data"][0]
    assert harbor["first_name"] == "Rosa"
    assert harbor["last_name"] == "Resident"
    assert harbor["full_name"] == "Rosa Resident"
    assert harbor["email"] == "resident@foyer.example"
    assert harbor["building_id"] == bmx_world.harbor_point.id
    assert harbor["inactive_after"] is None
    assert harbor["unit"]["id"] == bmx_world.rosa_unit.id
    assert harbor["unit"]["label"] == "4B"
    assert harbor["unit"]["floor"] == "4"
    assert "building_id" not in harbor["unit"]
    assert harbor["created_at"] == "2024-06-14T15:04:30Z"
    assert set(body["page_info"]) == PAGE_INFO_KEYS
    assert ids(as_person(bmx_world.rosa, "/v4/tenants")) == ids(response)
    assert ids(as_person(bmx_world.sam, "/v4/tenants", {"scope": "self"})) == [
        bmx_world.sam_harbor.id
    ]


def test_buildings_are_those_of_the_persons_tenancies(as_person, bmx_world):
    response = as_person(bmx_world.rosa, "/v4/buildings")
    assert ids(response) == [
        bmx_world.harbor_point.id,
        bmx_world.elm_street.id,
        bmx_world.skyline_commons.id,
    ]
    zones = {b["name"]: b["time_zone"] for b in response.json()["data"]}
    assert zones == {
        "Harbor Point": "America/New_York",
        "Elm Street Lofts": "America/Chicago",
        "Skyline Commons": "America/Denver",
    }
    assert ids(as_person(bmx_world.pat, "/v4/buildings")) == [bmx_world.grand_tower.id]


def test_one_building_by_id(as_person, bmx_world):
    response = as_person(bmx_world.rosa, f"/v4/buildings/{bmx_world.elm_street.id}")
    assert response.status_code == 200
    assert response.json()["data"]["name"] == "Elm Street Lofts"
    assert response.json()["data"]["time_zone"] == "America/Chicago"
    assert response.json()["data"]["address"]["city"] == "Chicago"
    error(as_person(bmx_world.rosa, f"/v4/buildings/{bmx_world.grand_tower.id}"), 404, "not_found")
    error(as_person(bmx_world.rosa, "/v4/buildings/999999"), 404, "not_found")


# Access points and paging.


def test_access_points_have_the_documented_shape(as_person, bmx_world):
    response = as_person(
        bmx_world.rosa, "/v4/access_points", {"q[building_id_eq]": bmx_world.harbor_point.id}
    )
    data = {ap["id"]: ap for ap in response.json()["data"]}
    front = data[bmx_world.harbor_front_door.id]
    assert front["name"] == "Front door"
    assert front["building_id"] == bmx_world.harbor_point.id
    assert front["device_ids"] == [bmx_world.harbor_panel.id]
    assert front["open_hours"] == []
    gym = data[bmx_world.harbor_gym.id]
    assert gym["device_ids"] == []
    assert gym["open_hours"][0] == {"day": "monday", "opens_at": "06:00", "closes_at": "22:00"}
    assert {ap["name"] for ap in data.values()} >= {"Front door", "Garage", "Package room", "Gym"}


def test_grand_tower_access_points_span_two_pages_of_100(as_person, bmx_world):
    params = {"q[building_id_eq]": bmx_world.grand_tower.id, "per": 100}
    first = as_person(bmx_world.pat, "/v4/access_points", params).json()
    assert first["page_info"] == {
        "current_page": 1,
        "total_pages": 2,
        "total_item_count": 130,
        "page_item_count": 100,
        "page_size": 100,
        "next_page": 2,
        "prev_page": None,
        "first_page": True,
        "last_page": False,
    }
    second = as_person(bmx_world.pat, "/v4/access_points", {**params, "page": 2}).json()
    assert second["page_info"] == {
        "current_page": 2,
        "total_pages": 2,
        "total_item_count": 130,
        "page_item_count": 30,
        "page_size": 100,
        "next_page": None,
        "prev_page": 1,
        "first_page": False,
        "last_page": True,
    }
    all_ids = [ap["id"] for ap in first["data"] + second["data"]]
    assert len(all_ids) == len(set(all_ids)) == 130
    assert all_ids == sorted(all_ids)


def test_following_next_page_collects_every_item_with_any_page_size(as_person, bmx_world):
    collected, page = [], 1
    while page is not None:
        body = as_person(bmx_world.pat, "/v4/access_points", {"per": 7, "page": page}).json()
        collected += [ap["id"] for ap in body["data"]]
        page = body["page_info"]["next_page"]
    assert len(collected) == len(set(collected)) == 130


@pytest.mark.parametrize(
    ("params", "page_size", "current_page"),
    [
        ({}, 25, 1),
        ({"per": 500}, 100, 1),
        ({"per": 0}, 25, 1),
        ({"per": "ten"}, 25, 1),
        ({"page": -3}, 25, 1),
    ],
)
def test_paging_parameters_are_bounded(as_person, bmx_world, params, page_size, current_page):
    info = as_person(bmx_world.pat, "/v4/access_points", params).json()["page_info"]
    assert info["page_size"] == page_size
    assert info["current_page"] == current_page
    assert info["page_item_count"] == min(page_size, 130)


@pytest.mark.parametrize("page", [3, 10**30])
def test_a_page_past_the_end_is_empty(as_person, bmx_world, page):
    body = as_person(bmx_world.pat, "/v4/access_points", {"per": 100, "page": page}).json()
    assert body["data"] == []
    assert body["page_info"]["next_page"] is None
    assert body["page_info"]["prev_page"] is None
    assert body["page_info"]["page_item_count"] == 0


# Filters and the silent-filter pitfall.


def test_building_filter_narrows_to_one_building(as_person, bmx_world):
    everything = as_person(bmx_world.rosa, "/v4/access_points", {"per": 100}).json()
    elm = as_person(
        bmx_world.rosa, "/v4/access_points", {"q[building_id_eq]": bmx_world.elm_street.id}
    )
    assert {ap["building_id"] for ap in elm.json()["data"]} == {bmx_world.elm_street.id}
    assert len(ids(elm)) == 4
    assert elm.json()["page_info"]["total_item_count"] == 4
    # Harbor Point's 5 doors, Elm Street Lofts' 4 and Skyline Commons' 500.
    assert everything["page_info"]["total_item_count"] == 509


@pytest.mark.parametrize("bad_value", ["abc", "11743abc", " ", "", "9" * 30, "-1"])
def test_an_unparseable_filter_is_silently_ignored(as_person, bmx_world, bad_value):
    unfiltered = ids(as_person(bmx_world.rosa, "/v4/access_points", {"per": 100}))
    response = as_person(
        bmx_world.rosa, "/v4/access_points", {"per": 100, "q[building_id_eq]": bad_value}
    )
    assert response.status_code == 200
    assert ids(response) == unfiltered
    assert response.json()["page_info"]["total_item_count"] == 509
    assert {ap["building_id"] for ap in response.json()["data"]} == {
        bmx_world.harbor_point.id,
        bmx_world.elm_street.id,
        bmx_world.skyline_commons.id,
    }


def test_unknown_predicates_are_ignored(as_person, bmx_world):
    unfiltered = ids(as_person(bmx_world.rosa, "/v4/devices"))
    assert ids(as_person(bmx_world.rosa, "/v4/devices", {"q[colour_eq]": "red"})) == unfiltered


def test_id_in_filter(client, bmx_world):
    token = token_issue(person=bmx_world.rosa)["access_token"]
    wanted = [bmx_world.harbor_front_door.id, bmx_world.elm_front_door.id]
    query = "&".join(f"q[id_in][]={i}" for i in wanted)
    response = client.get(
        f"{API}/v4/access_points?{query}", headers={"Authorization": f"Bearer {token}"}
    )
    assert ids(response) == wanted
    # One unparseable value voids the whole predicate, as for any bad filter value.
    response = client.get(
        f"{API}/v4/access_points?{query}&q[id_in][]=x&per=100",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert len(ids(response)) == 100
    # Every door of Rosa's three buildings: 5 + 4 + 500.
    assert response.json()["page_info"]["total_item_count"] == 509


def test_tenants_filter_by_building(as_person, bmx_world):
    response = as_person(
        bmx_world.rosa, "/v4/tenants", {"q[building_id_eq]": bmx_world.elm_street.id}
    )
    assert ids(response) == [bmx_world.rosa_elm.id]


# Devices.


def test_devices_are_common_hardware_plus_the_persons_own_smart_locks(as_person, bmx_world):
    response = as_person(
        bmx_world.rosa, "/v4/devices", {"q[building_id_eq]": bmx_world.harbor_point.id}
    )
    devices = {d["id"]: d for d in response.json()["data"]}
    assert bmx_world.rosa_smart_lock.id in devices
    assert bmx_world.harbor_panel.id in devices
    assert bmx_world.sam_smart_lock.id not in devices
    lock = devices[bmx_world.rosa_smart_lock.id]
    assert lock["type"] == "smart_lock"
    assert lock["name"] == "Unit 4B smart lock"
    assert set(lock) >= {
        "id",
        "name",
        "model",
        "serial_number",
        "building_id",
        "type",
        "created_at",
        "updated_at",
    }
    sams = ids(as_person(bmx_world.sam, "/v4/devices", {"q[type_eq]": "smart_lock"}))
    assert sams == [bmx_world.sam_smart_lock.id]
    everywhere = ids(as_person(bmx_world.rosa, "/v4/devices", {"per": 100}))
    assert bmx_world.elm_other_smart_lock.id not in everywhere
    assert bmx_world.elm_panel.id in everywhere
    assert bmx_world.pat_smart_lock.id not in everywhere


def test_devices_type_filter(as_person, bmx_world):
    locks = as_person(bmx_world.rosa, "/v4/devices", {"q[type_eq]": "smart_lock"})
    assert ids(locks) == [bmx_world.rosa_smart_lock.id, bmx_world.rosa_skyline_smart_lock.id]
    assert ids(as_person(bmx_world.rosa, "/v4/devices", {"q[type_eq]": "elevator"})) == []


# Door releases.


def test_door_release_by_access_point_returns_201_with_the_documented_body(release, bmx_world):
    response = release(
        bmx_world.rosa,
        {
            "door_release_request": {
                "tenant_id": bmx_world.rosa_harbor.id,
                "access_point_id": bmx_world.harbor_front_door.id,
            }
        },
    )
    assert response.status_code == 201
    data = response.json()["data"]
    assert set(data) == {
        "id",
        "guid",
        "tenant_id",
        "access_point_id",
        "device_id",
        "release_method",
        "created_at",
        "updated_at",
    }
    assert data["tenant_id"] == bmx_world.rosa_harbor.id
    assert data["access_point_id"] == bmx_world.harbor_front_door.id
    assert data["device_id"] is None
    assert data["release_method"] == "api"
    assert uuid.UUID(data["guid"])
    assert data["created_at"].endswith("Z")
    row = DoorReleaseRequest.objects.get(pk=data["id"])
    assert row.building_id == bmx_world.harbor_point.id


def test_door_release_by_device_opens_the_persons_smart_lock(release, bmx_world):
    response = release(
        bmx_world.rosa,
        {
            "door_release_request": {
                "tenant_id": str(bmx_world.rosa_harbor.id),
                "device_id": bmx_world.rosa_smart_lock.id,
            }
        },
    )
    assert response.status_code == 201
    assert response.json()["data"]["device_id"] == bmx_world.rosa_smart_lock.id
    assert response.json()["data"]["access_point_id"] is None


def test_every_release_is_a_new_request(release, bmx_world):
    body = {
        "door_release_request": {
            "tenant_id": bmx_world.rosa_harbor.id,
            "access_point_id": bmx_world.harbor_garage.id,
        }
    }
    first, second = release(bmx_world.rosa, body), release(bmx_world.rosa, body)
    assert first.status_code == second.status_code == 201
    assert first.json()["data"]["guid"] != second.json()["data"]["guid"]


@pytest.mark.parametrize(
    "door",
    [
        {},
        {"access_point_id": 24318, "device_id": 115677},
        {"access_point_id": None, "device_id": None},
    ],
)
def test_exactly_one_door_is_required(release, bmx_world, door):
    body = {"door_release_request": {"tenant_id": bmx_world.rosa_harbor.id, **door}}
    error(
        release(bmx_world.rosa, body),
        422,
        "blank" if not any(door.values()) else "invalid",
        field="base",
    )
    assert not DoorReleaseRequest.objects.exists()


def test_tenant_id_is_required_and_numeric(release, bmx_world):
    error(
        release(bmx_world.rosa, {"door_release_request": {"access_point_id": 24318}}),
        422,
        "blank",
        field="tenant_id",
    )
    error(
        release(
            bmx_world.rosa,
            {"door_release_request": {"tenant_id": "abc", "access_point_id": 24318}},
        ),
        422,
        "invalid",
        field="tenant_id",
    )
    for not_a_number in (True, "²", 12.5, [1]):
        error(
            release(
                bmx_world.rosa,
                {"door_release_request": {"tenant_id": not_a_number, "access_point_id": 24318}},
            ),
            422,
            "invalid",
            field="tenant_id",
        )


def test_ids_too_large_for_the_database_are_not_found(release, as_person, bmx_world):
    huge = 10**30
    error(as_person(bmx_world.rosa, f"/v4/buildings/{huge}"), 404, "not_found")
    body = {"door_release_request": {"tenant_id": bmx_world.rosa_harbor.id, "device_id": huge}}
    error(release(bmx_world.rosa, body), 404, "not_found", field="device_id")


@pytest.mark.parametrize(
    "body", ["{not json", "[1, 2]", '"door"', "{}", '{"door_release_request": 5}']
)
def test_a_malformed_body_is_400_in_the_envelope(release, bmx_world, body):
    response = release(bmx_world.rosa, body, raw=True)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] in {"bad_request", "parameter_missing"}


def test_another_persons_tenant_is_not_found(release, bmx_world):
    response = release(
        bmx_world.rosa,
        {
            "door_release_request": {
                "tenant_id": bmx_world.sam_harbor.id,
                "access_point_id": bmx_world.harbor_front_door.id,
            }
        },
    )
    error(response, 404, "not_found", field="tenant_id")
    assert not DoorReleaseRequest.objects.exists()


def test_another_units_smart_lock_is_not_found(release, bmx_world):
    response = release(
        bmx_world.rosa,
        {
            "door_release_request": {
                "tenant_id": bmx_world.rosa_harbor.id,
                "device_id": bmx_world.sam_smart_lock.id,
            }
        },
    )
    error(response, 404, "not_found", field="device_id")


def test_unknown_doors_are_not_found(release, bmx_world):
    tenant = bmx_world.rosa_harbor.id
    error(
        release(
            bmx_world.rosa, {"door_release_request": {"tenant_id": tenant, "access_point_id": 999}}
        ),
        404,
        "not_found",
        field="access_point_id",
    )
    error(
        release(
            bmx_world.rosa,
            {
                "door_release_request": {
                    "tenant_id": tenant,
                    "access_point_id": bmx_world.tower_lobby_door.id,
                }
            },
        ),
        404,
        "not_found",
        field="access_point_id",
    )


def test_a_door_in_the_persons_other_building_is_refused(release, bmx_world):
    response = release(
        bmx_world.rosa,
        {
            "door_release_request": {
                "tenant_id": bmx_world.rosa_harbor.id,
                "access_point_id": bmx_world.elm_front_door.id,
            }
        },
    )
    error(response, 422, "invalid", field="access_point_id")
    response = release(
        bmx_world.rosa,
        {
            "door_release_request": {
                "tenant_id": bmx_world.rosa_elm.id,
                "device_id": bmx_world.rosa_smart_lock.id,
            }
        },
    )
    error(response, 422, "invalid", field="device_id")


def test_door_release_only_takes_post(as_person, bmx_world):
    assert as_person(bmx_world.rosa, "/v4/door_release_requests").status_code == 405
