"""The dashboard's figures say what they leave out: offline sensors, missing readings, empty
rooms, and figures kept from before Butlr failed."""

import copy
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from occupancy.butlr.reporting import ReportingRow, Stats
from occupancy.butlr.topology import topology_parse
from occupancy.selectors import sensor_issues_of, zone_name
from tests.occupancy.conftest import FLOOR_1, ROOM_A, ROOM_B, TOPOLOGY

pytestmark = pytest.mark.django_db

URL = reverse("occupancy:dashboard")
# 09:02:30 in Chicago (CST, UTC-6).
MOMENT = datetime(2026, 11, 23, 15, 2, 30, tzinfo=UTC)
# Two days and three hours before MOMENT: 06:02 on Saturday 21 November in Chicago.
LAST_HEARD = MOMENT - timedelta(days=2, hours=3)


def _words(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))


def _with_offline_sensor(sensor_id: str) -> dict:
    topology = copy.deepcopy(TOPOLOGY)
    for sensor in topology["sensors"]["data"]:
        if sensor["id"] == sensor_id:
            sensor["is_online"] = False
            sensor["last_heartbeat"] = int(LAST_HEARD.timestamp())
    return topology


def test_a_room_counted_by_an_offline_sensor_says_so_and_when_it_was_last_heard(
    manager_client, fake_butlr
):
    fake_butlr.topology = _with_offline_sensor(f"sensor_{ROOM_A}")
    with time_machine.travel(MOMENT, tick=False):
        response = manager_client.get(URL)

    text = _words(response)
    message = (
        f"Figures incomplete: Sensor sensor_{ROOM_A} is offline, last heard from Sat 21 Nov 06:02."
    )
    # On the Quiet room's card and on its floor's, and nowhere else.
    assert text.count(message) == 2
    board = response.context["board"]
    assert [card.incomplete for card in board.rooms] == [True, False]
    assert [card.incomplete for card in board.floors] == [True, False]
    assert "Sensors to check" in text
    assert (
        f"Sensor sensor_{ROOM_A} (Quiet room, Ground floor): offline, last heard from "
        "Sat 21 Nov 06:02." in text
    )
    assert [issue.sensor.id for issue in board.sensors] == [f"sensor_{ROOM_A}"]


def test_with_every_sensor_online_and_complete_there_is_no_sensors_panel(
    manager_client, fake_butlr
):
    with time_machine.travel(MOMENT, tick=False):
        response = manager_client.get(URL)

    text = _words(response)
    assert "Sensors to check" not in text
    assert "Figures incomplete" not in text


def test_a_room_missing_more_than_30_percent_of_its_readings_is_incomplete(
    manager_client, fake_butlr
):
    fake_butlr.missing = {ROOM_A: 0.45, ROOM_B: 0.2}
    with time_machine.travel(MOMENT, tick=False):
        response = manager_client.get(URL)

    text = _words(response)
    board = response.context["board"]
    assert [card.incomplete for card in board.rooms] == [True, False]
    assert text.count("more than 30 % of the sensor readings are missing") == 1
    assert (
        f"Sensor sensor_{ROOM_A} (Quiet room, Ground floor): online, but 45 % of its readings "
        "are missing." in text
    )
    assert [issue.sensor.id for issue in board.sensors] == [f"sensor_{ROOM_A}"]


def test_offline_sensors_come_first_in_the_panel():
    topology = topology_parse(_with_offline_sensor("sensor_door"))
    building = topology.sites[0].buildings[0]
    rows = [
        ReportingRow(
            keys={"room_id": ROOM_B}, stats=Stats(), data_incomplete=True, null_percentage=None
        ),
        ReportingRow(
            keys={"space_id": FLOOR_1}, stats=Stats(), data_incomplete=True, null_percentage=0.1
        ),
    ]

    issues = sensor_issues_of(building=building, floor_rows=rows[1:], room_rows=rows[:1])

    # Without a share, Butlr's flag decides; with one, only above 30 % counts.
    assert [(issue.sensor.id, issue.offline, issue.place) for issue in issues] == [
        ("sensor_door", True, "Ground floor"),
        (f"sensor_{ROOM_B}", False, "Meeting room, Ground floor"),
    ]


def test_an_empty_room_says_no_one_today(manager_client, fake_butlr):
    fake_butlr.empty = {ROOM_A}
    with time_machine.travel(MOMENT, tick=False):
        response = manager_client.get(URL)

    text = _words(response)
    assert text.count("No one today") == 1
    assert "Today's peak: 0" not in text
    assert "at 00:00" not in text


def test_when_butlr_fails_for_some_figures_every_figure_is_the_last_good_one(
    manager_client, fake_butlr
):
    """The current figures fail while today's come back fresher: the page must not put the
    fresh peaks next to the old "now" and its time."""
    with time_machine.travel(MOMENT, tick=False) as clock:
        first = manager_client.get(URL).context["board"]
        # An answer Butlr garbled spares only its own query: the others are asked again.
        fake_butlr.fault = lambda request: (200, {}, '{"rows": []}')
        fake_butlr.fails = lambda body: body["group_by"]["order"] in (["space_id"], ["room_id"])
        fake_butlr.offset = 10
        clock.shift(timedelta(minutes=6))
        pages = [manager_client.get(URL), manager_client.get(URL, headers={"HX-Request": "true"})]

    for page in pages:
        board = page.context["board"]
        text = _words(page)
        assert board.summary == first.summary
        assert board.floors == first.floors
        assert board.rooms == first.rooms
        assert board.traffic == first.traffic
        assert "sent figures we couldn't read" in text
        assert "Showing the last figures we received, as of 09:02." in text
        assert "these are from 09:02." in text
        assert "last checked" not in text
    # The fresher answers were asked for: a plain fallback per query would have shown them.
    assert any(
        body["group_by"]["order"] == ["space_id", "time"]
        and datetime.fromisoformat(body["filter"]["stop"].replace("Z", "+00:00"))
        == MOMENT.replace(minute=5, second=0)
        for body in fake_butlr.reporting_bodies
    )


def test_a_failing_chart_says_its_own_figures_are_older(manager_client, fake_butlr):
    with time_machine.travel(MOMENT, tick=False) as clock:
        manager_client.get(URL)
        fake_butlr.fault = lambda request: (503, {}, "{}")
        fake_butlr.fails = lambda body: body["window"]["function"] == "mean"
        clock.shift(timedelta(minutes=6))
        response = manager_client.get(URL)

    text = _words(response)
    assert "these are the last figures we received, as of 09:02." in text


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("America/New_York", "New York time"),
        ("America/Chicago", "Chicago time"),
        ("America/Argentina/Buenos_Aires", "Buenos Aires time"),
        ("Europe/London", "London time"),
        ("UTC", "UTC"),
    ],
)
def test_time_zones_are_named_as_people_know_them(key, name):
    assert zone_name(key) == name


def test_the_page_names_the_buildings_zone_and_writes_times_one_way(manager_client, fake_butlr):
    with time_machine.travel(MOMENT, tick=False):
        response = manager_client.get(URL + "?range=24h")

    page = response.content.decode()
    text = _words(response)
    assert "Times are Chicago time." in text
    # Only the chart's data names the zone by its key, for the script.
    assert page.count("America/Chicago") == 1
    assert "last checked 09:02." in text
    # The table: today's rows by their time, yesterday's with their day.
    assert '<time datetime="2026-11-22T09:05:00-06:00">Sun 22 Nov 09:05</time>' in page
    assert '<time datetime="2026-11-23T08:55:00-06:00">08:55</time>' in page
