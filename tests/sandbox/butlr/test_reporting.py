"""Tests of the Butlr sandbox's reporting endpoint: shapes, ranges, windows, errors."""

import itertools
import math
from collections import defaultdict
from datetime import datetime

import pytest
import requests
import time_machine

from sandbox.butlr import series
from sandbox.butlr.answers import answers_forget
from sandbox.butlr.auth import token_issue
from sandbox.butlr.world import WORLD, Floor, Room

pytestmark = pytest.mark.django_db

REPORTING = "api/v3/reporting"
# A Friday, noon in New York.
NOW = "2026-11-20T17:00:00Z"
GROUND = WORLD.named(Floor, "Ground floor")
ROOFTOP = WORLD.named(Floor, "Rooftop")
LAKESIDE_SECOND = WORLD.named(Floor, "Second floor")
FLAT_KEYS = {
    "field",
    "measurement",
    "time",
    "value",
    "building_id",
    "building_name",
    "space_id",
    "space_name",
    "room_id",
    "room_name",
    "zone_id",
    "zone_name",
    "data_incomplete",
    "null_percentage",
}
STAT_KEYS = {"sum", "min", "max", "count", "mean", "median", "stddev", "first", "last"}


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def _body(*, order=None, measurements=("room_occupancy",), spaces=None, rooms=None, **window):
    body = {
        "filter": {
            "measurements": list(measurements),
            "start": window.pop("start", "2026-11-20T13:00:00Z"),
            "stop": window.pop("stop", "2026-11-20T16:00:00Z"),
        },
        "window": {"every": "30m", "function": "max", "timezone": "America/New_York", **window},
    }
    if spaces is not None:
        body["filter"]["spaces"] = {"eq": spaces}
    if rooms is not None:
        body["filter"]["rooms"] = {"eq": rooms}
    if order is not None:
        body["group_by"] = {"order": order}
    return body


def _report(butlr_post, body):
    response = butlr_post(REPORTING, body)
    assert response.status_code == 200, response.content
    return response.json()["data"]


def test_without_group_by_the_answer_is_a_flat_list_of_points(butlr_post):
    points = _report(butlr_post, _body(spaces=[GROUND.id]))

    rooms = WORLD.rooms_of(GROUND.id)
    assert len(points) == len(rooms) * 6
    assert all(set(point) == FLAT_KEYS for point in points)
    lobby = next(point for point in points if point["room_name"] == "Lobby")
    assert lobby["measurement"] == "room_occupancy"
    assert lobby["field"] == "occupancy"
    assert lobby["space_id"] == GROUND.id
    assert lobby["space_name"] == "Ground floor"
    assert lobby["building_name"] == "Harbor Point"
    assert lobby["time"] == "2026-11-20T08:00:00-05:00"
    assert isinstance(lobby["value"], int)
    assert 0 <= lobby["null_percentage"] <= 1


def test_floor_points_carry_no_room(butlr_post):
    points = _report(butlr_post, _body(measurements=["floor_occupancy"], spaces=[GROUND.id]))

    assert {point["space_id"] for point in points} == {GROUND.id}
    assert all(point["room_id"] is None and point["room_name"] is None for point in points)


def _expected_groups(points, order):
    groups = defaultdict(list)
    for point in points:
        path = tuple("null" if point[key] is None else point[key] for key in order)
        groups[path].append(point)
    return groups


def _walk(data, depth, path=()):
    if depth == 0:
        yield path, data
        return
    for key, inner in data.items():
        yield from _walk(inner, depth - 1, (*path, key))


ALL_MEASUREMENTS = ("room_occupancy", "floor_occupancy", "traffic")
ORDERS = [
    list(order)
    for size in (1, 2, 4)
    for order in itertools.permutations(["time", "space_id", "room_id", "field"], size)
] + [["building_id"], ["building_id", "space_id", "time"], ["time", "building_id", "field"]]


@pytest.mark.parametrize("order", ORDERS, ids="-".join)
def test_every_grouping_order_nests_the_windowed_points(butlr_post, order):
    spaces = [GROUND.id, ROOFTOP.id]
    flat = _report(butlr_post, _body(measurements=ALL_MEASUREMENTS, spaces=spaces))
    grouped = _report(butlr_post, _body(measurements=ALL_MEASUREMENTS, spaces=spaces, order=order))

    expected = _expected_groups(flat, order)
    leaves = dict(_walk(grouped, len(order)))
    assert set(leaves) == set(expected)
    for path, leaf in leaves.items():
        points = expected[path]
        values = [point["value"] for point in points]
        assert set(leaf) >= STAT_KEYS
        assert leaf["count"] == len(values)
        assert leaf["sum"] == sum(values)
        assert leaf["min"] == min(values)
        assert leaf["max"] == max(values)
        assert leaf["mean"] == pytest.approx(sum(values) / len(values))
        earliest = min(point["time"] for point in points)
        latest = max(point["time"] for point in points)
        assert leaf["first"] in [p["value"] for p in points if p["time"] == earliest]
        assert leaf["last"] in [p["value"] for p in points if p["time"] == latest]
        assert leaf["data_incomplete"] == any(point["data_incomplete"] for point in points)


def test_time_keys_are_in_chronological_order(butlr_post):
    data = _report(butlr_post, _body(order=["room_id", "time"], spaces=[GROUND.id]))

    for by_time in data.values():
        keys = list(by_time)
        assert keys == sorted(keys, key=datetime.fromisoformat)
        assert keys[0] == "2026-11-20T08:00:00-05:00"


def test_leaf_statistics_are_right_for_a_known_group(butlr_post):
    lobby = WORLD.named(Room, "Lobby")
    flat = _report(butlr_post, _body(rooms=[lobby.id]))
    leaf = _report(butlr_post, _body(rooms=[lobby.id], order=["field"]))["occupancy"]

    values = [point["value"] for point in flat]
    ordered = sorted(values)
    mean = sum(values) / len(values)
    assert leaf["median"] == (ordered[2] + ordered[3]) / 2
    assert leaf["stddev"] == pytest.approx(
        math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    )
    assert leaf["first"] == values[0]
    assert leaf["last"] == values[-1]


def test_a_leaf_of_one_window_has_that_windows_figures(butlr_post):
    lobby = WORLD.named(Room, "Lobby")
    flat = _report(butlr_post, _body(rooms=[lobby.id]))
    leaves = _report(butlr_post, _body(rooms=[lobby.id], order=["time"]))

    assert len(leaves) == len(flat)
    for point in flat:
        leaf, value = leaves[point["time"]], point["value"]
        assert leaf == {
            "sum": value,
            "min": value,
            "max": value,
            "count": 1,
            "mean": value,
            "median": value,
            "stddev": 0.0,
            "first": value,
            "last": value,
            "data_incomplete": point["data_incomplete"],
            "null_percentage": point["null_percentage"],
        }
        assert isinstance(leaf["mean"], float)


def test_traffic_has_in_and_out_fields(butlr_post):
    data = _report(
        butlr_post,
        _body(
            measurements=["traffic"], spaces=[GROUND.id], order=["time", "field"], function="sum"
        ),
    )

    assert len(data) == 6
    assert all(set(fields) == {"in", "out"} for fields in data.values())
    assert sum(fields["in"]["sum"] for fields in data.values()) > 0


def test_the_seed_documents_request_shape_answers_per_floor_and_field(butlr_post):
    body = {
        "group_by": {"order": ["space_id", "field"]},
        "window": {"every": "5m", "function": "max"},
        "filter": {"start": "-1d", "measurements": ["floor_occupancy"]},
    }

    data = _report(butlr_post, body)

    assert set(data) == {floor.id for floor in WORLD.floors}
    for fields in data.values():
        assert set(fields) == {"occupancy"}
        assert fields["occupancy"]["count"] == 24 * 12


def test_a_relative_range_equals_the_same_absolute_range(butlr_post):
    relative = _report(butlr_post, _body(spaces=[GROUND.id], start="-24h", stop="now"))
    absolute = _report(
        butlr_post,
        _body(spaces=[GROUND.id], start="2026-11-19T17:00:00Z", stop="2026-11-20T17:00:00Z"),
    )

    assert relative == absolute
    assert len(relative) == len(WORLD.rooms_of(GROUND.id)) * 48


@pytest.mark.parametrize(("start", "windows"), [("-30m", 1), ("-1d", 2), ("-7d", 8)])
def test_relative_starts_in_minutes_and_days(butlr_post, start, windows):
    lobby = WORLD.named(Room, "Lobby")
    body = _body(rooms=[lobby.id], start=start, stop="now", every="1d")

    assert len(_report(butlr_post, body)) == windows


def test_stop_defaults_to_now_and_the_future_has_no_data(butlr_post):
    lobby = WORLD.named(Room, "Lobby")
    body = _body(rooms=[lobby.id], start="2026-11-20T14:00:00Z", stop="2026-11-21T14:00:00Z")
    body["window"]["every"] = "1h"
    without_stop = _body(rooms=[lobby.id], start="2026-11-20T14:00:00Z", every="1h")
    del without_stop["filter"]["stop"]

    points = _report(butlr_post, body)

    assert [point["time"][11:16] for point in points] == ["09:00", "10:00", "11:00"]
    assert _report(butlr_post, without_stop) == points
    assert (
        _report(butlr_post, _body(start="2026-11-21T00:00:00Z", stop="2026-11-22T00:00:00Z")) == []
    )


@pytest.mark.parametrize(
    ("timezone", "suffix"),
    [("America/New_York", "T00:00:00-05:00"), ("America/Chicago", "T00:00:00-06:00")],
)
def test_a_day_window_starts_at_local_midnight(butlr_post, timezone, suffix):
    cafe = WORLD.named(Room, "Café")
    body = _body(
        rooms=[cafe.id],
        start="2026-11-17T15:00:00Z",
        stop="2026-11-20T15:00:00Z",
        every="1d",
        timezone=timezone,
    )

    points = _report(butlr_post, body)

    assert [point["time"] for point in points] == [
        f"2026-11-{day}{suffix}" for day in ("17", "18", "19", "20")
    ]


def test_a_day_window_holds_exactly_that_local_day(butlr_post):
    cafe = WORLD.named(Room, "Café")
    body = _body(
        rooms=[cafe.id],
        start="2026-11-18T05:00:00Z",
        stop="2026-11-19T05:00:00Z",
        every="1d",
        function="sum",
    )
    (point,) = _report(butlr_post, body)

    day = series.room_day(cafe.id, datetime(2026, 11, 18).date())
    assert point["time"] == "2026-11-18T00:00:00-05:00"
    assert point["value"] == sum(day.fields["occupancy"])


@pytest.mark.parametrize(
    ("timezone", "every", "expected"),
    [
        ("Asia/Kolkata", "1h", [f"2026-11-20T{h:02}:00:00+05:30" for h in range(5, 12)]),
        ("UTC", "1h", [f"2026-11-20T{h:02}:00:00+00:00" for h in range(6)]),
        ("America/New_York", "6h", ["2026-11-19T18:00:00-05:00", "2026-11-20T00:00:00-05:00"]),
    ],
)
def test_windows_align_to_the_local_clock_of_the_window_timezone(
    butlr_post, timezone, every, expected
):
    lobby = WORLD.named(Room, "Lobby")
    body = _body(
        rooms=[lobby.id],
        start="2026-11-20T00:00:00Z",
        stop="2026-11-20T06:00:00Z",
        every=every,
        timezone=timezone,
    )

    assert [point["time"] for point in _report(butlr_post, body)] == expected


def test_windows_follow_the_clock_change(butlr_post):
    lobby = WORLD.named(Room, "Lobby")
    body = _body(
        rooms=[lobby.id],
        start="2026-11-01T00:00:00-04:00",
        stop="2026-11-02T00:00:00-05:00",
        every="1h",
    )

    times = [point["time"] for point in _report(butlr_post, body)]

    assert len(times) == 25
    assert times[1:3] == ["2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00"]


def test_a_week_window_starts_on_a_local_monday(butlr_post):
    lobby = WORLD.named(Room, "Lobby")
    body = _body(rooms=[lobby.id], start="-14d", stop="now", every="1w")

    times = [point["time"] for point in _report(butlr_post, body)]

    assert times == [
        "2026-11-02T00:00:00-05:00",
        "2026-11-09T00:00:00-05:00",
        "2026-11-16T00:00:00-05:00",
    ]


def test_filters_pick_rooms_and_floors(butlr_post):
    gym = WORLD.named(Room, "Gym")
    rooms_only = _report(butlr_post, _body(rooms=[gym.id]))
    floor_rooms = _report(butlr_post, _body(spaces=[ROOFTOP.id]))
    floors = _report(butlr_post, _body(measurements=["floor_occupancy"], rooms=[gym.id]))
    nothing = _report(butlr_post, _body(rooms=["room_unknown"]))

    assert {point["room_id"] for point in rooms_only} == {gym.id}
    assert {point["room_name"] for point in floor_rooms} == {"Roof terrace", "Party room"}
    assert {point["space_id"] for point in floors} == {gym.floor_id}
    assert nothing == []


def test_the_value_filter_drops_points(butlr_post):
    body = _body(spaces=[GROUND.id, ROOFTOP.id], start="2026-11-20T05:00:00Z")
    everything = _report(butlr_post, body)
    body["filter"]["value"] = {"gte": 1}
    some = _report(butlr_post, body)

    assert any(point["value"] == 0 for point in everything)
    assert some
    assert all(point["value"] >= 1 for point in some)
    assert len(some) < len(everything)


def test_window_functions_aggregate_the_minutes_of_each_window(butlr_post):
    lobby = WORLD.named(Room, "Lobby")

    def values(function, every="1h"):
        body = _body(rooms=[lobby.id], every=every, function=function)
        return [point["value"] for point in _report(butlr_post, body)]

    minutes = values("first", every="1m")
    hours = [minutes[hour * 60 : (hour + 1) * 60] for hour in range(3)]
    assert len(minutes) == 180
    assert values("min") == [min(hour) for hour in hours]
    assert values("max") == [max(hour) for hour in hours]
    assert values("sum") == [sum(hour) for hour in hours]
    assert values("mean") == pytest.approx([sum(hour) / 60 for hour in hours])
    assert values("median") == [(sorted(h)[29] + sorted(h)[30]) / 2 for h in hours]
    assert values("first") == [hour[0] for hour in hours]
    assert values("last") == [hour[-1] for hour in hours]


def test_an_offline_sensor_marks_its_data_incomplete(butlr_post):
    quiet = WORLD.named(Room, "Quiet room")
    body = _body(rooms=[quiet.id], timezone="America/Chicago")
    roof_traffic = _body(measurements=["traffic"], spaces=[ROOFTOP.id])

    points = _report(butlr_post, body)
    traffic = _report(butlr_post, roof_traffic)

    assert points
    assert all(point["data_incomplete"] for point in points)
    assert all(point["null_percentage"] == 1.0 for point in points)
    assert all(point["null_percentage"] >= 0.5 for point in traffic)


def test_some_but_few_points_of_online_sensors_are_incomplete(butlr_post):
    body = _body(start="-7d", stop="now", every="15m")

    points = [p for p in _report(butlr_post, body) if p["room_name"] != "Quiet room"]

    incomplete = sum(point["data_incomplete"] for point in points) / len(points)
    assert 0.005 < incomplete < 0.06


def test_the_same_query_answers_the_same(butlr_post):
    body = _body(measurements=ALL_MEASUREMENTS, order=["space_id", "time", "field"], every="5m")
    first = _report(butlr_post, body)
    for cached in (series.room_day, series.floor_day, series.traffic_day):
        cached.cache_clear()
    answers_forget()

    assert _report(butlr_post, body) == first


def test_a_week_at_hourly_windows_answers_for_every_hour(butlr_post):
    body = _body(spaces=[LAKESIDE_SECOND.id], start="-7d", stop="now", every="1h")
    body["window"]["timezone"] = "America/Chicago"
    body["group_by"] = {"order": ["room_id", "time"]}

    data = _report(butlr_post, body)

    assert len(data) == len(WORLD.rooms_of(LAKESIDE_SECOND.id))
    assert all(len(by_time) == 7 * 24 for by_time in data.values())


@pytest.mark.parametrize(
    ("body", "hint"),
    [
        ([], "JSON object"),
        ({"filter": {"start": "-1d"}}, "measurements"),
        ({"filter": {"measurements": ["room_occupancy"]}}, "start"),
        ({"filter": {"measurements": ["desk_occupancy"], "start": "-1d"}}, "desk_occupancy"),
        ({"filter": {"measurements": ["room_occupancy"], "start": "yesterday"}}, "yesterday"),
        (
            {"filter": {"measurements": ["room_occupancy"], "start": "2026-11-20T10:00:00"}},
            "offset",
        ),
        ({"filter": {"measurements": ["room_occupancy"], "start": "-1h", "stop": "-2h"}}, "later"),
        ({"filter": {"measurements": ["room_occupancy"], "start": "-100d"}}, "92 days"),
        ({"filter": {"measurements": ["room_occupancy"], "start": "-30d"}}, "window.every"),
        (
            {
                "filter": {"measurements": ["room_occupancy"], "start": "-1d"},
                "window": {"every": "10m"},
            },
            "10m",
        ),
        (
            {
                "filter": {"measurements": ["room_occupancy"], "start": "-1d"},
                "window": {"function": "avg"},
            },
            "avg",
        ),
        (
            {
                "filter": {"measurements": ["room_occupancy"], "start": "-1d"},
                "window": {"timezone": "Mars/Base"},
            },
            "Mars/Base",
        ),
        (
            {
                "filter": {"measurements": ["room_occupancy"], "start": "-1d"},
                "group_by": {"order": ["floor"]},
            },
            "floor",
        ),
        (
            {
                "filter": {"measurements": ["room_occupancy"], "start": "-1d"},
                "group_by": {"order": ["time", "time"]},
            },
            "twice",
        ),
        (
            {
                "filter": {"measurements": ["room_occupancy"], "start": "-1d"},
                "group_by": {"order": "time"},
            },
            "group_by.order",
        ),
        (
            {
                "filter": {
                    "measurements": ["room_occupancy"],
                    "start": "-1d",
                    "spaces": {"in": ["x"]},
                }
            },
            "filter.spaces",
        ),
        (
            {
                "filter": {
                    "measurements": ["room_occupancy"],
                    "start": "-1d",
                    "value": {"gte": "zero"},
                }
            },
            "number",
        ),
        ({"filter": "everything"}, "filter must be an object"),
    ],
)
def test_bad_bodies_get_400_with_a_clear_message(butlr_post, body, hint):
    response = butlr_post(REPORTING, body)

    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert hint in response.json()["message"]


def test_a_body_that_is_not_json_gets_400(client, settings):
    token = token_issue(subject=settings.SANDBOX_BUTLR_CLIENT_ID, kind="access", lifetime=60)

    response = client.post(
        f"/sandbox/butlr/{REPORTING}",
        data=b"{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 400
    assert "JSON" in response.json()["message"]


@pytest.mark.parametrize("token", [None, "forged", "Bearer"])
def test_reporting_needs_a_valid_token(butlr_post, token):
    response = butlr_post(REPORTING, _body(), token=token)

    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def test_an_expired_token_is_refused(butlr_post, settings):
    settings.SANDBOX_BUTLR_TOKEN_LIFETIME = 30
    with time_machine.travel(NOW, tick=False) as traveller:
        token = butlr_post(
            "api/v2/clients/login",
            {
                "client_id": settings.SANDBOX_BUTLR_CLIENT_ID,
                "client_secret": settings.SANDBOX_BUTLR_CLIENT_SECRET,
                "audience": "https://butlrauth/",
                "grant_type": "client_credentials",
            },
            token=None,
        ).json()["access_token"]
        assert butlr_post(REPORTING, _body(), token=token).status_code == 200
        traveller.shift(31)
        assert butlr_post(REPORTING, _body(), token=token).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_reporting_over_http(butlr_sandbox):
    response = requests.post(
        f"{butlr_sandbox.api_url}/api/v3/reporting",
        json=_body(spaces=[GROUND.id], order=["space_id", "field"]),
        headers={"Authorization": f"Bearer {butlr_sandbox.token()}"},
        timeout=5,
    )

    assert response.status_code == 200
    assert response.json()["data"][GROUND.id]["occupancy"]["count"] == 6 * 3
    assert butlr_sandbox.calls("butlr.reporting") == 1
