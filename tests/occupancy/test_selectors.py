"""Tests of the dashboard's reads: busyness, time-zone boundaries, windows."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from occupancy.selectors import (
    RANGES,
    Chart,
    ChartSeries,
    SpaceCard,
    dashboard_get,
    day_start,
    summary_of,
    window_floor,
)
from tests.occupancy.conftest import FLOOR_1

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")


def _card(current, capacity=10):
    return SpaceCard(id="room_x", name="X", kind="room", capacity=capacity, current=current)


@pytest.mark.parametrize(
    ("current", "capacity", "utilization", "busyness"),
    [
        (0, 10, 0, "quiet"),
        (29, 100, 29, "quiet"),
        (3, 10, 30, "moderate"),
        (69, 100, 69, "moderate"),
        (7, 10, 70, "busy"),
        (12, 10, 120, "busy"),
        (1, 3, 33, "moderate"),
        (2, 3, 67, "moderate"),
    ],
)
def test_busyness_follows_butlrs_thresholds(current, capacity, utilization, busyness):
    card = _card(current, capacity)

    assert (card.utilization, card.busyness) == (utilization, busyness)


@pytest.mark.parametrize(("current", "capacity"), [(None, 10), (4, None), (4, 0)])
def test_without_a_figure_or_a_capacity_there_is_no_busyness(current, capacity):
    card = _card(current, capacity)

    assert (card.utilization, card.busyness) == (None, None)


@pytest.mark.parametrize(
    ("moment", "midnight"),
    [
        # 23:59 on the 22nd in Chicago is still the 22nd there, though the 23rd in UTC.
        (datetime(2026, 11, 23, 5, 59, tzinfo=UTC), datetime(2026, 11, 22, 6, tzinfo=UTC)),
        (datetime(2026, 11, 23, 6, 0, tzinfo=UTC), datetime(2026, 11, 23, 6, tzinfo=UTC)),
        # The day daylight saving time starts: midnight was still CST (UTC-6).
        (datetime(2026, 3, 8, 17, 0, tzinfo=UTC), datetime(2026, 3, 8, 6, tzinfo=UTC)),
        # The day it ends: midnight was still CDT (UTC-5).
        (datetime(2026, 11, 1, 17, 0, tzinfo=UTC), datetime(2026, 11, 1, 5, tzinfo=UTC)),
    ],
)
def test_today_starts_at_local_midnight(moment, midnight):
    assert day_start(moment=moment, zone=CHICAGO) == midnight


@pytest.mark.parametrize(
    ("every", "expected"),
    [
        ("1m", datetime(2026, 11, 23, 9, 7, tzinfo=CHICAGO)),
        ("5m", datetime(2026, 11, 23, 9, 5, tzinfo=CHICAGO)),
        ("1h", datetime(2026, 11, 23, 9, 0, tzinfo=CHICAGO)),
    ],
)
def test_windows_start_on_local_boundaries(every, expected):
    moment = datetime(2026, 11, 23, 15, 7, 59, tzinfo=UTC)

    assert window_floor(moment=moment, zone=CHICAGO, every=every) == expected


def _today_queries(fake_butlr):
    return [
        body
        for body in fake_butlr.reporting_bodies
        if body["window"]["every"] == "5m" and body["window"]["function"] == "max"
    ]


def test_just_before_local_midnight_today_is_the_local_day(fake_butlr):
    with time_machine.travel(datetime(2026, 11, 23, 5, 58, 10, tzinfo=UTC), tick=False):
        board = dashboard_get(floor_id=FLOOR_1)

    for body in _today_queries(fake_butlr):
        assert body["filter"]["start"] == "2026-11-22T06:00:00Z"
        assert body["filter"]["stop"] == "2026-11-23T05:55:00Z"
    assert board.chart.times[0] == datetime(2026, 11, 22, 0, 0, tzinfo=CHICAGO)
    assert board.chart.times[-1] == datetime(2026, 11, 22, 23, 50, tzinfo=CHICAGO)
    assert board.now.date().isoformat() == "2026-11-22"
    assert all(card.peak_at.date().isoformat() == "2026-11-22" for card in board.rooms)


def test_just_after_local_midnight_yesterday_is_gone(fake_butlr):
    with time_machine.travel(datetime(2026, 11, 23, 6, 12, 0, tzinfo=UTC), tick=False):
        board = dashboard_get(floor_id=FLOOR_1)

    for body in _today_queries(fake_butlr):
        assert body["filter"]["start"] == "2026-11-23T06:00:00Z"
        assert body["filter"]["stop"] == "2026-11-23T06:10:00Z"
    assert [moment.strftime("%H:%M") for moment in board.chart.times] == ["00:00", "00:05"]
    assert all(card.peak_at >= datetime(2026, 11, 23, 6, tzinfo=UTC) for card in board.rooms)


def test_in_the_first_window_of_the_day_there_is_no_peak_yet(fake_butlr):
    with time_machine.travel(datetime(2026, 11, 23, 6, 3, 0, tzinfo=UTC), tick=False):
        board = dashboard_get(floor_id=FLOOR_1)

    assert _today_queries(fake_butlr) == []
    assert board.chart.times == ()
    assert [card.peak for card in board.rooms] == [None, None]
    assert [card.current for card in board.rooms] == [2, 15]
    assert (board.traffic.came_in, board.traffic.went_out) == (0, 0)


def test_the_last_24_hours_and_7_days_end_at_the_last_whole_window(fake_butlr):
    with time_machine.travel(datetime(2026, 11, 23, 15, 7, 59, tzinfo=UTC), tick=False):
        day = dashboard_get(floor_id=FLOOR_1, range_name="24h").chart
        week = dashboard_get(floor_id=FLOOR_1, range_name="7d").chart

    assert day.times[0] == datetime(2026, 11, 22, 15, 5, tzinfo=UTC)
    assert day.times[-1] == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    assert week.times[0] == datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
    assert week.times[-1] == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    assert len(week.times) == 168
    assert all(moment.tzinfo == CHICAGO for moment in week.times)
    assert {tuple(body["filter"]) for body in fake_butlr.reporting_bodies} == {
        ("measurements", "start", "stop", "value", "spaces")
    }
    assert timedelta(hours=1) == week.times[1] - week.times[0]


def _space(space_id, current, capacity=10, kind="room"):
    return SpaceCard(id=space_id, name=space_id, kind=kind, capacity=capacity, current=current)


def test_the_summary_adds_up_the_floors_and_names_the_busiest():
    nine = datetime(2026, 11, 23, 15, tzinfo=UTC)
    ten = nine + timedelta(hours=1)
    summary = summary_of(
        capacity=50,
        floors=[_space("f1", 12, 40, "floor"), _space("f2", None, 20, "floor"), _space("f3", 9)],
        rooms=[_space("a", 3), _space("b", 7), _space("c", 7), _space("d", None)],
        # The building's peak is the busiest window of the floors' sum, not each floor's own.
        floor_peaks={"f1": {nine: 20, ten: 11}, "f2": {nine: 1, ten: 15}, "f3": {ten: None}},
    )

    assert (summary.people, summary.capacity, summary.utilization) == (21, 50, 42)
    assert (summary.busiest_floor.id, summary.busiest_room.id) == ("f1", "b")
    assert (summary.peak, summary.peak_at) == (26, ten)


def test_an_empty_building_has_no_busiest_space_and_no_peak():
    summary = summary_of(
        capacity=None,
        floors=[_space("f1", 0, kind="floor")],
        rooms=[_space("a", 0)],
        floor_peaks={},
    )

    assert (summary.people, summary.utilization) == (0, None)
    assert (summary.busiest_floor, summary.busiest_room, summary.peak) == (None, None, None)


def test_a_chart_tables_cells_are_its_numbers_and_anything_else_is_escaped():
    moment = datetime(2026, 11, 23, 15, tzinfo=UTC)
    series = ChartSeries(id="s", label="S", mean=(1.5, None), max=(3, "<b>"))  # type: ignore[arg-type]
    chart = Chart(
        space_name="Floor",
        range=RANGES["24h"],
        timezone="UTC",
        times=(moment, moment),
        series=(series,),
    )

    assert chart.table() == [
        (moment, "<td>1.5</td><td>3</td>"),
        (moment, "<td>\u2013</td><td>&lt;b&gt;</td>"),
    ]
