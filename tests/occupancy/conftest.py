"""Fixtures for the occupancy tests: a Butlr answered by `responses`."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import responses
from django.core.cache import cache
from django.urls import reverse

BUTLR = "https://butlr.test"


@pytest.fixture
def clock_cache(settings):
    """A local-memory cache for tests that move the clock to expire entries: it expires
    them by the test's clock, while Redis (in CI) expires them by its own."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "occupancy-clock-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def butlr_settings(settings):
    settings.BUTLR_API_URL = BUTLR
    settings.BUTLR_CLIENT_ID = "client-id-for-tests"
    settings.BUTLR_CLIENT_SECRET = "very-secret-client-secret"
    settings.BUTLR_RETRIES = 2
    settings.BUTLR_RETRY_BACKOFF = 0.01
    settings.BUTLR_RETRY_AFTER_MAX = 0.5
    settings.BUTLR_CONNECT_TIMEOUT = 0.5
    settings.BUTLR_READ_TIMEOUT = 0.5
    settings.BUTLR_TOKEN_RENEW_MARGIN = 300
    return settings


@pytest.fixture
def butlr_api(butlr_settings):
    """A mocked Butlr whose login hands out numbered tokens valid for an hour."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        issued = []

        def login(request):
            issued.append(f"token-{len(issued) + 1}")
            body = {"access_token": issued[-1], "expires_in": 3600, "token_type": "Bearer"}
            return 200, {}, json.dumps(body)

        mock.add_callback(responses.POST, f"{BUTLR}/api/v2/clients/login", callback=login)
        mock.issued = issued
        yield mock


SITE_TZ = "America/Chicago"
FLOOR_1 = "space_floor1"
FLOOR_2 = "space_floor2"
ROOM_A = "room_quietroom"
ROOM_B = "room_meeting"
ROOM_C = "room_lounge"
SENSOR_A = "00-17-0d-00-00-aa-aa-aa"


def _sensor(sensor_id, floor_id, room_id, mac, *, entrance=False):
    return {
        "id": sensor_id,
        "mac_address": mac,
        "name": "Door counter" if entrance else f"Sensor {sensor_id}",
        "mode": "traffic" if entrance else "presence",
        "floor_id": floor_id,
        "room_id": room_id,
        "is_entrance": entrance,
        "is_online": True,
        "last_heartbeat": None,
    }


def _room(room_id, name, floor_id, capacity):
    return {
        "id": room_id,
        "name": name,
        "floor_id": floor_id,
        "capacity": {"max": capacity, "mid": None},
        "area": None,
    }


def _floor(floor_id, name, number, capacity, rooms):
    return {
        "id": floor_id,
        "name": name,
        "building_id": "building_tower",
        "timezone": SITE_TZ,
        "floorNumber": number,
        "capacity": {"max": capacity, "mid": None},
        "area": None,
        "rooms": rooms,
    }


# Shaped as Butlr answers the topology query: list roots wrapped in "data", sensors listed
# apart and placed by floor_id / room_id.
TOPOLOGY = {
    "sites": {
        "data": [
            {
                "id": "site_lakeside",
                "name": "Lakeside",
                "timezone": SITE_TZ,
                "buildings": [
                    {
                        "id": "building_tower",
                        "name": "Lake Tower",
                        "site_id": "site_lakeside",
                        "capacity": {"max": 200, "mid": None},
                        "floors": [
                            _floor(
                                FLOOR_1,
                                "Ground floor",
                                1,
                                40,
                                [
                                    _room(ROOM_A, "Quiet room", FLOOR_1, 10),
                                    _room(ROOM_B, "Meeting room", FLOOR_1, 20),
                                ],
                            ),
                            _floor(
                                FLOOR_2,
                                "Second floor",
                                2,
                                None,
                                [_room(ROOM_C, "Lounge", FLOOR_2, 8)],
                            ),
                        ],
                    }
                ],
            }
        ]
    },
    "sensors": {
        "data": [
            _sensor(f"sensor_{ROOM_A}", FLOOR_1, ROOM_A, SENSOR_A),
            _sensor(f"sensor_{ROOM_B}", FLOOR_1, ROOM_B, "00-17-0d-00-00-bb"),
            _sensor("sensor_door", FLOOR_1, None, "00-door", entrance=True),
            _sensor(f"sensor_{ROOM_C}", FLOOR_2, ROOM_C, "00-17-0d-00-00-cc"),
        ]
    },
}
BUILDING = TOPOLOGY["sites"]["data"][0]["buildings"][0]
# The fake's figures: "now" (the 1-minute medians' median) and a per-window value.
NOW = {FLOOR_1: 18, FLOOR_2: 3, ROOM_A: 2, ROOM_B: 15, ROOM_C: 8}
EVERY = {"1m": 60, "5m": 300, "15m": 900, "1h": 3600, "6h": 21600}


def fake_value(space, moment, function):
    """A deterministic value per space and window: max is mean plus two."""
    base = (int(moment.timestamp()) // 300 + len(space)) % 7
    return base + (2 if function == "max" else 0)


class FakeButlr:
    """Answers Butlr's GraphQL, reporting and detections like the real service would."""

    def __init__(self, mock):
        self.mock = mock
        self.reporting_bodies = []
        self.detections_bodies = []
        self.graphql_calls = 0
        # When set, answers every reporting and detections call instead (it may raise).
        self.fault = None
        # When set, says whether a reporting body fails (with ``fault``).
        self.fails = None
        self.topology = TOPOLOGY
        # Added to every value of a series (not to "now").
        self.offset = 0
        # Spaces whose every value is 0.
        self.empty = set()
        # The share of readings missing, per space.
        self.missing = {}

    def graphql(self, request):
        self.graphql_calls += 1
        return 200, {}, json.dumps({"data": self.topology})

    def detections(self, request):
        self.detections_bodies.append(json.loads(request.body))
        if self.fault:
            return self.fault(request)
        points = [[0.05, 0.05], [0.07, 0.02], [0.95, 0.95]]
        item = {"start_time": 0, "sample_time": 1000, "mac_address": SENSOR_A, "value": points}
        return 200, {}, json.dumps({"detections_local": [item, {**item, "value": [[0.06, 0.04]]}]})

    def reporting(self, request):
        body = json.loads(request.body)
        self.reporting_bodies.append(body)
        if self.fault and (self.fails is None or self.fails(body)):
            return self.fault(request)
        query = body["filter"]
        measurement = query["measurements"][0]
        order = body.get("group_by", {}).get("order", [])
        window = body.get("window", {})
        zone = ZoneInfo(window.get("timezone", "UTC"))
        start = datetime.fromisoformat(query["start"].replace("Z", "+00:00"))
        stop = datetime.fromisoformat(query["stop"].replace("Z", "+00:00"))
        spaces = query.get("spaces", {}).get("eq", [])
        if measurement == "room_occupancy":
            floors = [f for f in BUILDING["floors"] if f["id"] in spaces]
            keys = [("room_id", room["id"]) for floor in floors for room in floor["rooms"]]
        elif measurement == "traffic":
            keys = [("field", "in"), ("field", "out")]
        else:
            keys = [("space_id", space) for space in spaces]
        data = {}
        for name, space in keys:
            quality = {}
            if space in self.missing:
                quality = {"data_incomplete": True, "null_percentage": self.missing[space]}
            if order == [name]:
                value = 0 if space in self.empty else NOW.get(space, 5)
                data[space] = {
                    "median": value,
                    "mean": value,
                    "max": value + 1,
                    "count": 5,
                    **quality,
                }
                continue
            step = timedelta(seconds=EVERY[window["every"]])
            moment = start
            series = {}
            while moment < stop:
                value = fake_value(space, moment, window["function"]) + self.offset
                value = 0 if space in self.empty else value
                stamp = moment.astimezone(zone).isoformat()
                series[stamp] = {"sum": value, "max": value, "mean": value, "count": 1}
                moment += step
            data[space] = series
        return 200, {}, json.dumps({"data": data})


@pytest.fixture
def fake_butlr(butlr_api):
    fake = FakeButlr(butlr_api)
    butlr_api.add_callback(responses.POST, f"{BUTLR}/api/v3/graphql", callback=fake.graphql)
    butlr_api.add_callback(responses.POST, f"{BUTLR}/api/v3/reporting", callback=fake.reporting)
    butlr_api.add_callback(responses.POST, f"{BUTLR}/api/v3/detections", callback=fake.detections)
    return fake


RHYTHM_URL = reverse("occupancy:dashboard_rhythm")


def with_rhythm(client, url: str):
    """The dashboard at ``url`` as a browser leaves it: when the weekly rhythm was not built
    yet, the page asks for it on its own, and the next load shows it in place."""
    page = client.get(url)
    if page.status_code == 200 and page.context["board"].rhythm_pending:
        query = url.partition("?")[2]
        part = client.get(f"{RHYTHM_URL}?{query}", headers={"HX-Request": "true"})
        assert part.status_code == 200
        page = client.get(url)
    return page
