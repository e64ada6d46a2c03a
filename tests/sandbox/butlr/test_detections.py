"""Tests of the Butlr sandbox's detections endpoint."""

from datetime import datetime

import pytest
import time_machine

from sandbox.butlr import series
from sandbox.butlr.series import epoch_minute
from sandbox.butlr.world import WORLD, Room

pytestmark = pytest.mark.django_db

DETECTIONS = "api/v3/detections"
# A Friday, half past ten in the morning in New York: the open workspace is busy.
NOW = "2026-11-20T15:30:00Z"
WORKSPACE = WORLD.named(Room, "Open workspace")


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def _detect(butlr_post, *, data_types=("detections_local",), every="1m", **filters):
    body = {
        "data_types": list(data_types),
        "filter": {"start": "-15m", "stop": "now", **filters},
        "window": {"every": every, "function": "first"},
    }
    response = butlr_post(DETECTIONS, body)
    assert response.status_code == 200, response.content
    return response.json()


def _room_minutes(room):
    stop = epoch_minute(datetime.fromisoformat(NOW))
    fields, _ = series.series_minutes(kind="room", asset=room, start=stop - 15, stop=stop)
    return list(fields["occupancy"])


def test_points_per_sample_add_up_to_the_rooms_occupancy(butlr_post):
    samples = _detect(butlr_post, room_id=WORKSPACE.id)["detections_local"]

    sensors = WORLD.presence_sensors_of(WORKSPACE.id)
    assert {sample["mac_address"] for sample in samples} == {s.mac_address for s in sensors}
    per_minute = {}
    for sample in samples:
        per_minute.setdefault(sample["start_time"], 0)
        per_minute[sample["start_time"]] += len(sample["value"])
    assert list(per_minute.values()) == _room_minutes(WORKSPACE)
    assert sum(per_minute.values()) > 0


def test_samples_carry_times_and_coordinates_in_the_field_of_view(butlr_post):
    samples = _detect(butlr_post, room_id=WORKSPACE.id)["detections_local"]

    start = epoch_minute(datetime.fromisoformat(NOW)) - 15
    assert samples[0]["start_time"] == start * 60_000
    for sample in samples:
        assert set(sample) == {"start_time", "sample_time", "mac_address", "value"}
        assert sample["start_time"] <= sample["sample_time"] < sample["start_time"] + 60_000
        for x, y in sample["value"]:
            assert 0 <= x <= 1
            assert 0 <= y <= 1


def test_people_cluster_rather_than_scatter(butlr_post):
    samples = _detect(butlr_post, room_id=WORKSPACE.id)["detections_local"]
    points = [point for sample in samples for point in sample["value"]]

    cells = {(int(x * 5), int(y * 5)) for x, y in points}
    assert len(points) > 50
    assert len(cells) <= 15


def test_detections_are_deterministic(butlr_post):
    first = _detect(butlr_post, space_id=WORKSPACE.floor_id)

    assert _detect(butlr_post, space_id=WORKSPACE.floor_id) == first


def test_mac_addresses_and_omit_empty_value_narrow_the_answer(butlr_post):
    sensor = WORLD.presence_sensors_of(WORKSPACE.id)[0]
    quiet = WORLD.named(Room, "Quiet room")

    picked = _detect(butlr_post, mac_addresses=[sensor.mac_address])["detections_local"]
    offline = _detect(butlr_post, room_id=quiet.id)["detections_local"]
    omitted = _detect(butlr_post, room_id=quiet.id, omit_empty_value=True)["detections_local"]

    assert {sample["mac_address"] for sample in picked} == {sensor.mac_address}
    assert len(offline) == 15
    assert all(sample["value"] == [] for sample in offline)
    assert omitted == []


def test_a_heatmap_counts_the_detections_of_each_window(butlr_post):
    sensor = WORLD.presence_sensors_of(WORKSPACE.id)[0]
    answer = _detect(
        butlr_post,
        data_types=("detections_local", "heatmap"),
        every="5m",
        mac_addresses=[sensor.mac_address],
    )
    minutes = _detect(butlr_post, mac_addresses=[sensor.mac_address])["detections_local"]

    heatmaps = answer["heatmap"]
    assert len(heatmaps) == 3
    for heatmap in heatmaps:
        window = [
            sample
            for sample in minutes
            if heatmap["start_time"] <= sample["start_time"] < heatmap["stop_time"]
        ]
        assert sum(map(sum, heatmap["value"])) == sum(len(s["value"]) for s in window)
        assert len(heatmap["value"]) == 10


@pytest.mark.parametrize(
    ("body", "hint"),
    [
        ({"filter": {"start": "-5m"}}, "data_types"),
        ({"data_types": ["detections_world"], "filter": {"start": "-5m"}}, "detections_world"),
        ({"data_types": ["detections_local"], "filter": {}}, "filter.start"),
        ({"data_types": ["detections_local"], "filter": {"start": "soon"}}, "soon"),
        (
            {
                "data_types": ["detections_local"],
                "filter": {"start": "-5m"},
                "window": {"every": "7m"},
            },
            "7m",
        ),
        ({"data_types": ["detections_local"], "filter": {"start": "-7d"}}, "too much"),
        (
            {"data_types": ["detections_local"], "filter": {"start": "-5m", "mac_addresses": "x"}},
            "mac_addresses",
        ),
    ],
)
def test_bad_bodies_get_400(butlr_post, body, hint):
    response = butlr_post(DETECTIONS, body)

    assert response.status_code == 400
    assert hint in response.json()["message"]


def test_detections_need_a_token(butlr_post):
    body = {"data_types": ["detections_local"], "filter": {"start": "-5m"}}

    assert butlr_post(DETECTIONS, body, token=None).status_code == 401
