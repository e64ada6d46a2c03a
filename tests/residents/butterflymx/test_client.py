"""The ButterflyMX client against recorded responses: the seed document's own payloads,
paging, the silent-filter pitfall, error mapping, retries and secrecy of tokens."""

import json
import logging
from datetime import UTC, date, datetime
from urllib.parse import parse_qs

import pytest
import requests
import responses

from residents.butterflymx import client as bmx
from residents.butterflymx.client import (
    AccessPoint,
    Address,
    BadResponse,
    ButterflyMXClient,
    ButterflyMXError,
    Device,
    DoorKind,
    FieldError,
    Forbidden,
    InvalidGrant,
    NotFound,
    OAuthError,
    RateLimited,
    Tenant,
    TokenSet,
    Unauthorized,
    Unavailable,
    Unit,
    Unreachable,
    UpstreamTimeout,
    ValidationFailed,
    token_info,
    token_refresh,
    token_revoke,
)
from tests.residents.butterflymx.recorded import query

pytestmark = pytest.mark.django_db

API = "https://api.bmx.test"
ACCOUNTS = "https://accounts.bmx.test"
TOKEN = "access-token-4f1c2b9e8d7a"
REFRESH = "refresh-token-9a8b7c6d5e4f"

# The seed document's literal example responses ("Grant Access").
SEED_TENANTS = {
    "data": [
        {
            "created_at": "2022-08-08T18:06:02Z",
            "full_name": None,
            "id": 129227,
            "updated_at": "2023-03-21T16:07:19Z",
            "first_name": "Demo",
            "last_name": "Tenant",
            "building_id": 11743,
            "inactive_after": None,
            "email": "demo.tenant@butterflymx.com",
            "unit": {
                "created_at": "2022-08-12T17:32:36Z",
                "id": 101356,
                "label": "101",
                "updated_at": "2024-07-11T13:30:46Z",
                "floor": "1",
                "building_id": 11743,
            },
        }
    ]
}
SEED_ACCESS_POINTS = {
    "data": [
        {
            "created_at": "2024-06-14T15:04:30Z",
            "id": 24318,
            "name": "AP w/o AG",
            "updated_at": "2024-06-14T15:04:30Z",
            "building_id": 11879,
            "device_ids": [],
        },
        {
            "created_at": "2023-03-08T19:02:31Z",
            "id": 3996,
            "name": "CC AP 11",
            "updated_at": "2023-03-08T19:02:31Z",
            "building_id": 11879,
            "device_ids": [37130],
        },
    ]
}
# Asked for building 11879, answered with a device of building 27865: the seed itself
# shows why filtered lists are re-checked.
SEED_DEVICES = {
    "data": [
        {
            "created_at": "2024-09-15T19:09:33Z",
            "id": 115677,
            "model": None,
            "name": "SmartLock - Sandbox DMC",
            "serial_number": None,
            "updated_at": "2024-09-15T19:09:33Z",
            "building_id": 27865,
            "type": "smart_lock",
        }
    ]
}
RELEASE = {
    "data": {
        "id": 9001,
        "guid": "5b0c1d2e-0f1a-4b2c-8d3e-4f5a6b7c8d9e",
        "tenant_id": 531232,
        "access_point_id": None,
        "device_id": 115677,
        "release_method": "api",
        "created_at": "2025-03-01T12:00:00Z",
        "updated_at": "2025-03-01T12:00:00Z",
    }
}


# Answers recorded from the real API, as ButterflyMX's published OpenAPI file (v4) holds them.
RECORDED_TENANTS = {
    "data": [
        {
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
        },
        {
            "created_at": "2026-06-17T15:12:20Z",
            "full_name": None,
            "id": 147873805,
            "updated_at": "2026-06-17T15:12:20Z",
            "first_name": "Curumo",
            "last_name": "Smith",
            "building_id": 845676935,
            "building_name": "Orthanc",
            "inactive_after": None,
            "building_timezone": "America/New_York",
            "email": "saruman@example.com",
            "contact_preference": "phone_call",
            "registration_status": "registered",
            "invitation": None,
            "unit": {
                "created_at": "2026-06-17T15:12:20Z",
                "id": 165781594,
                "label": "palantir_chamber",
                "updated_at": "2026-06-17T15:12:20Z",
                "floor": "8",
            },
            "notification_preference": None,
        },
    ],
    "page_info": {
        "current_page": 1,
        "total_pages": 1,
        "total_item_count": 2,
        "page_item_count": 2,
        "page_size": 50,
        "next_page": None,
        "prev_page": None,
        "first_page": True,
        "last_page": True,
    },
}
RECORDED_BUILDING = {
    "data": {
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
}
RECORDED_BUILDINGS = {
    "data": [
        {
            "created_at": "2023-05-17T15:12:19Z",
            "id": 750989427,
            "name": "Barad-dûr",
            "updated_at": "2026-06-17T15:12:20Z",
            "time_zone": "America/New_York",
            "address": {
                "city": "Lake Katheyport",
                "country": "us",
                "county": None,
                "state": "Wisconsin",
                "zip_code": "35027-7134",
                "address": "Mount Doom",
            },
        }
    ],
    "page_info": {
        "current_page": 1,
        "total_pages": 1,
        "total_item_count": 1,
        "page_item_count": 1,
        "page_size": 50,
        "next_page": None,
        "prev_page": None,
        "first_page": True,
        "last_page": True,
    },
}
RECORDED_ACCESS_POINTS = {
    "data": [
        {
            "created_at": "2026-06-17T15:12:20Z",
            "id": 22177636,
            "name": "Back door",
            "updated_at": "2026-06-17T15:12:20Z",
            "building_id": 577696272,
            "device_ids": [708353660],
            "open_hours": [],
        },
        {
            "created_at": "2026-06-17T15:12:20Z",
            "id": 842395203,
            "name": "Front door",
            "updated_at": "2026-06-17T15:12:20Z",
            "building_id": 577696272,
            "device_ids": [708353660, 408919060],
            "open_hours": [],
        },
    ],
    "page_info": {
        "current_page": 1,
        "total_pages": 1,
        "total_item_count": 2,
        "page_item_count": 2,
        "page_size": 50,
        "next_page": None,
        "prev_page": None,
        "first_page": True,
        "last_page": True,
    },
}
RECORDED_DEVICES = {
    "data": [
        {
            "created_at": "2026-06-17T15:12:20Z",
            "id": 126685867,
            "model": None,
            "name": "Crimson Building Door",
            "serial_number": "SL-CRIM-BD",
            "updated_at": "2026-06-17T15:12:20Z",
            "building_id": 577696272,
            "type": "smart_lock",
        },
        {
            "created_at": "2026-06-17T15:12:20Z",
            "id": 708353660,
            "model": None,
            "name": "Main Entrance",
            "serial_number": "07S21N3209",
            "updated_at": "2026-06-17T15:12:20Z",
            "building_id": 577696272,
            "type": "panel",
        },
    ],
    "page_info": {
        "current_page": 1,
        "total_pages": 1,
        "total_item_count": 2,
        "page_item_count": 2,
        "page_size": 50,
        "next_page": None,
        "prev_page": None,
        "first_page": True,
        "last_page": True,
    },
}
RECORDED_UNAUTHORIZED = {
    "errors": [{"field": "base", "code": "unauthorized", "messages": "Unauthorized"}]
}


@pytest.fixture(autouse=True)
def _upstream(settings):
    settings.BUTTERFLYMX_API_URL = API
    settings.BUTTERFLYMX_ACCOUNTS_URL = ACCOUNTS
    settings.BUTTERFLYMX_CLIENT_ID = "client-id"
    settings.BUTTERFLYMX_CLIENT_SECRET = "client-secret-value"
    settings.BUTTERFLYMX_CONNECT_TIMEOUT = 1.5
    settings.BUTTERFLYMX_READ_TIMEOUT = 4.0


@pytest.fixture
def client():
    return ButterflyMXClient(TOKEN)


def page(items, *, current, total):
    return {
        "data": items,
        "page_info": {
            "current_page": current,
            "total_pages": total,
            "page_size": 100,
            "next_page": current + 1 if current < total else None,
            "prev_page": current - 1 if current > 1 else None,
        },
    }


def access_point(ap_id, building_id=11879):
    return {"id": ap_id, "name": f"Door {ap_id}", "building_id": building_id, "device_ids": []}


class TestSeedPayloads:
    def test_tenants(self, api, client):
        api.get(f"{API}/v4/tenants", json=SEED_TENANTS)

        tenants = client.tenants()

        assert tenants == [
            Tenant(
                id=129227,
                first_name="Demo",
                last_name="Tenant",
                full_name=None,
                email="demo.tenant@butterflymx.com",
                building_id=11743,
                unit=Unit(id=101356, label="101", floor="1", building_id=11743),
                inactive_after=None,
                building_name=None,
                building_timezone=None,
            )
        ]
        assert tenants[0].display_name == "Demo Tenant"
        call = api.calls[0]
        assert query(call) == {"scope": "self", "page": "1", "per": "100"}
        assert call.request.headers["Authorization"] == f"Bearer {TOKEN}"

    def test_access_points(self, api, client):
        api.get(f"{API}/v4/access_points", json=SEED_ACCESS_POINTS)

        access_points = client.access_points(11879)

        assert access_points == [
            AccessPoint(id=24318, name="AP w/o AG", building_id=11879, device_ids=()),
            AccessPoint(id=3996, name="CC AP 11", building_id=11879, device_ids=(37130,)),
        ]
        assert query(api.calls[0])["q[building_id_eq]"] == "11879"

    def test_devices(self, api, client):
        api.get(f"{API}/v4/devices", json=SEED_DEVICES)

        devices = client.devices(27865)

        assert devices == [
            Device(
                id=115677,
                name="SmartLock - Sandbox DMC",
                building_id=27865,
                type="smart_lock",
                model=None,
                serial_number=None,
            )
        ]
        assert query(api.calls[0])["q[building_id_eq]"] == "27865"

    def test_devices_of_another_building_are_dropped(self, api, client, caplog):
        api.get(f"{API}/v4/devices", json=SEED_DEVICES)

        with caplog.at_level(logging.WARNING, logger="residents.butterflymx.client"):
            devices = client.devices(11879)

        assert devices == []
        assert len(caplog.records) == 1
        assert "outside building 11879" in caplog.records[0].getMessage()

    def test_door_release_by_access_point_sends_the_documented_body(self, api, client):
        api.post(f"{API}/v4/door_release_requests", status=201, json=RELEASE)

        client.door_release(tenant_id=567, kind=DoorKind.ACCESS_POINT, door_id=123)

        assert json.loads(api.calls[0].request.body) == {
            "door_release_request": {"access_point_id": 123, "tenant_id": 567}
        }

    def test_a_door_release_waits_for_its_own_read_timeout(self, api, client, settings):
        api.post(f"{API}/v4/door_release_requests", status=201, json=RELEASE)
        api.get(f"{API}/v4/buildings", json={"data": []})
        settings.BUTTERFLYMX_READ_TIMEOUT = 10.0
        settings.BUTTERFLYMX_RELEASE_READ_TIMEOUT = 2.5

        client.door_release(tenant_id=567, kind=DoorKind.ACCESS_POINT, door_id=123)
        client.buildings()

        assert api.calls[0].request.req_kwargs["timeout"][1] == 2.5
        assert api.calls[1].request.req_kwargs["timeout"][1] == 10.0

    def test_door_release_by_device_sends_the_documented_body(self, api, client):
        api.post(f"{API}/v4/door_release_requests", status=201, json=RELEASE)

        release = client.door_release(tenant_id=531232, kind=DoorKind.DEVICE, door_id=115677)

        assert json.loads(api.calls[0].request.body) == {
            "door_release_request": {"device_id": 115677, "tenant_id": 531232}
        }
        assert release.id == 9001
        assert release.guid == "5b0c1d2e-0f1a-4b2c-8d3e-4f5a6b7c8d9e"
        assert (release.tenant_id, release.device_id, release.access_point_id) == (
            531232,
            115677,
            None,
        )
        assert release.release_method == "api"
        assert release.created_at == datetime(2025, 3, 1, 12, tzinfo=UTC)


class TestRecordedPayloads:
    """Foyer reads the answers ButterflyMX recorded from its real API."""

    def test_tenants(self, api, client):
        api.get(f"{API}/v4/tenants", json=RECORDED_TENANTS)

        alia, curumo = client.tenants()

        assert alia == Tenant(
            id=37112193,
            first_name="Alia",
            last_name="Atredis",
            full_name=None,
            email="alia.atredis@example.com",
            building_id=577696272,
            unit=Unit(id=843107216, label="A003", floor="1", building_id=577696272),
            inactive_after=None,
            building_name="Crimson",
            building_timezone="America/New_York",
        )
        assert alia.display_name == "Alia Atredis"
        assert (curumo.building_name, curumo.unit) == (
            "Orthanc",
            Unit(id=165781594, label="palantir_chamber", floor="8", building_id=845676935),
        )

    def test_building(self, api, client):
        api.get(f"{API}/v4/buildings/577696272", json=RECORDED_BUILDING)

        building = client.building(577696272)

        assert (building.id, building.name, building.timezone) == (
            577696272,
            "Crimson",
            "America/New_York",
        )
        assert building.address == Address(
            street="127 W 26TH St",
            city="New York",
            state="NY",
            zip_code="10001-6808",
            country="us",
            county=None,
        )
        assert str(building.address) == "127 W 26TH St, New York, NY 10001-6808"

    def test_buildings(self, api, client):
        api.get(f"{API}/v4/buildings", json=RECORDED_BUILDINGS)

        (building,) = client.buildings()

        assert (building.name, building.timezone) == ("Barad-dûr", "America/New_York")
        assert building.address is not None
        assert (building.address.street, building.address.state) == ("Mount Doom", "Wisconsin")

    def test_a_building_without_address_or_with_the_old_timezone_key(self, api, client):
        api.get(
            f"{API}/v4/buildings/2",
            json={"data": {"id": 2, "name": "Elm", "timezone": "America/Chicago"}},
        )

        building = client.building(2)

        assert (building.timezone, building.address) == ("America/Chicago", None)

    def test_access_points(self, api, client):
        api.get(f"{API}/v4/access_points", json=RECORDED_ACCESS_POINTS)

        back, front = client.access_points(577696272)

        assert back == AccessPoint(
            id=22177636,
            name="Back door",
            building_id=577696272,
            device_ids=(708353660,),
            open_hours=(),
        )
        assert front.device_ids == (708353660, 408919060)

    @pytest.mark.parametrize(
        ("open_hours", "expected"),
        [
            (None, ()),
            ([], ()),
            (
                [{"day": "monday", "opens_at": "06:00", "closes_at": "22:00"}, "junk"],
                ({"day": "monday", "opens_at": "06:00", "closes_at": "22:00"},),
            ),
        ],
    )
    def test_open_hours_may_be_a_list_or_null(self, api, client, open_hours, expected):
        door = {**access_point(5, building_id=577696272), "open_hours": open_hours}
        api.get(f"{API}/v4/access_points", json={"data": [door]})

        (parsed,) = client.access_points(577696272)

        assert parsed.open_hours == expected

    def test_devices(self, api, client):
        api.get(f"{API}/v4/devices", json=RECORDED_DEVICES)

        lock, panel = client.devices(577696272)

        assert lock == Device(
            id=126685867,
            name="Crimson Building Door",
            building_id=577696272,
            type="smart_lock",
            model=None,
            serial_number="SL-CRIM-BD",
            unit_id=None,
        )
        assert (panel.type, panel.serial_number) == ("panel", "07S21N3209")

    def test_unauthorized(self, api, client):
        api.get(f"{API}/v4/tenants", status=401, json=RECORDED_UNAUTHORIZED)

        with pytest.raises(Unauthorized) as raised:
            client.tenants()

        assert raised.value.code == "unauthorized"
        assert str(raised.value) == "ButterflyMX answered 401: Unauthorized"


class TestResults:
    def test_tenant_with_building_details_and_unknown_fields(self, api, client):
        item = {
            **SEED_TENANTS["data"][0],
            "inactive_after": "2026-06-30",
            "building": {"id": 11743, "name": "Harbor Point", "timezone": "America/New_York"},
            "a_field_from_the_future": {"x": 1},
        }
        flat = {
            **SEED_TENANTS["data"][0],
            "id": 2,
            "full_name": "Demo T. Tenant",
            "unit": None,
            "inactive_after": "2026-06-30T04:00:00Z",
            "building_name": "Elm Street Lofts",
            "building_timezone": "America/Chicago",
        }
        api.get(f"{API}/v4/tenants", json={"data": [item, flat]})

        nested, flat_tenant = client.tenants()

        assert (nested.building_name, nested.building_timezone) == (
            "Harbor Point",
            "America/New_York",
        )
        assert nested.inactive_after == date(2026, 6, 30)
        assert (flat_tenant.building_name, flat_tenant.building_timezone) == (
            "Elm Street Lofts",
            "America/Chicago",
        )
        assert flat_tenant.unit is None
        assert flat_tenant.inactive_after == datetime(2026, 6, 30, 4, tzinfo=UTC)
        assert flat_tenant.display_name == "Demo T. Tenant"

    def test_missing_optional_fields_are_tolerated(self, api, client):
        api.get(f"{API}/v4/devices", json={"data": [{"id": 7, "building_id": 5}]})

        (device,) = client.devices(5)

        assert device == Device(
            id=7, name="Device 7", building_id=5, type="unknown", model=None, serial_number=None
        )

    def test_an_item_without_id_is_a_bad_response(self, api, client):
        api.get(f"{API}/v4/access_points", json={"data": [{"name": "x", "building_id": 1}]})

        with pytest.raises(BadResponse):
            client.access_points(1)

    def test_buildings_and_building(self, api, client):
        api.get(
            f"{API}/v4/buildings",
            json={"data": [{"id": 1, "name": "Harbor Point", "time_zone": "America/New_York"}]},
        )
        api.get(
            f"{API}/v4/buildings/2",
            json={"data": {"id": 2, "name": "Elm Street Lofts", "timezone": "America/Chicago"}},
        )

        (listed,) = client.buildings()
        single = client.building(2)

        assert (listed.id, listed.name, listed.timezone) == (1, "Harbor Point", "America/New_York")
        assert (single.id, single.name, single.timezone) == (
            2,
            "Elm Street Lofts",
            "America/Chicago",
        )

    def test_token_set_repr_hides_tokens(self):
        tokens = TokenSet(
            access_token=TOKEN, refresh_token=REFRESH, expires_in=60, scope="public", created_at=1
        )

        assert TOKEN not in repr(tokens) and REFRESH not in repr(tokens)
        assert TOKEN not in str(tokens) and REFRESH not in str(tokens)
        assert TOKEN not in repr(ButterflyMXClient(TOKEN))


class TestPaging:
    def test_every_page_is_read(self, api, client):
        for number in (1, 2, 3):
            items = [access_point(number * 1000 + i) for i in range(100 if number < 3 else 30)]
            api.get(
                f"{API}/v4/access_points",
                json=page(items, current=number, total=3),
                match=[
                    responses.matchers.query_param_matcher(
                        {"page": str(number)}, strict_match=False
                    )
                ],
            )

        access_points = client.access_points(11879)

        assert len(access_points) == 230
        assert len({ap.id for ap in access_points}) == 230
        assert [query(call)["page"] for call in api.calls] == ["1", "2", "3"]
        assert {query(call)["per"] for call in api.calls} == {"100"}

    def test_a_list_without_page_info_is_one_page(self, api, client):
        api.get(f"{API}/v4/access_points", json=SEED_ACCESS_POINTS)

        assert len(client.access_points(11879)) == 2
        assert len(api.calls) == 1

    def test_a_next_page_that_does_not_advance_is_a_bad_response(self, api, client):
        body = page([access_point(1)], current=1, total=2)
        body["page_info"]["next_page"] = 1
        api.get(f"{API}/v4/access_points", json=body)

        with pytest.raises(BadResponse):
            client.access_points(11879)

    def test_paging_stops_at_the_cap(self, api, client, monkeypatch, caplog):
        monkeypatch.setattr(bmx, "MAX_PAGES", 3)
        for number in (1, 2, 3):
            api.get(
                f"{API}/v4/access_points",
                json=page([access_point(number)], current=number, total=999),
                match=[
                    responses.matchers.query_param_matcher(
                        {"page": str(number)}, strict_match=False
                    )
                ],
            )

        with caplog.at_level(logging.WARNING, logger="residents.butterflymx.client"):
            access_points = client.access_points(11879)

        assert [ap.id for ap in access_points] == [1, 2, 3]
        assert "more than 3 pages" in caplog.text


class TestErrors:
    @pytest.mark.parametrize(
        ("status", "body", "error_class", "code"),
        [
            (
                401,
                {"errors": [{"field": None, "code": "unauthorized", "messages": ["Not allowed"]}]},
                Unauthorized,
                "unauthorized",
            ),
            (401, {"messages": ["You need to sign in"]}, Unauthorized, None),
            (403, {"errors": [{"code": "forbidden", "message": "no"}]}, Forbidden, "forbidden"),
            (
                404,
                {"errors": [{"code": "not_found", "message": "Not found"}]},
                NotFound,
                "not_found",
            ),
            (400, {"errors": [{"code": "invalid", "message": "bad"}]}, ValidationFailed, "invalid"),
            (429, {"errors": []}, RateLimited, None),
            (500, {"errors": [{"code": "internal", "message": "boom"}]}, Unavailable, "internal"),
            (503, "<html><body>Service Unavailable</body></html>", Unavailable, None),
            (418, {"error": "teapot"}, ButterflyMXError, "teapot"),
            (302, "", BadResponse, None),
        ],
    )
    def test_status_maps_to_a_typed_error(self, api, client, status, body, error_class, code):
        kwargs = {"json": body} if isinstance(body, dict) else {"body": body}
        api.post(f"{API}/v4/door_release_requests", status=status, **kwargs)

        with pytest.raises(error_class) as raised:
            client.door_release(tenant_id=1, kind=DoorKind.ACCESS_POINT, door_id=2)

        assert type(raised.value) is error_class
        assert raised.value.status == status
        assert raised.value.code == code
        assert str(raised.value)

    def test_validation_errors_carry_the_field_messages(self, api, client):
        api.post(
            f"{API}/v4/door_release_requests",
            status=422,
            json={
                "errors": [
                    {"field": "tenant_id", "code": "blank", "message": "can't be blank"},
                    {"field": "access_point_id", "code": "invalid", "message": "is invalid"},
                ]
            },
        )

        with pytest.raises(ValidationFailed) as raised:
            client.door_release(tenant_id=1, kind=DoorKind.ACCESS_POINT, door_id=2)

        assert raised.value.errors == (
            FieldError(field="tenant_id", code="blank", message="can't be blank"),
            FieldError(field="access_point_id", code="invalid", message="is invalid"),
        )
        assert raised.value.code == "blank"
        assert "tenant_id can't be blank" in str(raised.value)

    @pytest.mark.parametrize(
        ("body", "content_type"),
        [
            ("<html><body>Welcome to nginx</body></html>", "text/html"),
            ('{"data": [{"id": 1,', "application/json"),
            ("[1, 2, 3]", "application/json"),
            ('{"items": []}', "application/json"),
            ('{"data": {"id": 1}}', "application/json"),
        ],
    )
    def test_a_success_that_is_not_the_envelope_is_a_bad_response(
        self, api, client, body, content_type
    ):
        api.get(f"{API}/v4/tenants", body=body, content_type=content_type)

        with pytest.raises(BadResponse):
            client.tenants()

    @pytest.mark.parametrize(
        ("exception", "error_class"),
        [
            (requests.ConnectionError("refused"), Unavailable),
            (requests.ConnectTimeout("connect timed out"), Unreachable),
            (requests.exceptions.ChunkedEncodingError("dropped"), Unavailable),
            (requests.ReadTimeout("read timed out"), UpstreamTimeout),
        ],
    )
    def test_transport_failures_map_to_typed_errors(self, api, client, exception, error_class):
        api.post(f"{API}/v4/door_release_requests", body=exception)

        with pytest.raises(error_class) as raised:
            client.door_release(tenant_id=1, kind=DoorKind.DEVICE, door_id=2)

        assert type(raised.value) is error_class
        assert len(api.calls) == 1

    def test_door_release_needs_a_kind_of_door_butterflymx_opens(self, client):
        with pytest.raises(ValueError):
            client.door_release(tenant_id=1, kind="elevator", door_id=2)


class TestTransport:
    def test_settings_are_read_at_call_time(self, api, client, settings):
        api.get(f"{API}/v4/buildings", json={"data": []})
        api.get("https://eu.api.bmx.test/v4/buildings", json={"data": []})

        client.buildings()
        settings.BUTTERFLYMX_API_URL = "https://eu.api.bmx.test/"
        settings.BUTTERFLYMX_READ_TIMEOUT = 7.0
        client.buildings()

        assert api.calls[0].request.req_kwargs["timeout"] == (1.5, 4.0)
        assert api.calls[1].request.url.startswith("https://eu.api.bmx.test/v4/buildings?")
        assert api.calls[1].request.req_kwargs["timeout"] == (1.5, 7.0)

    def test_the_shared_session_pools_connections_for_a_few_threads(self):
        adapter = bmx._session.get_adapter(f"{API}/v4/tenants")

        assert adapter._pool_maxsize >= 8

    def test_cookies_are_never_carried_between_calls(self, api):
        api.get(
            f"{API}/v4/buildings",
            json={"data": []},
            headers={"Set-Cookie": "session=resident-one; Path=/"},
        )
        api.get(f"{API}/v4/buildings", json={"data": []})

        ButterflyMXClient("one").buildings()
        ButterflyMXClient("two").buildings()

        assert "Cookie" not in api.calls[1].request.headers


class TestSecrecy:
    def test_tokens_never_reach_logs_or_errors(self, api, client, caplog):
        echo = {"errors": [{"code": "unauthorized", "message": f"bad token {TOKEN}"}]}
        api.get(f"{API}/v4/tenants", status=401, json=echo)
        api.post(f"{API}/v4/door_release_requests", body=requests.ReadTimeout(f"t {TOKEN}"))
        api.post(
            f"{ACCOUNTS}/oauth/token",
            status=400,
            json={"error": "invalid_grant", "error_description": f"{REFRESH} was rotated"},
        )

        texts = []
        with caplog.at_level(logging.DEBUG):
            for call in (
                client.tenants,
                lambda: client.door_release(tenant_id=1, kind=DoorKind.ACCESS_POINT, door_id=2),
                lambda: token_refresh(refresh_token=REFRESH),
            ):
                with pytest.raises(ButterflyMXError) as raised:
                    call()
                texts += [str(raised.value), repr(raised.value)]

        texts += [record.getMessage() for record in caplog.records]
        assert any("/v4/tenants" in record.getMessage() for record in caplog.records)
        assert any("401" in text for text in texts)
        for text in texts:
            assert TOKEN not in text
            assert REFRESH not in text
            assert "client-secret-value" not in text


class TestOAuth:
    def test_token_refresh(self, api):
        api.post(
            f"{ACCOUNTS}/oauth/token",
            json={
                "access_token": "new-access",
                "token_type": "Bearer",
                "expires_in": 86400,
                "refresh_token": "new-refresh",
                "scope": "public",
                "created_at": 1740830400,
            },
        )

        tokens = token_refresh(refresh_token=REFRESH)

        assert tokens == TokenSet(
            access_token="new-access",
            refresh_token="new-refresh",
            expires_in=86400,
            scope="public",
            created_at=1740830400,
        )
        sent = parse_qs(api.calls[0].request.body)
        assert sent == {
            "grant_type": ["refresh_token"],
            "refresh_token": [REFRESH],
            "client_id": ["client-id"],
            "client_secret": ["client-secret-value"],
        }

    @pytest.mark.parametrize(
        ("status", "kwargs", "error_class"),
        [
            (400, {"json": {"error": "invalid_grant"}}, InvalidGrant),
            (401, {"json": {"error": "invalid_client"}}, OAuthError),
            (400, {"json": {"error": "invalid_request"}}, OAuthError),
            (401, {"body": "Unauthorized"}, InvalidGrant),
            (503, {"body": "<html>down</html>"}, Unavailable),
            (429, {"json": {}, "headers": {"Retry-After": "0"}}, RateLimited),
        ],
    )
    def test_token_refresh_failures_are_typed_and_not_retried(
        self, api, status, kwargs, error_class
    ):
        api.post(f"{ACCOUNTS}/oauth/token", status=status, **kwargs)

        with pytest.raises(error_class) as raised:
            token_refresh(refresh_token=REFRESH)

        assert type(raised.value) is error_class
        assert len(api.calls) == 1

    def test_token_refresh_without_access_token_is_a_bad_response(self, api):
        api.post(f"{ACCOUNTS}/oauth/token", json={"token_type": "Bearer"})

        with pytest.raises(BadResponse):
            token_refresh(refresh_token=REFRESH)

    def test_token_revoke(self, api):
        api.post(f"{ACCOUNTS}/oauth/revoke", json={})

        assert token_revoke(token=REFRESH) is None
        assert parse_qs(api.calls[0].request.body) == {
            "token": [REFRESH],
            "client_id": ["client-id"],
            "client_secret": ["client-secret-value"],
        }

    def test_token_revoke_failure_raises(self, api):
        api.post(
            f"{ACCOUNTS}/oauth/revoke",
            status=403,
            json={"error": "unauthorized_client", "error_description": "not yours"},
        )

        with pytest.raises(OAuthError) as raised:
            token_revoke(token=REFRESH)

        assert raised.value.code == "unauthorized_client"

    def test_token_info(self, api):
        api.get(
            f"{ACCOUNTS}/oauth/token/info",
            json={
                "resource_owner_id": 42,
                "scope": ["public"],
                "expires_in": 7100,
                "application": {"uid": "client-id"},
                "created_at": 1740830400,
            },
        )

        info = token_info(access_token=TOKEN)

        assert (info.resource_owner_id, info.scope, info.expires_in, info.application_uid) == (
            42,
            ("public",),
            7100,
            "client-id",
        )
        assert api.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"

    def test_token_info_with_a_bad_token_is_unauthorized(self, api):
        api.get(
            f"{ACCOUNTS}/oauth/token/info",
            status=401,
            json={"error": "invalid_token", "error_description": "The access token is invalid"},
        )

        with pytest.raises(Unauthorized) as raised:
            token_info(access_token=TOKEN)

        assert raised.value.code == "invalid_token"
        assert len(api.calls) == 1
