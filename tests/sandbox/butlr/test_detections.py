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


def _detect(butlr_post, **filters):
    body = {
        "data_types": ["detections_local"],
        "filter": {"start": "-15m", "stop": "now", **filters},
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
    first = _detect(butlr_post)

    assert {sample["mac_address"] for sample in first["detections_local"]} == {
        sensor.mac_address for sensor in WORLD.sensors if sensor.mode == "presence"
    }
    assert _detect(butlr_post) == first


def test_omit_empty_value_leaves_out_the_empty_samples(butlr_post):
    quiet = WORLD.named(Room, "Quiet room")

    offline = _detect(butlr_post, room_id=quiet.id)["detections_local"]
    omitted = _detect(butlr_post, room_id=quiet.id, omit_empty_value=True)["detections_local"]

    assert len(offline) == 15
    assert all(sample["value"] == [] for sample in offline)
    assert omitted == []


def test_a_range_that_has_not_begun_has_no_samples(butlr_post):
    later = {"start": "2026-11-20T15:35:00Z", "stop": "2026-11-20T15:40:00Z"}
    body = {"data_types": ["detections_local"], "filter": later}

    response = butlr_post(DETECTIONS, body)

    assert response.json() == {"detections_local": []}


@pytest.mark.parametrize(
    ("body", "hint"),
    [
        ({"filter": {"start": "-5m"}}, "data_types"),
        ({"data_types": ["detections_world"], "filter": {"start": "-5m"}}, "detections_world"),
        ({"data_types": ["detections_local"], "filter": {}}, "filter.start"),
        ({"data_types": ["detections_local"], "filter": {"start": "soon"}}, "soon"),
        ({"data_types": ["detections_local"], "filter": {"start": "-7d"}}, "too much"),
        ({"data_types": ["heatmap"], "filter": {"start": "-5m"}}, "heatmap"),
        ({"data_types": ["detections_local"], "filter": {"start": "-5m", "room_id": 7}}, "room_id"),
    ],
)
def test_bad_bodies_get_400(butlr_post, body, hint):
    response = butlr_post(DETECTIONS, body)

    assert response.status_code == 400
    assert hint in response.json()["message"]


def test_detections_need_a_token(butlr_post):
    body = {"data_types": ["detections_local"], "filter": {"start": "-5m"}}

    assert butlr_post(DETECTIONS, body, token=None).status_code == 401
