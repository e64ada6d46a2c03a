"""The sandbox ButterflyMX visitor passes: keychains, virtual keys, capabilities, QR codes."""

import json
from datetime import UTC, datetime

import pytest
import time_machine

from sandbox import faults
from sandbox.butterflymx.models import Keychain, VirtualKey
from sandbox.butterflymx.services import token_issue

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])

API = "/sandbox/butterflymx/api"
NOW = datetime(2026, 10, 20, 15, 0, tzinfo=UTC)
KEYCHAIN_KEYS = {
    "id",
    "name",
    "type",
    "starts_at",
    "ends_at",
    "building_id",
    "tenant_id",
    "unit_id",
    "allow_unit_access",
    "virtual_key_ids",
    "access_point_ids",
    "device_ids",
    "created_at",
    "updated_at",
}
VIRTUAL_KEY_KEYS = {
    "id",
    "keychain_id",
    "building_id",
    "name",
    "email",
    "sms_number",
    "sent_at",
    "first_used_at",
    "last_used_at",
    "usage_count",
    "pin_code",
    "qr_code_url",
    "instructions_url",
    "created_at",
    "updated_at",
}


def new_keychains():
    """The passes a test made, without the seeded one (Rosa's pass for Maria Lopez)."""
    return Keychain.objects.filter(seed_key__isnull=True)


def new_keys():
    return VirtualKey.objects.filter(keychain__seed_key__isnull=True)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def api(client):
    """Call the API as a person: api(person, method, path, body=None, params=None)."""

    def call(person, method, path, body=None, params=None, *, raw=False):
        headers = {"Authorization": f"Bearer {token_issue(person=person)['access_token']}"}
        if method == "GET":
            return client.get(f"{API}{path}", params, headers=headers)
        if method == "DELETE":
            return client.delete(f"{API}{path}", headers=headers)
        return client.post(
            f"{API}{path}",
            body if raw else json.dumps(body),
            content_type="application/json",
            headers=headers,
        )

    return call


def errors(response, status: int) -> list[tuple]:
    assert response.status_code == status
    items = response.json()["errors"]
    assert all(set(item) == {"field", "code", "message"} and item["message"] for item in items)
    return [(item["field"], item["code"]) for item in items]


def custom(world, **extra) -> dict:
    return {
        "keychain": {
            "name": "Dog walker",
            "tenant_id": world.rosa_harbor.id,
            "starts_at": "2026-10-21T09:00:00-04:00",
            "ends_at": "2026-10-21T17:00:00-04:00",
            "access_point_ids": [world.harbor_front_door.id],
            "device_ids": [],
            **extra,
        }
    }


def recurring(world, **extra) -> dict:
    return {
        "keychain": {
            "name": "Cleaner",
            "tenant_id": world.rosa_harbor.id,
            "start_date": "2026-10-20",
            "end_date": "2027-03-31",
            "time_from": "08:00",
            "time_to": "12:00",
            "weekdays": ["mon", "wed"],
            "access_point_ids": [world.harbor_front_door.id],
            **extra,
        }
    }


# Creating.


def test_a_custom_keychain_is_created_with_the_documented_shape(api, bmx_world):
    response = api(bmx_world.rosa, "POST", "/v4/keychains/custom", custom(bmx_world))
    assert response.status_code == 201
    data = response.json()["data"]
    assert set(data) == KEYCHAIN_KEYS
    assert data["type"] == "custom_keychain"
    assert data["name"] == "Dog walker"
    assert data["starts_at"] == "2026-10-21T13:00:00Z"
    assert data["ends_at"] == "2026-10-21T21:00:00Z"
    assert data["building_id"] == bmx_world.harbor_point.id
    assert data["tenant_id"] == bmx_world.rosa_harbor.id
    assert data["unit_id"] == bmx_world.rosa_unit.id
    assert data["access_point_ids"] == [bmx_world.harbor_front_door.id]
    # Expanded with the front door's panel, though no device was sent.
    assert data["device_ids"] == [bmx_world.harbor_panel.id]
    # Without recipients there is no key.
    assert data["virtual_key_ids"] == []
    assert data["created_at"] == "2026-10-20T15:00:00Z"


def test_a_one_time_keychain_with_recipients_has_one_key_each(api, bmx_world):
    body = custom(bmx_world, recipients=["guest@example.com", "+15555550123"])
    response = api(bmx_world.rosa, "POST", "/v4/keychains/one_time", body)
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["type"] == "one_time_keychain"
    keys = VirtualKey.objects.filter(keychain_id=data["id"]).order_by("id")
    assert data["virtual_key_ids"] == [key.id for key in keys]
    assert [(key.email, key.sms_number) for key in keys] == [
        ("guest@example.com", ""),
        ("", "+15555550123"),
    ]
    assert all(key.sent_at == NOW and len(key.pin_code) == 6 for key in keys)


def test_a_keychain_by_unit_belongs_to_the_persons_tenancy_there(api, bmx_world):
    body = custom(bmx_world, tenant_id=None, unit_id=bmx_world.rosa_unit.id)
    data = api(bmx_world.rosa, "POST", "/v4/keychains/custom", body).json()["data"]
    assert data["tenant_id"] == bmx_world.rosa_harbor.id


def test_a_recurring_keychain_carries_its_days_and_local_times(api, bmx_world):
    response = api(bmx_world.rosa, "POST", "/v4/keychains/recurring", recurring(bmx_world))
    assert response.status_code == 201
    data = response.json()["data"]
    assert set(data) == KEYCHAIN_KEYS | {
        "start_date",
        "end_date",
        "time_from",
        "time_to",
        "weekdays",
    }
    assert data["type"] == "recurring_keychain"
    assert (data["start_date"], data["end_date"]) == ("2026-10-20", "2027-03-31")
    assert (data["time_from"], data["time_to"]) == ("08:00", "12:00")
    assert data["weekdays"] == ["mon", "wed"]
    # 08:00 in New York on the first day (EDT) and 12:00 on the last (EDT again by then).
    assert data["starts_at"] == "2026-10-20T12:00:00Z"
    assert data["ends_at"] == "2027-03-31T16:00:00Z"


def test_a_delivery_pass_opens_every_door_for_30_days_with_one_key(api, bmx_world):
    body = {"keychain": {"name": "Parcels", "tenant_id": bmx_world.rosa_harbor.id}}
    response = api(bmx_world.rosa, "POST", "/v4/keychains/delivery_pass", body)
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["type"] == "delivery_pass"
    assert data["starts_at"] == "2026-10-20T15:00:00Z"
    assert data["ends_at"] == "2026-11-19T15:00:00Z"
    assert len(data["access_point_ids"]) == 5
    assert bmx_world.harbor_front_door.id in data["access_point_ids"]
    assert len(data["virtual_key_ids"]) == 1


def test_a_delivery_pass_is_refused_where_the_building_does_not_take_them(api, bmx_world):
    body = {"keychain": {"name": "Parcels", "tenant_id": bmx_world.pat_tower.id}}
    response = api(bmx_world.pat, "POST", "/v4/keychains/delivery_pass", body)
    assert errors(response, 422) == [("base", "delivery_pass_not_enabled")]
    assert not new_keychains().exists()


def test_capabilities_per_building(api, bmx_world):
    path = f"/v4/buildings/{bmx_world.harbor_point.id}/capabilities"
    assert api(bmx_world.rosa, "GET", path).json() == {"data": {"delivery_pass_enabled": True}}
    path = f"/v4/buildings/{bmx_world.grand_tower.id}/capabilities"
    assert api(bmx_world.pat, "GET", path).json() == {"data": {"delivery_pass_enabled": False}}
    assert errors(api(bmx_world.rosa, "GET", path), 404) == [(None, "not_found")]


# Refusals when creating.


def test_a_keychain_needs_a_unit_or_a_tenant(api, bmx_world):
    body = custom(bmx_world, tenant_id=None)
    response = api(bmx_world.rosa, "POST", "/v4/keychains/custom", body)
    assert errors(response, 422) == [("base", "must_have_an_associated_unit_or_tenant")]


@pytest.mark.parametrize("ends_at", ["2026-10-21T09:00:00-04:00", "2026-10-21T08:00:00-04:00"])
def test_the_start_must_be_before_the_end(api, bmx_world, ends_at):
    body = custom(bmx_world, ends_at=ends_at)
    response = api(bmx_world.rosa, "POST", "/v4/keychains/one_time", body)
    assert errors(response, 422) == [
        ("starts_at", "start_time_must_be_before_the_end_time"),
        ("ends_at", "end_time_must_be_after_the_start_time"),
    ]
    assert not new_keychains().exists()


def test_recurring_time_from_must_be_less_than_time_to(api, bmx_world):
    body = recurring(bmx_world, time_from="12:00", time_to="12:00")
    response = api(bmx_world.rosa, "POST", "/v4/keychains/recurring", body)
    assert errors(response, 422) == [("time_from", "must_be_less_than_time_to")]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"name": ""}, ("name", "blank")),
        ({"starts_at": None}, ("starts_at", "blank")),
        ({"ends_at": "tomorrow"}, ("ends_at", "invalid")),
        ({"access_point_ids": [30001]}, ("access_point_ids", "invalid")),
        ({"access_point_ids": [None]}, ("access_point_ids", "invalid")),
        ({"access_point_ids": 24318}, ("access_point_ids", "invalid")),
        ({"device_ids": [115678]}, ("device_ids", "invalid")),
        ({"recipients": "guest@example.com"}, ("recipients", "invalid")),
    ],
)
def test_bad_fields_are_422_in_the_envelope(api, bmx_world, change, expected):
    response = api(bmx_world.rosa, "POST", "/v4/keychains/custom", custom(bmx_world, **change))
    assert errors(response, 422) == [expected]


def test_another_persons_tenant_is_not_found(api, bmx_world):
    body = custom(bmx_world, tenant_id=bmx_world.sam_harbor.id)
    assert errors(api(bmx_world.rosa, "POST", "/v4/keychains/custom", body), 404) == [
        ("tenant_id", "not_found")
    ]


@pytest.mark.parametrize("body", [b"not json", b"{}", b'{"keychain": []}'])
def test_a_malformed_body_is_400(api, bmx_world, body):
    response = api(bmx_world.rosa, "POST", "/v4/keychains/custom", body, raw=True)
    assert response.status_code == 400
    assert "errors" in response.json()


# Reading and deleting keychains.


def test_keychains_list_is_paged_filtered_and_the_persons_own(api, bmx_world, clock):
    for name in ("A", "B", "C"):
        api(bmx_world.rosa, "POST", "/v4/keychains/custom", custom(bmx_world, name=name))
    api(bmx_world.sam, "POST", "/v4/keychains/custom", custom(bmx_world, tenant_id=129301))
    elm = custom(bmx_world, tenant_id=bmx_world.rosa_elm.id, access_point_ids=[24401])
    api(bmx_world.rosa, "POST", "/v4/keychains/custom", elm)
    first = api(bmx_world.rosa, "GET", "/v4/keychains", params={"per": 2}).json()
    # Rosa's seeded pass for Maria Lopez comes first.
    assert first["page_info"]["total_item_count"] == 5
    assert first["page_info"]["next_page"] == 2
    assert [item["name"] for item in first["data"]] == ["Maria Lopez", "A"]
    by_tenant = {"q[tenant_id_eq]": bmx_world.rosa_elm.id}
    listed = api(bmx_world.rosa, "GET", "/v4/keychains", params=by_tenant).json()["data"]
    assert [item["tenant_id"] for item in listed] == [bmx_world.rosa_elm.id]
    by_name = api(bmx_world.rosa, "GET", "/v4/keychains", params={"q[name_eq]": "B"})
    assert [item["name"] for item in by_name.json()["data"]] == ["B"]
    ending = {"q[ends_at_gteq]": "2026-10-22 00:00:00 UTC"}
    later = api(bmx_world.rosa, "GET", "/v4/keychains", params=ending).json()["data"]
    assert [item["name"] for item in later] == ["Maria Lopez"]
    ending = {"q[ends_at_gteq]": "2026-10-21 20:00:00 UTC"}
    assert len(api(bmx_world.rosa, "GET", "/v4/keychains", params=ending).json()["data"]) == 5


def test_one_keychain_and_its_deletion_with_its_keys(api, bmx_world):
    body = custom(bmx_world, recipients=["guest@example.com"])
    created = api(bmx_world.rosa, "POST", "/v4/keychains/custom", body).json()["data"]
    path = f"/v4/keychains/{created['id']}"
    assert api(bmx_world.rosa, "GET", path).json() == {"data": created}
    response = api(bmx_world.rosa, "DELETE", path)
    assert response.status_code == 204
    assert response.content == b""
    assert not new_keys().exists()
    assert errors(api(bmx_world.rosa, "GET", path), 404) == [(None, "not_found")]
    assert errors(api(bmx_world.rosa, "DELETE", path), 404) == [(None, "not_found")]


def test_another_tenants_keychain_is_not_found(api, bmx_world):
    created = api(bmx_world.rosa, "POST", "/v4/keychains/custom", custom(bmx_world)).json()
    path = f"/v4/keychains/{created['data']['id']}"
    assert errors(api(bmx_world.sam, "GET", path), 404) == [(None, "not_found")]
    assert errors(api(bmx_world.sam, "DELETE", path), 404) == [(None, "not_found")]
    assert api(bmx_world.sam, "GET", "/v4/keychains").json()["data"] == []
    key = {"keychain_id": created["data"]["id"]}
    assert errors(api(bmx_world.sam, "POST", "/v4/virtual_keys", key), 404) == [
        ("keychain_id", "not_found")
    ]
    assert new_keychains().count() == 1


# Virtual keys.


@pytest.fixture
def keychain_id(api, bmx_world):
    return api(bmx_world.rosa, "POST", "/v4/keychains/custom", custom(bmx_world)).json()["data"][
        "id"
    ]


@pytest.mark.parametrize("wrapped", [False, True])
def test_a_virtual_key_is_created_flat_or_wrapped(api, bmx_world, keychain_id, wrapped):
    params = {"keychain_id": keychain_id, "name": "Alex", "pin_code": "402917"}
    body = {"virtual_key": params} if wrapped else params
    response = api(bmx_world.rosa, "POST", "/v4/virtual_keys", body)
    assert response.status_code == 201
    data = response.json()["data"]
    assert set(data) == VIRTUAL_KEY_KEYS
    assert data["keychain_id"] == keychain_id
    assert data["building_id"] == bmx_world.harbor_point.id
    assert data["name"] == "Alex"
    assert data["pin_code"] == "402917"
    assert data["usage_count"] == 0
    assert data["sent_at"] is data["email"] is data["first_used_at"] is None
    key = VirtualKey.objects.get(id=data["id"])
    assert len(key.token) >= 40
    assert data["qr_code_url"] == f"http://testserver/sandbox/butterflymx/passes/{key.token}/qr.svg"
    assert data["instructions_url"] == f"http://testserver/sandbox/butterflymx/passes/{key.token}/"
    keychain = api(bmx_world.rosa, "GET", f"/v4/keychains/{keychain_id}").json()["data"]
    assert keychain["virtual_key_ids"] == [data["id"]]


def test_a_key_with_an_email_is_sent(api, bmx_world, keychain_id):
    body = {"keychain_id": keychain_id, "email": "guest@example.com"}
    data = api(bmx_world.rosa, "POST", "/v4/virtual_keys", body).json()["data"]
    assert data["sent_at"] == "2026-10-20T15:00:00Z"
    assert data["email"] == "guest@example.com"


def test_without_a_pin_one_is_generated_and_null_means_qr_only(api, bmx_world, keychain_id):
    generated = [
        api(bmx_world.rosa, "POST", "/v4/virtual_keys", {"keychain_id": keychain_id}).json()
        for _ in range(5)
    ]
    pins = [item["data"]["pin_code"] for item in generated]
    assert all(len(pin) == 6 and pin.isdigit() for pin in pins)
    assert len(set(pins)) == 5
    body = {"keychain_id": keychain_id, "pin_code": None}
    assert api(bmx_world.rosa, "POST", "/v4/virtual_keys", body).json()["data"]["pin_code"] is None


@pytest.mark.parametrize(
    ("pin_code", "code"),
    [
        ("12345", "wrong_length"),
        ("1234567", "wrong_length"),
        ("", "wrong_length"),
        ("123456", "low_entropy"),
        ("654321", "low_entropy"),
        ("111111", "low_entropy"),
        ("12a456", "invalid"),
    ],
)
def test_a_given_pin_is_checked(api, bmx_world, keychain_id, pin_code, code):
    body = {"keychain_id": keychain_id, "pin_code": pin_code}
    assert errors(api(bmx_world.rosa, "POST", "/v4/virtual_keys", body), 422) == [
        ("pin_code", code)
    ]
    assert not new_keys().exists()


def test_a_pin_already_used_in_the_building_is_taken(api, bmx_world, keychain_id):
    body = {"keychain_id": keychain_id, "pin_code": "402917"}
    assert api(bmx_world.rosa, "POST", "/v4/virtual_keys", body).status_code == 201
    assert errors(api(bmx_world.rosa, "POST", "/v4/virtual_keys", body), 422) == [
        ("pin_code", "taken")
    ]


def test_a_virtual_key_needs_a_keychain(api, bmx_world):
    assert errors(api(bmx_world.rosa, "POST", "/v4/virtual_keys", {"name": "x"}), 422) == [
        ("keychain_id", "blank")
    ]


def test_virtual_keys_are_listed_by_keychain_and_deleted(api, bmx_world, keychain_id):
    other = api(bmx_world.rosa, "POST", "/v4/keychains/custom", custom(bmx_world)).json()
    for chain in (keychain_id, keychain_id, other["data"]["id"]):
        api(bmx_world.rosa, "POST", "/v4/virtual_keys", {"keychain_id": chain})
    params = {"q[keychain_id_eq]": keychain_id, "per": 1}
    page = api(bmx_world.rosa, "GET", "/v4/virtual_keys", params=params).json()
    assert page["page_info"]["total_item_count"] == 2
    assert page["page_info"]["next_page"] == 2
    [key] = page["data"]
    assert set(key) == VIRTUAL_KEY_KEYS
    assert api(bmx_world.sam, "GET", "/v4/virtual_keys").json()["data"] == []
    path = f"/v4/virtual_keys/{key['id']}"
    assert errors(api(bmx_world.sam, "DELETE", path), 404) == [(None, "not_found")]
    assert api(bmx_world.rosa, "DELETE", path).status_code == 204
    assert not VirtualKey.objects.filter(id=key["id"]).exists()
    assert new_keys().count() == 2


def test_a_delivery_pass_keeps_its_one_key(api, bmx_world):
    body = {"keychain": {"name": "Parcels", "tenant_id": bmx_world.rosa_harbor.id}}
    created = api(bmx_world.rosa, "POST", "/v4/keychains/delivery_pass", body).json()["data"]
    response = api(bmx_world.rosa, "POST", "/v4/virtual_keys", {"keychain_id": created["id"]})
    assert errors(response, 422) == [("keychain_id", "invalid")]


# The visitor's public links.


def test_the_qr_code_is_an_svg_and_the_instructions_a_page(client, api, bmx_world, keychain_id):
    body = {"keychain_id": keychain_id, "pin_code": "402917"}
    data = api(bmx_world.rosa, "POST", "/v4/virtual_keys", body).json()["data"]
    qr = client.get(data["qr_code_url"])
    assert qr.status_code == 200
    assert qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content
    page = client.get(data["instructions_url"])
    assert page.status_code == 200
    assert "402917" in page.content.decode()
    assert "/qr.svg" in page.content.decode()
    assert client.get("/sandbox/butterflymx/passes/not-a-token/qr.svg").status_code == 404
    assert client.get("/sandbox/butterflymx/passes/not-a-token/").status_code == 404


# Authentication and faults.


NEW_ENDPOINTS = [
    ("butterflymx.keychains", "GET", "/v4/keychains"),
    ("butterflymx.keychain", "GET", "/v4/keychains/1"),
    ("butterflymx.keychain", "DELETE", "/v4/keychains/1"),
    ("butterflymx.keychain_create_custom", "POST", "/v4/keychains/custom"),
    ("butterflymx.keychain_create_one_time", "POST", "/v4/keychains/one_time"),
    ("butterflymx.keychain_create_recurring", "POST", "/v4/keychains/recurring"),
    ("butterflymx.keychain_create_delivery_pass", "POST", "/v4/keychains/delivery_pass"),
    ("butterflymx.virtual_keys", "GET", "/v4/virtual_keys"),
    ("butterflymx.virtual_keys", "POST", "/v4/virtual_keys"),
    ("butterflymx.virtual_key", "DELETE", "/v4/virtual_keys/1"),
    ("butterflymx.capabilities", "GET", "/v4/buildings/11743/capabilities"),
]


@pytest.mark.parametrize(("name", "method", "path"), NEW_ENDPOINTS)
def test_every_new_endpoint_needs_a_token_and_takes_faults(
    client, api, bmx_world, name, method, path
):
    faults.reset()
    call = getattr(client, method.lower())
    response = call(f"{API}{path}", content_type="application/json")
    assert response.status_code == 401
    assert response.json() == {
        "errors": [{"field": "base", "code": "unauthorized", "messages": "Unauthorized"}]
    }
    faults.fault_add(endpoint=name, kind="status", status=503, times=1)
    response = api(bmx_world.rosa, method, path, {})
    assert response.status_code == 503
    assert response.json() == {
        "errors": [{"field": None, "code": "service_unavailable", "message": "Service Unavailable"}]
    }
    assert faults.calls_count(name) == 2
    faults.reset()


@pytest.mark.parametrize("name", ["virtual_key_qr_code", "virtual_key_instructions"])
def test_the_public_links_take_faults_only_for_a_real_token(
    client, api, bmx_world, keychain_id, name
):
    faults.reset()
    data = api(bmx_world.rosa, "POST", "/v4/virtual_keys", {"keychain_id": keychain_id}).json()
    url = data["data"]["qr_code_url" if name.endswith("qr_code") else "instructions_url"]
    faults.fault_add(endpoint=f"butterflymx.{name}", kind="status", status=503)
    assert client.get(url).status_code == 503
    assert client.get(url.replace("/passes/", "/passes/x")).status_code == 404
    faults.reset()
