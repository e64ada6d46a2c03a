"""The heatmap's colour scale and its caption."""

from datetime import UTC, datetime

import pytest

from occupancy.butlr.detections import Detection
from occupancy.butlr.topology import Sensor
from occupancy.selectors import (
    HEAT_LEVELS,
    SENSOR_ORIENTATION_UNKNOWN,
    _sensor_heatmap,
    heat_caption,
    heat_level,
    heat_scale,
)

SENSOR = Sensor(
    id="sensor_1",
    mac_address="aa:bb",
    name="Desk sensor",
    mode="presence",
    floor_id="space_1",
    room_id="room_1",
    is_entrance=False,
    is_online=True,
    last_heartbeat=None,
)


def _labels(busiest):
    return [step.label for step in heat_scale(busiest)]


def test_the_scale_runs_from_none_to_the_busiest_square_in_five_shades():
    assert _labels(10) == ["0", "1\u20132", "3\u20134", "5\u20136", "7\u20138", "9\u201310"]
    assert [step.level for step in heat_scale(10)] == [0, 1, 2, 3, 4, 5]


def test_shades_no_whole_count_can_have_are_left_out():
    assert [(step.level, step.label) for step in heat_scale(2)] == [(0, "0"), (3, "1"), (5, "2")]
    assert _labels(1) == ["0", "1"]


@pytest.mark.parametrize("busiest", [1, 2, 3, 4, 5, 6, 7, 10, 13, 99])
def test_every_count_has_the_shade_its_step_of_the_scale_says(busiest):
    for step in heat_scale(busiest):
        for count in range(step.low, step.high + 1):
            assert heat_level(count, busiest) == step.level
    covered = [n for step in heat_scale(busiest) for n in range(step.low, step.high + 1)]
    assert covered == list(range(busiest + 1))
    assert heat_level(busiest, busiest) == HEAT_LEVELS


def test_the_caption_reads_as_a_person_would_say_it():
    assert heat_caption(
        room="Meeting room 2", sensor="Desk sensor", total=4, area="the top left", in_area=3
    ) == (
        "Where people were in Meeting room 2 over the last hour, as Desk sensor saw them. "
        "People were most often in the top left of its view (3 of 4 sightings)."
    )
    assert heat_caption(room="Lounge", sensor="S", total=1, area="the centre", in_area=1).endswith(
        "(1 of 1 sighting)."
    )
    assert (
        heat_caption(room="Lounge", sensor="S", total=0, area="", in_area=0)
        == "Nobody was seen in Lounge in the last hour."
    )


def _seen(*points):
    moment = datetime(2026, 11, 23, 14, tzinfo=UTC)
    return [Detection(mac_address="aa:bb", sampled_at=moment, points=tuple(points))]


def test_a_sensor_map_carries_its_scale_caption_and_unknown_orientation():
    view = _sensor_heatmap(
        SENSOR, _seen((0.05, 0.05), (0.05, 0.05), (0.05, 0.05), (0.95, 0.95)), room="Lounge"
    )
    assert [step.label for step in view.scale] == ["0", "1", "2", "3"]
    assert [step.level for step in view.scale] == [0, 2, 4, 5]
    assert {cell.level for cell in view.cells if cell.count} == {2, 5}
    assert "most often in the top left of its view (3 of 4 sightings)" in view.caption
    assert view.facing == SENSOR_ORIENTATION_UNKNOWN
    assert "orientation isn't known" in view.facing


def test_an_empty_map_has_a_scale_of_nothing_and_says_nobody_was_seen():
    view = _sensor_heatmap(SENSOR, [], room="Lounge")
    assert [step.label for step in view.scale] == ["0"]
    assert {cell.level for cell in view.cells} == {0}
    assert view.caption == "Nobody was seen in Lounge in the last hour."
