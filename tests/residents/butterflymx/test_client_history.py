"""The ButterflyMX client's door history: access logs and intercom calls as ButterflyMX's
published OpenAPI file records them, every entry_method shape, paging and the time filter,
and intercom photos fetched without the resident's token."""

import logging
from datetime import UTC, datetime

import pytest
import requests

from residents.butterflymx.client import (
    MAX_PHOTO_BYTES,
    AccessLogEntry,
    BadResponse,
    ButterflyMXClient,
    Call,
    EntryMethod,
    EntryMethodKind,
    NotFound,
    Unavailable,
    photo_fetch,
)
from tests.residents.butterflymx.recorded import query

pytestmark = pytest.mark.django_db

API = "https://api.bmx.test"
TOKEN = "access-token-3c2b1a09f8e7"
PHOTO = "http://user.butterflymx.localhost/uploads/store/ac628b8b81f1c5deb851b480cf58ee39.png"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# Recorded answers: ButterflyMX's published OpenAPI file, "list access logs".
RECORDED_ACCESS_LOGS = [
    {
        "id": 156501242,
        "logged_at": "2026-06-17T10:12:19Z",
        "access_point": 22177636,
        "release_status": "Unlocked",
        "name": "Alia Atredis",
        "release_type": "Tenant",
        "unit": 843107216,
        "tenant_id": 37112193,
        "entry_method": "Swipe to open",
        "image_url": PHOTO,
    },
    {
        "id": 623072202,
        "logged_at": "2026-06-16T18:00:00Z",
        "access_point": 842395203,
        "release_status": "Locked",
        "name": None,
        "release_type": None,
        "unit": None,
        "tenant_id": None,
        "entry_method": None,
        "image_url": None,
    },
    {
        "id": 525036436,
        "logged_at": "2026-06-16T15:12:19Z",
        "access_point": 22177636,
        "release_status": "Unlocked",
        "name": "Duncan Idaho",
        "release_type": "Visitor",
        "unit": 474917539,
        "tenant_id": 377389742,
        "entry_method": {"keychain": 254331397},
        "image_url": PHOTO,
    },
    {
        "id": 561908629,
        "logged_at": "2026-06-14T15:12:19Z",
        "access_point": 842395203,
        "release_status": "Unlocked",
        "name": "USPS",
        "release_type": "Delivery",
        "unit": None,
        "tenant_id": None,
        "entry_method": "Remote Doorman",
        "image_url": PHOTO,
    },
]
# ... and "list calls".
RECORDED_CALLS = [
    {
        "id": 784634795,
        "building_id": 577696272,
        "logged_at": "2026-06-16T15:12:19Z",
        "notification_type": "visitor",
        "recipient": {"id": 636166899, "type": "Tenant"},
        "unit": {"id": 88603419},
        "device": {"id": 408919060, "name": "Virtual Lobby"},
        "status": None,
        "image_url": PHOTO,
    },
    {
        "id": 334730487,
        "building_id": 577696272,
        "logged_at": "2026-06-02T15:12:19Z",
        "notification_type": "visitor",
        "recipient": {"id": None, "type": "Attendant"},
        "unit": None,
        "device": {"id": 708353660, "name": "Main Entrance"},
        "status": "initializing",
        "image_url": PHOTO,
    },
]
LAST_PAGE = {"current_page": 1, "total_pages": 1, "next_page": None}


@pytest.fixture(autouse=True)
def _upstream(settings):
    settings.BUTTERFLYMX_API_URL = API


@pytest.fixture
def client():
    return ButterflyMXClient(TOKEN)


class TestAccessLog:
    def test_the_recorded_answer_field_by_field(self, api, client):
        api.get(
            f"{API}/v4/buildings/577696272/access_logs",
            json={"data": RECORDED_ACCESS_LOGS, "page_info": LAST_PAGE},
        )

        page = client.access_log_page(577696272)

        swipe, schedule, visitor, delivery = page.items
        assert swipe == AccessLogEntry(
            id=156501242,
            logged_at=datetime(2026, 6, 17, 10, 12, 19, tzinfo=UTC),
            access_point_id=22177636,
            release_status="Unlocked",
            name="Alia Atredis",
            release_type="Tenant",
            unit_id=843107216,
            tenant_id=37112193,
            entry_method=EntryMethod(EntryMethodKind.TEXT, text="Swipe to open"),
            image_url=PHOTO,
        )
        assert schedule.is_schedule and schedule.release_status == "Locked"
        assert not any(entry.is_schedule for entry in (swipe, visitor, delivery))
        assert visitor.entry_method == EntryMethod(EntryMethodKind.KEYCHAIN, id=254331397)
        assert (delivery.release_type, delivery.unit_id, delivery.entry_method.text) == (
            "Delivery",
            None,
            "Remote Doorman",
        )
        assert page.next_page is None
        assert api.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (
                "Visitor Pass (using PIN)",
                EntryMethod(EntryMethodKind.TEXT, text="Visitor Pass (using PIN)"),
            ),
            ({"keychain": 254331397}, EntryMethod(EntryMethodKind.KEYCHAIN, id=254331397)),
            ({"access_tool": "88"}, EntryMethod(EntryMethodKind.ACCESS_TOOL, id=88)),
            (None, EntryMethod(EntryMethodKind.NONE)),
            ("  ", EntryMethod(EntryMethodKind.NONE)),
            # Shapes nobody documented are kept as "other", never an error.
            ({"face": 3}, EntryMethod(EntryMethodKind.OTHER)),
            ({"keychain": "not an id"}, EntryMethod(EntryMethodKind.OTHER)),
            ({"keychain": 1, "access_tool": 2}, EntryMethod(EntryMethodKind.OTHER)),
            (["API"], EntryMethod(EntryMethodKind.OTHER)),
            (7, EntryMethod(EntryMethodKind.OTHER)),
        ],
    )
    def test_every_entry_method_shape(self, value, expected):
        assert EntryMethod.from_data(value) == expected

    def test_a_unit_given_as_an_object_and_an_image_that_is_not_a_web_address(self):
        entry = AccessLogEntry.from_data(
            {"id": 1, "unit": {"id": 42}, "image_url": "javascript:alert(1)"}
        )

        assert (entry.unit_id, entry.image_url, entry.logged_at) == (42, None, None)

    def test_an_entry_without_id_is_a_bad_response(self, api, client):
        api.get(
            f"{API}/v4/buildings/1/access_logs",
            json={"data": [{"logged_at": "2026-06-17T10:12:19Z"}], "page_info": LAST_PAGE},
        )

        with pytest.raises(BadResponse):
            client.access_log_page(1)

    def test_paging_and_the_time_filter(self, api, client):
        until = datetime(2026, 6, 16, 15, 12, 19, 500000, tzinfo=UTC)
        api.get(
            f"{API}/v4/buildings/577696272/access_logs",
            json={
                "data": RECORDED_ACCESS_LOGS,
                "page_info": {"current_page": 2, "total_pages": 3, "next_page": 3},
            },
        )

        page = client.access_log_page(577696272, page=2, per=4, until=until)

        assert query(api.calls[0]) == {
            "q[logged_at_lteq]": "2026-06-16 15:12:19 UTC",
            "page": "2",
            "per": "4",
        }
        # The filter was ignored upstream (an unparseable one is): newer entries are dropped.
        assert [entry.id for entry in page.items] == [525036436, 561908629]
        assert page.next_page == 3

    def test_a_page_that_does_not_move_forward_is_a_bad_response(self, api, client):
        api.get(
            f"{API}/v4/buildings/1/access_logs",
            json={"data": [], "page_info": {"current_page": 2, "next_page": 2}},
        )

        with pytest.raises(BadResponse):
            client.access_log_page(1, page=2)

    def test_one_entry(self, api, client):
        api.get(
            f"{API}/v4/buildings/577696272/access_logs/525036436",
            json={"data": RECORDED_ACCESS_LOGS[2]},
        )

        assert client.access_log(577696272, 525036436).name == "Duncan Idaho"


class TestCalls:
    def test_the_recorded_answer_field_by_field(self, api, client):
        api.get(
            f"{API}/v4/buildings/577696272/calls",
            json={"data": RECORDED_CALLS, "page_info": LAST_PAGE},
        )

        to_tenant, to_attendant = client.calls_page(577696272).items

        assert to_tenant == Call(
            id=784634795,
            building_id=577696272,
            logged_at=datetime(2026, 6, 16, 15, 12, 19, tzinfo=UTC),
            notification_type="visitor",
            recipient_id=636166899,
            recipient_type="Tenant",
            unit_id=88603419,
            device_id=408919060,
            device_name="Virtual Lobby",
            status=None,
            image_url=PHOTO,
        )
        assert (to_attendant.unit_id, to_attendant.recipient_type, to_attendant.status) == (
            None,
            "Attendant",
            "initializing",
        )

    def test_calls_of_another_building_are_dropped(self, api, client, caplog):
        api.get(
            f"{API}/v4/buildings/577696272/calls",
            json={
                "data": [RECORDED_CALLS[0], {**RECORDED_CALLS[1], "building_id": 1}],
                "page_info": LAST_PAGE,
            },
        )

        with caplog.at_level(logging.WARNING):
            page = client.calls_page(577696272)

        assert [call.id for call in page.items] == [784634795]
        assert "outside building" in caplog.text

    def test_one_call_and_one_of_another_building(self, api, client):
        api.get(f"{API}/v4/buildings/577696272/calls/784634795", json={"data": RECORDED_CALLS[0]})
        api.get(
            f"{API}/v4/buildings/5/calls/784634795",
            json={"data": RECORDED_CALLS[0]},
        )

        assert client.call(577696272, 784634795).device_name == "Virtual Lobby"
        with pytest.raises(NotFound):
            client.call(5, 784634795)


class TestPhoto:
    def test_fetched_without_the_token_and_never_logged(self, api, caplog):
        api.get(PHOTO, body=PNG, content_type="image/png")

        with caplog.at_level(logging.DEBUG, logger="residents.butterflymx.client"):
            photo = photo_fetch(PHOTO)

        assert (photo.content, photo.content_type) == (PNG, "image/png")
        assert "Authorization" not in api.calls[0].request.headers
        assert "ac628b8b" not in caplog.text
        assert "intercom photo" in caplog.text

    @pytest.mark.parametrize(
        ("content_type", "body"),
        [
            ("image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>"),
            ("text/html", b"<html></html>"),
            ("image/png", b"\x00" * (MAX_PHOTO_BYTES + 1)),
        ],
    )
    def test_only_a_raster_image_of_sensible_size(self, api, content_type, body):
        api.get(PHOTO, body=body, content_type=content_type)

        with pytest.raises(BadResponse):
            photo_fetch(PHOTO)

    def test_a_missing_photo_and_a_dropped_connection(self, api):
        api.get(PHOTO, status=404)
        api.get(PHOTO + "?again", body=requests.ConnectionError("reset"))

        with pytest.raises(NotFound):
            photo_fetch(PHOTO)
        with pytest.raises(Unavailable):
            photo_fetch(PHOTO + "?again")

    def test_only_web_addresses(self):
        with pytest.raises(ValueError, match="HTTP"):
            photo_fetch("file:///etc/passwd")
