"""The ButterflyMX client's visitor passes (keychains and virtual keys) against recorded
responses, and against a scripted server to show that creates and deletes are sent once."""

import json
import logging
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
import requests
import responses

from residents.butterflymx import client as bmx
from residents.butterflymx.client import (
    BadResponse,
    BuildingCapabilities,
    ButterflyMXClient,
    ButterflyMXError,
    FieldError,
    Keychain,
    KeychainType,
    NotFound,
    Unavailable,
    UpstreamTimeout,
    ValidationFailed,
    VirtualKey,
)
from tests.fixtures.scripted_http import DROP, HANG, Answer
from tests.residents.butterflymx.recorded import query

pytestmark = pytest.mark.django_db

API = "https://api.bmx.test"
TOKEN = "access-token-7e6d5c4b3a29"
PIN = "731948"
QR = "https://qr.bmx.test/codes/f3a9c1e7b5d2.png"
INSTRUCTIONS = "https://bmx.test/visitor/instructions/9c8b7a6f5e4d"
PARIS = timezone(timedelta(hours=2))

CUSTOM = {
    "id": 4401,
    "name": "Cleaner",
    "type": "custom_keychain",
    "starts_at": "2025-06-02T09:00:00.000+02:00",
    "ends_at": "2025-06-02T17:00:00.000+02:00",
    "building_id": 11743,
    "tenant_id": 129227,
    "unit_id": 101356,
    "virtual_key_ids": [9101, 9102],
    "access_point_ids": [3996],
    # Expanded by ButterflyMX: the access point's own device comes back too.
    "device_ids": [37130, 115677],
    "created_at": "2025-06-01T08:00:00Z",
    "updated_at": "2025-06-01T08:00:00Z",
}
RECURRING = {
    "id": 4402,
    "name": "Dog walker",
    "type": "recurring_keychain",
    "starts_at": None,
    "ends_at": None,
    "start_date": "2025-06-01",
    "end_date": "2025-08-31",
    "time_from": "08:30",
    "time_to": "10:00",
    "weekdays": ["mon", "wed", "fri"],
    "building_id": 11743,
    "tenant_id": 129227,
    "unit_id": 101356,
    "virtual_key_ids": [],
    "access_point_ids": [3996],
    "device_ids": [],
    "created_at": "2025-06-01T08:00:00Z",
}
KEY = {
    "id": 9101,
    "keychain_id": 4401,
    "name": "Ana",
    "email": "ana@example.com",
    "sms_number": "+15555550123",
    "sent_at": "2025-06-01T08:00:05Z",
    "first_used_at": "2025-06-02T09:02:00Z",
    "last_used_at": "2025-06-02T12:40:00Z",
    "usage_count": 3,
    "pin_code": PIN,
    "qr_code_url": QR,
    "instructions_url": INSTRUCTIONS,
    "building_id": 11743,
    "created_at": "2025-06-01T08:00:00Z",
}


@pytest.fixture(autouse=True)
def _upstream(settings):
    settings.BUTTERFLYMX_API_URL = API
    settings.BUTTERFLYMX_CONNECT_TIMEOUT = 1.5
    settings.BUTTERFLYMX_READ_TIMEOUT = 4.0


@pytest.fixture
def client():
    return ButterflyMXClient(TOKEN)


def sent(call) -> dict:
    return json.loads(call.request.body)


def page(items, *, current, total):
    return {
        "data": items,
        "page_info": {
            "current_page": current,
            "total_pages": total,
            "next_page": current + 1 if current < total else None,
        },
    }


def custom(keychain_id, tenant_id=129227, **fields):
    return {**CUSTOM, "id": keychain_id, "tenant_id": tenant_id, **fields}


class TestKeychainParsing:
    def test_every_field_of_a_custom_keychain(self, api, client):
        api.get(f"{API}/v4/keychains/4401", json={"data": CUSTOM})

        assert client.keychain(4401) == Keychain(
            id=4401,
            name="Cleaner",
            type=KeychainType.CUSTOM,
            starts_at=datetime(2025, 6, 2, 7, 0, tzinfo=UTC),
            ends_at=datetime(2025, 6, 2, 15, 0, tzinfo=UTC),
            start_date=None,
            end_date=None,
            time_from=None,
            time_to=None,
            weekdays=(),
            building_id=11743,
            tenant_id=129227,
            unit_id=101356,
            virtual_key_ids=(9101, 9102),
            access_point_ids=(3996,),
            device_ids=(37130, 115677),
            created_at=datetime(2025, 6, 1, 8, 0, tzinfo=UTC),
        )
        assert api.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"

    def test_every_field_of_a_recurring_keychain(self, api, client):
        api.get(f"{API}/v4/keychains/4402", json={"data": RECURRING})

        keychain = client.keychain(4402)

        assert keychain.type is KeychainType.RECURRING
        assert (keychain.starts_at, keychain.ends_at) == (None, None)
        assert (keychain.start_date, keychain.end_date) == (date(2025, 6, 1), date(2025, 8, 31))
        assert (keychain.time_from, keychain.time_to) == ("08:30", "10:00")
        assert keychain.weekdays == ("mon", "wed", "fri")
        assert keychain.virtual_key_ids == ()

    def test_parsing_is_lenient(self, api, client):
        api.get(
            f"{API}/v4/keychains/77",
            json={
                "data": {
                    "id": "77",
                    "type": "visitor_pass_of_the_future",
                    "starts_at": "not a time",
                    "ends_at": "2025-06-02T17:00:00",
                    "start_date": "2025-06-01T00:00:00Z",
                    "end_date": 20250831,
                    # A Rails time column, serialised with a dummy date.
                    "time_from": "2000-01-01T08:30:00.000Z",
                    "time_to": "9:05:00",
                    "weekdays": ["Friday", "mon", "someday", 3, "MON"],
                    "virtual_key_ids": ["12", None, True, 13],
                    "access_point_ids": "3996",
                    "tenant_id": None,
                    "new_field": {"nested": True},
                }
            },
        )

        keychain = client.keychain(77)

        assert keychain.id == 77
        assert keychain.name == "Visitor pass 77"
        assert keychain.type is None
        assert keychain.starts_at is None
        assert keychain.ends_at == datetime(2025, 6, 2, 17, 0, tzinfo=UTC)
        assert (keychain.start_date, keychain.end_date) == (date(2025, 6, 1), None)
        assert (keychain.time_from, keychain.time_to) == ("08:30", "09:05")
        assert keychain.weekdays == ("mon", "fri")
        assert keychain.virtual_key_ids == (12, 13)
        assert keychain.access_point_ids == ()
        assert keychain.tenant_id is None
        assert keychain.building_id is None
        assert keychain.created_at is None

    def test_a_time_out_of_range_is_none(self, api, client):
        api.get(f"{API}/v4/keychains/4402", json={"data": {**RECURRING, "time_to": "25:00"}})

        assert client.keychain(4402).time_to is None

    def test_a_keychain_without_id_is_a_bad_response(self, api, client):
        api.get(f"{API}/v4/keychains/4401", json={"data": {**CUSTOM, "id": None}})

        with pytest.raises(BadResponse):
            client.keychain(4401)

    def test_another_keychain_than_asked_is_a_bad_response(self, api, client):
        api.get(f"{API}/v4/keychains/4401", json={"data": custom(4499)})

        with pytest.raises(BadResponse):
            client.keychain(4401)


class TestKeychainList:
    def test_the_tenant_filter_and_every_page(self, api, client):
        api.get(
            f"{API}/v4/keychains",
            json=page([custom(1), custom(2)], current=1, total=2),
            match=[responses.matchers.query_param_matcher({"page": "1"}, strict_match=False)],
        )
        api.get(
            f"{API}/v4/keychains",
            json=page([{**RECURRING, "id": 3}], current=2, total=2),
            match=[responses.matchers.query_param_matcher({"page": "2"}, strict_match=False)],
        )

        keychains = client.keychains(129227)

        assert [keychain.id for keychain in keychains] == [1, 2, 3]
        assert [query(call) for call in api.calls] == [
            {"q[tenant_id_eq]": "129227", "page": "1", "per": "100"},
            {"q[tenant_id_eq]": "129227", "page": "2", "per": "100"},
        ]

    def test_name_and_end_filters_are_sent(self, api, client):
        api.get(f"{API}/v4/keychains", json=page([custom(1)], current=1, total=1))

        client.keychains(
            129227, name="Cleaner", ends_at_gteq=datetime(2025, 6, 2, 12, 0, tzinfo=PARIS)
        )

        assert query(api.calls[0]) == {
            "q[tenant_id_eq]": "129227",
            "q[name_eq]": "Cleaner",
            "q[ends_at_gteq]": "2025-06-02 10:00:00 UTC",
            "page": "1",
            "per": "100",
        }

    def test_keychains_of_other_tenants_are_dropped(self, api, client, caplog):
        # ButterflyMX answers the unfiltered list when it cannot parse a filter.
        api.get(
            f"{API}/v4/keychains",
            json=page(
                [custom(1), custom(2, tenant_id=555), custom(3, tenant_id=None)],
                current=1,
                total=1,
            ),
        )

        with caplog.at_level(logging.WARNING):
            keychains = client.keychains(129227)

        assert [keychain.id for keychain in keychains] == [1]
        assert "2 keychains of other tenants" in caplog.text

    def test_ignored_name_and_end_filters_are_applied_here(self, api, client):
        api.get(
            f"{API}/v4/keychains",
            json=page(
                [
                    custom(1),
                    custom(2, name="Plumber"),
                    custom(3, ends_at="2025-06-01T17:00:00Z"),
                    {**RECURRING, "id": 4, "name": "Cleaner"},
                ],
                current=1,
                total=1,
            ),
        )

        keychains = client.keychains(
            129227, name="Cleaner", ends_at_gteq=datetime(2025, 6, 2, 0, 0, tzinfo=UTC)
        )

        assert [keychain.id for keychain in keychains] == [1, 4]

    def test_a_naive_end_filter_is_refused(self, api, client):
        with pytest.raises(ValueError):
            client.keychains(1, ends_at_gteq=datetime(2025, 6, 2))

        assert len(api.calls) == 0


def created(kind, data):
    return {"method": "POST", "url": f"{API}/v4/keychains/{kind}", "status": 201, "json": data}


class TestKeychainCreate:
    def test_custom_sends_the_documented_body(self, api, client):
        api.add(**created("custom", {"data": CUSTOM}))

        keychain = client.keychain_create_custom(
            129227,
            name="Cleaner",
            starts_at=datetime(2025, 6, 2, 9, 0, tzinfo=PARIS),
            ends_at=datetime(2025, 6, 2, 17, 0, tzinfo=PARIS),
            access_point_ids=[3996],
            device_ids=[115677],
        )

        assert keychain.id == 4401
        assert sent(api.calls[0]) == {
            "keychain": {
                "name": "Cleaner",
                "tenant_id": 129227,
                "starts_at": "2025-06-02T09:00:00+02:00",
                "ends_at": "2025-06-02T17:00:00+02:00",
                "access_point_ids": [3996],
                "device_ids": [115677],
            }
        }

    def test_one_time_sends_the_documented_body_with_an_empty_door_list(self, api, client):
        api.add(**created("one_time", {"data": {**CUSTOM, "type": "one_time_keychain"}}))

        keychain = client.keychain_create_one_time(
            129227,
            name="Courier",
            starts_at=datetime(2025, 6, 2, 9, 0, tzinfo=UTC),
            ends_at=datetime(2025, 6, 2, 11, 30, tzinfo=UTC),
            access_point_ids=(3996,),
            device_ids=(),
        )

        assert keychain.type is KeychainType.ONE_TIME
        assert sent(api.calls[0]) == {
            "keychain": {
                "name": "Courier",
                "tenant_id": 129227,
                "starts_at": "2025-06-02T09:00:00+00:00",
                "ends_at": "2025-06-02T11:30:00+00:00",
                "access_point_ids": [3996],
                "device_ids": [],
            }
        }

    def test_recurring_sends_the_documented_body(self, api, client):
        api.add(**created("recurring", {"data": RECURRING}))

        keychain = client.keychain_create_recurring(
            129227,
            name="Dog walker",
            start_date=date(2025, 6, 1),
            end_date=date(2025, 8, 31),
            time_from=time(8, 30),
            time_to=time(10, 0),
            weekdays=["fri", "mon", "wed"],
            access_point_ids=[],
            device_ids=[115677],
        )

        assert keychain.id == 4402
        assert sent(api.calls[0]) == {
            "keychain": {
                "name": "Dog walker",
                "tenant_id": 129227,
                "start_date": "2025-06-01",
                "end_date": "2025-08-31",
                "time_from": "08:30",
                "time_to": "10:00",
                "weekdays": ["mon", "wed", "fri"],
                "access_point_ids": [],
                "device_ids": [115677],
            }
        }

    def test_delivery_pass_sends_only_name_and_tenant(self, api, client):
        api.add(**created("delivery_pass", {"data": {**CUSTOM, "type": "delivery_pass"}}))

        keychain = client.keychain_create_delivery_pass(129227, "Groceries")

        assert keychain.type is KeychainType.DELIVERY_PASS
        assert sent(api.calls[0]) == {"keychain": {"name": "Groceries", "tenant_id": 129227}}

    @pytest.mark.parametrize(
        "change",
        [
            {"access_point_ids": [], "device_ids": []},
            {"starts_at": datetime(2025, 6, 2, 9, 0)},
            {"ends_at": datetime(2025, 6, 2, 17, 0)},
            {"name": "  "},
        ],
    )
    def test_a_custom_pass_without_doors_naive_times_or_name_is_refused(self, api, client, change):
        arguments = {
            "name": "Cleaner",
            "starts_at": datetime(2025, 6, 2, 9, 0, tzinfo=UTC),
            "ends_at": datetime(2025, 6, 2, 17, 0, tzinfo=UTC),
            "access_point_ids": [3996],
            "device_ids": [],
            **change,
        }

        with pytest.raises(ValueError):
            client.keychain_create_custom(129227, **arguments)

        assert len(api.calls) == 0

    @pytest.mark.parametrize(
        "change",
        [{"weekdays": []}, {"weekdays": ["monday"]}, {"access_point_ids": [], "device_ids": []}],
    )
    def test_a_recurring_pass_without_days_or_doors_is_refused(self, api, client, change):
        arguments = {
            "name": "Dog walker",
            "start_date": date(2025, 6, 1),
            "end_date": date(2025, 8, 31),
            "time_from": time(8, 30),
            "time_to": time(10, 0),
            "weekdays": ["mon"],
            "access_point_ids": [3996],
            "device_ids": [],
            **change,
        }

        with pytest.raises(ValueError):
            client.keychain_create_recurring(129227, **arguments)

        assert len(api.calls) == 0

    @pytest.mark.parametrize(
        ("field", "code"),
        [
            ("tenant_id", "must_have_an_associated_unit_or_tenant"),
            ("starts_at", "start_time_must_be_before_the_end_time"),
            ("ends_at", "end_time_must_be_after_the_start_time"),
            ("time_from", "must_be_less_than_time_to"),
        ],
    )
    def test_422_field_errors_are_typed(self, api, client, field, code):
        message = code.replace("_", " ")
        api.post(
            f"{API}/v4/keychains/custom",
            status=422,
            json={"errors": [{"field": field, "code": code, "message": message}]},
        )

        with pytest.raises(ValidationFailed) as raised:
            client.keychain_create_custom(
                129227,
                name="Cleaner",
                starts_at=datetime(2025, 6, 2, 9, 0, tzinfo=UTC),
                ends_at=datetime(2025, 6, 2, 17, 0, tzinfo=UTC),
                access_point_ids=[3996],
                device_ids=[],
            )

        assert raised.value.status == 422
        assert raised.value.code == code
        assert raised.value.errors == (FieldError(field=field, code=code, message=message),)

    def test_a_create_answered_without_data_is_a_bad_response(self, api, client):
        api.post(f"{API}/v4/keychains/delivery_pass", status=201, json={"keychain": CUSTOM})

        with pytest.raises(BadResponse):
            client.keychain_create_delivery_pass(129227, "Groceries")


class TestDeletes:
    @pytest.mark.parametrize(
        ("path", "delete"),
        [
            ("/v4/keychains/4401", lambda client: client.keychain_delete(4401)),
            ("/v4/virtual_keys/9101", lambda client: client.virtual_key_delete(9101)),
        ],
    )
    def test_a_204_without_body_is_success(self, api, client, path, delete):
        api.delete(f"{API}{path}", status=204, body="")

        assert delete(client) is None
        assert api.calls[0].request.method == "DELETE"

    def test_a_delete_answered_200_with_an_empty_body_is_success(self, api, client):
        api.delete(f"{API}/v4/keychains/4401", status=200, body="")

        assert client.keychain_delete(4401) is None

    def test_a_keychain_that_cannot_be_deleted(self, api, client):
        api.delete(
            f"{API}/v4/keychains/4401",
            status=422,
            json={"errors": [{"field": None, "code": "failed_to_destroy", "message": "failed"}]},
        )

        with pytest.raises(ValidationFailed) as raised:
            client.keychain_delete(4401)

        assert raised.value.code == "failed_to_destroy"

    def test_a_keychain_already_gone(self, api, client):
        api.delete(f"{API}/v4/keychains/4401", status=404, json={"errors": []})

        with pytest.raises(NotFound):
            client.keychain_delete(4401)


class TestVirtualKeys:
    def test_create_sends_the_documented_flat_body_and_parses_every_field(self, api, client):
        api.post(f"{API}/v4/virtual_keys", status=201, json={"data": KEY})

        key = client.virtual_key_create(
            4401, name="Ana", email="ana@example.com", sms_number="+15555550123", pin_code=PIN
        )

        assert sent(api.calls[0]) == {
            "keychain_id": 4401,
            "name": "Ana",
            "email": "ana@example.com",
            "sms_number": "+15555550123",
            "pin_code": PIN,
        }
        assert key == VirtualKey(
            id=9101,
            keychain_id=4401,
            name="Ana",
            email="ana@example.com",
            sms_number="+15555550123",
            sent_at=datetime(2025, 6, 1, 8, 0, 5, tzinfo=UTC),
            first_used_at=datetime(2025, 6, 2, 9, 2, tzinfo=UTC),
            last_used_at=datetime(2025, 6, 2, 12, 40, tzinfo=UTC),
            usage_count=3,
            pin_code=PIN,
            qr_code_url=QR,
            instructions_url=INSTRUCTIONS,
            building_id=11743,
        )

    def test_create_leaves_out_what_was_not_given(self, api, client):
        api.post(
            f"{API}/v4/virtual_keys",
            status=201,
            json={"data": {"id": 9103, "keychain_id": 4401, "pin_code": None}},
        )

        key = client.virtual_key_create(4401, name="", email=None, pin_code="")

        assert sent(api.calls[0]) == {"keychain_id": 4401}
        assert key.pin_code is None  # a QR-only key
        assert key.usage_count is None
        assert (key.sent_at, key.first_used_at, key.qr_code_url) == (None, None, None)

    def test_lenient_parsing(self, api, client):
        api.post(
            f"{API}/v4/virtual_keys",
            status=201,
            json={
                "data": {
                    "id": "9104",
                    "keychain_id": "4401",
                    "usage_count": "two",
                    "sent_at": 12,
                    "qr_code_url": "",
                    "building_id": 11743.5,
                    "extra": [1, 2],
                }
            },
        )

        key = client.virtual_key_create(4401)

        assert (key.id, key.keychain_id) == (9104, 4401)
        assert (key.usage_count, key.sent_at, key.qr_code_url, key.building_id) == (
            None,
            None,
            None,
            None,
        )

    @pytest.mark.parametrize("code", ["low_entropy", "wrong_length"])
    def test_a_refused_pin_is_a_field_error(self, api, client, code):
        api.post(
            f"{API}/v4/virtual_keys",
            status=422,
            json={"errors": [{"field": "pin_code", "code": code, "message": "is not allowed"}]},
        )

        with pytest.raises(ValidationFailed) as raised:
            client.virtual_key_create(4401, pin_code="111111")

        assert raised.value.errors == (
            FieldError(field="pin_code", code=code, message="is not allowed"),
        )

    def test_list_every_page_of_one_keychain(self, api, client, caplog):
        api.get(
            f"{API}/v4/virtual_keys",
            json=page([KEY, {**KEY, "id": 9102}], current=1, total=2),
            match=[responses.matchers.query_param_matcher({"page": "1"}, strict_match=False)],
        )
        api.get(
            f"{API}/v4/virtual_keys",
            json=page([{**KEY, "id": 9200, "keychain_id": 5000}], current=2, total=2),
            match=[responses.matchers.query_param_matcher({"page": "2"}, strict_match=False)],
        )

        with caplog.at_level(logging.WARNING):
            keys = client.virtual_keys(4401)

        assert [key.id for key in keys] == [9101, 9102]
        assert [query(call)["q[keychain_id_eq]"] for call in api.calls] == ["4401", "4401"]
        assert [query(call)["page"] for call in api.calls] == ["1", "2"]
        assert "1 virtual keys of other keychains" in caplog.text


class TestBuildingCapabilities:
    @pytest.mark.parametrize(
        ("data", "enabled"),
        [
            ({"delivery_pass_enabled": True, "other": 1}, True),
            ({"delivery_pass_enabled": False}, False),
            ({"delivery_pass_enabled": "true"}, False),
            ({}, False),
        ],
    )
    def test_capabilities(self, api, client, data, enabled):
        api.get(f"{API}/v4/buildings/11743/capabilities", json={"data": data})

        assert client.building_capabilities(11743) == BuildingCapabilities(
            delivery_pass_enabled=enabled
        )


class TestSecrecy:
    def test_a_key_repr_never_shows_what_opens_doors(self):
        text = repr(VirtualKey.from_data(KEY))

        assert "9101" in text
        for secret in (PIN, QR, INSTRUCTIONS):
            assert secret not in text

    def test_pins_and_links_never_reach_logs_or_errors(self, api, client, caplog):
        api.post(f"{API}/v4/virtual_keys", status=201, json={"data": KEY})
        api.get(f"{API}/v4/virtual_keys", json=page([KEY], current=1, total=1))
        api.post(
            f"{API}/v4/virtual_keys",
            status=422,
            json={"errors": [{"field": "pin_code", "code": "low_entropy", "message": PIN}]},
        )
        api.post(f"{API}/v4/virtual_keys", body=requests.ReadTimeout(f"timed out {PIN}"))

        texts = []
        with caplog.at_level(logging.DEBUG):
            texts.append(repr(client.virtual_key_create(4401, pin_code=PIN)))
            texts.append(repr(client.virtual_keys(4401)))
            for _ in range(2):
                with pytest.raises(ButterflyMXError) as raised:
                    client.virtual_key_create(4401, pin_code=PIN)
                texts += [str(raised.value), repr(raised.value)]

        texts += [record.getMessage() for record in caplog.records]
        assert any("POST /v4/virtual_keys -> 201" in text for text in texts)
        assert any("422" in text for text in texts)
        for text in texts:
            for secret in (PIN, QR, INSTRUCTIONS, TOKEN):
                assert secret not in text


class TestNeverRetried:
    """Creates and deletes go through the real session against a scripted server."""

    @pytest.fixture
    def server(self, scripted_http, settings):
        scripted_http.otherwise = Answer(201, body={"data": CUSTOM})
        settings.BUTTERFLYMX_API_URL = scripted_http.url
        settings.BUTTERFLYMX_READ_TIMEOUT = 0.3
        yield scripted_http
        bmx._session.close()

    def test_the_session_retries_gets_only(self):
        retry = bmx._session.get_adapter("https://api.bmx.test").max_retries

        assert retry.allowed_methods == {"GET"}

    @pytest.mark.parametrize(
        ("failure", "error_class"),
        [
            (Answer(503, body={"errors": []}), Unavailable),
            (Answer(429, {"Retry-After": "0"}, {"errors": []}), ButterflyMXError),
            (DROP, Unavailable),
            (HANG, UpstreamTimeout),
        ],
    )
    @pytest.mark.parametrize(
        ("method", "path", "call"),
        [
            (
                "POST",
                "/v4/keychains/delivery_pass",
                lambda client: client.keychain_create_delivery_pass(129227, "Groceries"),
            ),
            (
                "POST",
                "/v4/virtual_keys",
                lambda client: client.virtual_key_create(4401, pin_code=PIN),
            ),
            ("DELETE", "/v4/keychains/4401", lambda client: client.keychain_delete(4401)),
            ("DELETE", "/v4/virtual_keys/9101", lambda client: client.virtual_key_delete(9101)),
        ],
    )
    def test_a_create_or_delete_is_sent_once(
        self, server, urllib3_waits, failure, error_class, method, path, call
    ):
        server.script(failure)

        with pytest.raises(error_class):
            call(ButterflyMXClient(TOKEN))

        assert server.requests == [(method, path)]
        assert urllib3_waits == []

    def test_a_get_of_a_pass_is_still_retried(self, server, urllib3_waits):
        server.script(Answer(503, body={"errors": []}), Answer(body={"data": CUSTOM}))

        assert ButterflyMXClient(TOKEN).keychain(4401).id == 4401
        assert server.requests == [("GET", "/v4/keychains/4401")] * 2
