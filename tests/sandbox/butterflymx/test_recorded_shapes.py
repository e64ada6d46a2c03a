"""The sandbox answers in the shapes ButterflyMX recorded from its real API.

Each RECORDED_* literal is copied from ButterflyMX's published OpenAPI file (v4), whose
examples are answers recorded from the real API. The tests compare the set of keys at every
level (values differ: the sandbox has its own world).
"""

import pytest

from sandbox.butterflymx.services import token_issue

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])

API = "/sandbox/butterflymx/api"

RECORDED_PAGE_INFO = {
    "current_page": 1,
    "total_pages": 1,
    "total_item_count": 12,
    "page_item_count": 12,
    "page_size": 50,
    "next_page": None,
    "prev_page": None,
    "first_page": True,
    "last_page": True,
}

RECORDED_TENANT = {
    "created_at": "2026-06-17T15:12:20Z",
    "full_name": None,
    "id": 37112193,
    "updated_at": "2026-06-17T15:12:20Z",
    "first_name": "Alia",
    "last_name": "Atredis",
    "building_id": 577696272,
    "building_name": "Crimson",
    "inactive_after": None,
    "building_timezone": "America/New_York",
    "email": "alia.atredis@example.com",
    "contact_preference": "phone_call",
    "registration_status": "registered",
    "invitation": None,
    "unit": {
        "created_at": "2026-06-17T15:12:20Z",
        "id": 843107216,
        "label": "A003",
        "updated_at": "2026-06-17T15:12:20Z",
        "floor": "1",
    },
    "notification_preference": {
        "email": True,
        "sms": True,
        "do_not_disturb": True,
        "preferences": {
            "door_opens": {"push": False, "email": False, "sms": None},
            "messages": {"push": True, "email": False, "sms": False},
        },
    },
}

RECORDED_BUILDING = {
    "created_at": "2023-05-17T15:12:19Z",
    "id": 577696272,
    "name": "Crimson",
    "updated_at": "2026-06-17T15:12:20Z",
    "time_zone": "America/New_York",
    "address": {
        "city": "New York",
        "country": "us",
        "county": None,
        "state": "NY",
        "zip_code": "10001-6808",
        "address": "127 W 26TH St",
    },
}

RECORDED_ACCESS_POINT = {
    "created_at": "2026-06-17T15:12:20Z",
    "id": 22177636,
    "name": "Back door",
    "updated_at": "2026-06-17T15:12:20Z",
    "building_id": 577696272,
    "device_ids": [708353660],
    "open_hours": [],
}

RECORDED_DEVICE = {
    "created_at": "2026-06-17T15:12:20Z",
    "id": 126685867,
    "model": None,
    "name": "Crimson Building Door",
    "serial_number": "SL-CRIM-BD",
    "updated_at": "2026-06-17T15:12:20Z",
    "building_id": 577696272,
    "type": "smart_lock",
}

RECORDED_UNAUTHORIZED = {
    "errors": [{"field": "base", "code": "unauthorized", "messages": "Unauthorized"}]
}


def shape(value):
    """The keys at every level of a JSON value; a leaf is its kind (list or scalar)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return "list"
    return "scalar"


@pytest.fixture
def get(client):
    def call(person, path, params=None):
        token = token_issue(person=person)["access_token"]
        response = client.get(f"{API}{path}", params, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.content
        return response.json()

    return call


def test_tenants_have_the_recorded_shape(get, bmx_world):
    body = get(bmx_world.rosa, "/v4/tenants", {"scope": "self"})
    assert set(body) == {"data", "page_info"}
    assert set(body["page_info"]) == set(RECORDED_PAGE_INFO)
    for tenant in body["data"]:
        # The recorded full_name is null; the sandbox's is a string: both are scalars.
        assert shape(tenant) == shape(RECORDED_TENANT)
        assert tenant["contact_preference"] in ("mobile_app", "phone_call")
        assert tenant["registration_status"] == "registered"
        assert tenant["invitation"] is None


def test_buildings_have_the_recorded_shape(get, bmx_world):
    body = get(bmx_world.rosa, "/v4/buildings")
    assert set(body["page_info"]) == set(RECORDED_PAGE_INFO)
    assert [shape(item) for item in body["data"]] == [shape(RECORDED_BUILDING)] * 3
    harbor = body["data"][0]
    assert harbor["time_zone"] == "America/New_York"
    assert harbor["address"]["country"] == "us"
    assert harbor["address"]["address"]


@pytest.mark.parametrize("building", ["harbor_point", "elm_street", "grand_tower"])
def test_one_building_has_the_recorded_shape(get, bmx_world, building):
    found = getattr(bmx_world, building)
    person = bmx_world.pat if building == "grand_tower" else bmx_world.rosa
    body = get(person, f"/v4/buildings/{found.id}")
    assert set(body) == {"data"}
    assert shape(body["data"]) == shape(RECORDED_BUILDING)
    assert body["data"]["name"] == found.name
    assert body["data"]["time_zone"] == found.timezone
    assert all(body["data"]["address"][key] for key in ("address", "city", "state", "zip_code"))


def test_access_points_have_the_recorded_shape(get, bmx_world):
    body = get(
        bmx_world.rosa, "/v4/access_points", {"q[building_id_eq]": bmx_world.harbor_point.id}
    )
    assert set(body["page_info"]) == set(RECORDED_PAGE_INFO)
    for item in body["data"]:
        assert shape(item) == shape(RECORDED_ACCESS_POINT)
        assert isinstance(item["open_hours"], list)
    front = next(item for item in body["data"] if item["id"] == bmx_world.harbor_front_door.id)
    assert front["open_hours"] == []


def test_devices_have_the_recorded_shape_and_the_sandboxs_unit(get, bmx_world):
    body = get(bmx_world.rosa, "/v4/devices", {"q[building_id_eq]": bmx_world.harbor_point.id})
    assert set(body["page_info"]) == set(RECORDED_PAGE_INFO)
    for item in body["data"]:
        # unit_id is the sandbox's one addition (Foyer tells a unit's own lock by it).
        assert set(item) - {"unit_id"} == set(RECORDED_DEVICE)
        assert shape({k: v for k, v in item.items() if k != "unit_id"}) == shape(RECORDED_DEVICE)


@pytest.mark.parametrize(
    "path",
    ["/v4/tenants", "/v4/buildings", "/v4/buildings/11743", "/v4/access_points", "/v4/devices"],
)
def test_unauthorized_is_the_recorded_answer(client, bmx_world, path):
    response = client.get(f"{API}{path}", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.json() == RECORDED_UNAUTHORIZED
