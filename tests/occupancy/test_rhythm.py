"""Tests of the weekly rhythm: typical occupancy per hour of the week, in local time."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from occupancy.selectors import weekly_rhythm_of
from tests.factories import AuthenticatorFactory, UserFactory
from tests.occupancy.conftest import (
    FLOOR_1,
    FLOOR_2,
    RHYTHM_URL,
    ROOM_A,
    ROOM_B,
    fake_value,
    with_rhythm,
)

pytestmark = pytest.mark.django_db

URL = reverse("occupancy:dashboard")
WEEKLY_CSV_URL = reverse("occupancy:weekly_csv")
CHICAGO = ZoneInfo("America/Chicago")
# 09:02:30 on Monday 23 November 2026 in Chicago (CST, UTC-6).
MOMENT = datetime(2026, 11, 23, 15, 2, 30, tzinfo=UTC)


def _hourly(first: date, last: date, value) -> dict[datetime, float]:
    """Hourly values from local midnight of ``first`` to that of ``last``, stepped in UTC as
    Butlr's windows are: a day the clocks go back has 25 of them, one going forward 23."""
    moment = datetime.combine(first, datetime.min.time(), CHICAGO).astimezone(UTC)
    stop = datetime.combine(last, datetime.min.time(), CHICAGO).astimezone(UTC)
    values = {}
    while moment < stop:
        # Keyed in UTC: the two 01:00s of an autumn night are equal as Chicago times.
        values[moment] = value(moment.astimezone(CHICAGO))
        moment += timedelta(hours=1)
    return values


def _weekly_bodies(fake_butlr):
    return [body for body in fake_butlr.reporting_bodies if body["window"]["every"] == "1h"]


def test_an_autumn_week_neither_shifts_nor_double_counts_the_repeated_hour():
    # Four weeks to Monday 9 November 2026; the clocks went back at 02:00 on Sunday 1 November.
    def value(local):
        if local.date() == date(2026, 11, 1) and local.hour == 1:
            return 10 if local.utcoffset() == timedelta(hours=-5) else 30
        if local.weekday() == 6 and local.hour == 1:
            return 0
        return local.hour

    values = _hourly(date(2026, 10, 12), date(2026, 11, 9), value)
    assert len(values) == 28 * 24 + 1

    days = weekly_rhythm_of(values=values, zone=CHICAGO, capacity=None)

    assert len(days) == 7 and all(len(row) == 24 for row in days)
    # Sunday 01:00: the day with two of them counts once, as their mean: (20 + 0 + 0 + 0) / 4.
    assert days[6][1].people == 5.0
    # Every other hour keeps its own wall-clock hour, before and after the change.
    assert all(
        days[day][hour].people == hour
        for day in range(7)
        for hour in range(24)
        if (day, hour) != (6, 1)
    )


def test_a_spring_week_leaves_the_skipped_hour_to_the_other_weeks():
    # The clocks went forward at 02:00 on Sunday 8 March 2026: that day has no 02:00.
    values = _hourly(
        date(2026, 2, 23), date(2026, 3, 23), lambda local: local.hour * 2 + local.day % 2
    )

    days = weekly_rhythm_of(values=values, zone=CHICAGO, capacity=None)

    # Sundays 1, 15 and 22 March at 02:00: 4 + 1, 4 + 1, 4 + 0.
    assert days[6][2].people == round((5 + 5 + 4) / 3, 1)
    assert days[6][3].people == round((6 + 7 + 6 + 7) / 4, 1)


def test_cells_are_coloured_by_busyness_against_capacity_and_name_the_extremes():
    values = _hourly(date(2026, 11, 2), date(2026, 11, 9), lambda local: local.hour % 12)

    days = weekly_rhythm_of(values=values, zone=CHICAGO, capacity=10)

    assert [
        (days[0][hour].people, days[0][hour].busyness, days[0][hour].level)
        for hour in (0, 1, 2, 3, 6, 7)
    ] == [
        (0, "quiet", 0),
        (1, "quiet", 1),
        (2, "quiet", 2),
        (3, "moderate", 3),
        (6, "moderate", 4),
        (7, "busy", 5),
    ]


def test_the_dashboard_shows_the_buildings_week_from_the_last_four_whole_weeks(
    manager_client, fake_butlr
):
    with time_machine.travel(MOMENT, tick=False):
        response = with_rhythm(manager_client, URL)

    (body,) = _weekly_bodies(fake_butlr)
    assert body["window"] == {"every": "1h", "function": "mean", "timezone": "America/Chicago"}
    # From local midnight four weeks ago (still CDT then) to last midnight (CST).
    assert (body["filter"]["start"], body["filter"]["stop"]) == (
        "2026-10-26T05:00:00Z",
        "2026-11-23T06:00:00Z",
    )
    assert body["filter"]["spaces"] == {"eq": [FLOOR_1, FLOOR_2]}
    rhythm = response.context["board"].rhythm
    assert (rhythm.scope, rhythm.name, rhythm.capacity) == ("building", "Lake Tower", 200)
    # Monday 09:00: both floors' hourly means, summed, over the four Mondays.
    mondays = [datetime(2026, 10, 26, 14, tzinfo=UTC)] + [
        datetime(2026, 11, day, 15, tzinfo=UTC) for day in (2, 9, 16)
    ]
    expected = (
        sum(
            fake_value(FLOOR_1, moment, "mean") + fake_value(FLOOR_2, moment, "mean")
            for moment in mondays
        )
        / 4
    )
    assert rhythm.days[0][9].people == round(expected, 1)
    cells = [cell for row in rhythm.days for cell in row]
    assert rhythm.busiest.people == max(cell.people for cell in cells)
    assert rhythm.quietest.people == min(cell.people for cell in cells)
    text = re.sub(r"\s+", " ", response.content.decode())
    assert (
        '<caption id="rhythm-caption">Typical people in Lake Tower by day and hour</caption>'
        in text
    )
    busiest = f"{rhythm.busiest.day_name} {rhythm.busiest.hour_label}"
    assert f'Usually busiest: <strong class="rhythm-busiest">{busiest}</strong>' in text
    assert '<th scope="row">Mon</th>' in text and '<th scope="col">23</th>' in text


def test_one_fetch_serves_every_manager_and_every_floor_for_hours(
    manager_client, manager, fake_butlr, clock_cache
):
    other_manager = UserFactory()
    other_manager.groups.set(manager.groups.all())
    AuthenticatorFactory(user=other_manager)
    client = Client()
    client.force_login(other_manager)
    with time_machine.travel(MOMENT, tick=False) as clock:
        first = with_rhythm(manager_client, URL)
        with_rhythm(client, URL + f"?floor={FLOOR_2}&rhythm=floor")
        with_rhythm(client, URL + f"?floor={FLOOR_1}&rhythm=floor")
        assert len(_weekly_bodies(fake_butlr)) == 1
        # Rooms: one more query, for every room of the building.
        room_a = with_rhythm(manager_client, URL + f"?floor={FLOOR_1}&room={ROOM_A}&rhythm=room")
        with_rhythm(client, URL + f"?floor={FLOOR_1}&room={ROOM_B}")
        assert len(_weekly_bodies(fake_butlr)) == 2
        assert room_a.context["board"].rhythm.name == "Quiet room"
        clock.shift(timedelta(hours=5, minutes=50))
        with_rhythm(client, URL)
        assert len(_weekly_bodies(fake_butlr)) == 2
        clock.shift(timedelta(minutes=15))
        with_rhythm(client, URL)

    assert len(_weekly_bodies(fake_butlr)) == 3
    assert first.context["board"].rhythm is not None


def test_the_weekly_csv_holds_the_grids_numbers(manager_client, fake_butlr):
    with time_machine.travel(MOMENT, tick=False):
        page = with_rhythm(manager_client, URL + f"?floor={FLOOR_1}&rhythm=floor")
        download = manager_client.get(WEEKLY_CSV_URL + f"?floor={FLOOR_1}&rhythm=floor")

    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert (
        'filename="weekly-occupancy-ground-floor-2026-11-22.csv"' in download["Content-Disposition"]
    )
    header, *rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert header == ["Day"] + [f"{hour:02d}:00" for hour in range(24)]
    rhythm = page.context["board"].rhythm
    assert rhythm.name == "Ground floor"
    assert [row[0] for row in rows] == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    assert [[float(cell) for cell in row[1:]] for row in rows] == [
        [cell.people for cell in day] for day in rhythm.days
    ]


def test_without_butlr_the_weekly_csv_is_unavailable(manager_client, butlr_api):
    response = manager_client.get(WEEKLY_CSV_URL)

    assert response.status_code == 503


def test_the_first_page_does_not_wait_for_the_rhythm_but_asks_for_it(manager_client, fake_butlr):
    with time_machine.travel(MOMENT, tick=False):
        page = manager_client.get(URL + f"?floor={FLOOR_1}")
        asked_by_page = _weekly_bodies(fake_butlr)
        part = manager_client.get(RHYTHM_URL + f"?floor={FLOOR_1}", headers={"HX-Request": "true"})
        again = manager_client.get(URL + f"?floor={FLOOR_1}")

    assert asked_by_page == []
    assert page.context["board"].rhythm is None
    text = re.sub(r"\s+", " ", page.content.decode())
    assert f'hx-get="{RHYTHM_URL}?floor={FLOOR_1}" hx-trigger="load" hx-swap="outerHTML"' in text
    assert "Working out the weekly rhythm" in text
    # The part is the rhythm's section alone, for the placeholder's place.
    assert part.status_code == 200
    assert len(_weekly_bodies(fake_butlr)) == 1
    piece = part.content.decode().strip()
    assert piece.startswith('<section class="card rhythm-section"')
    assert "Typical people in Lake Tower by day and hour" in piece
    assert "<html" not in piece and 'id="numbers"' not in piece
    # Built once, it is on the page from then on.
    assert again.context["board"].rhythm is not None
    assert "Working out the weekly rhythm" not in again.content.decode()
    assert len(_weekly_bodies(fake_butlr)) == 1


def test_without_javascript_the_rhythm_link_leads_back_to_the_page_with_it(
    manager_client, fake_butlr
):
    with time_machine.travel(MOMENT, tick=False):
        page = manager_client.get(URL + f"?floor={FLOOR_2}&rhythm=floor")
        followed = manager_client.get(RHYTHM_URL + f"?floor={FLOOR_2}&rhythm=floor")
        back = manager_client.get(followed["Location"])

    assert "<noscript>" in page.content.decode()
    assert followed.status_code == 302
    assert followed["Location"] == f"{URL}?floor={FLOOR_2}&rhythm=floor#rhythm-title"
    assert back.context["board"].rhythm.name == "Second floor"


def test_the_rhythm_part_is_for_managers_only(resident_client, fake_butlr):
    assert resident_client.get(RHYTHM_URL, headers={"HX-Request": "true"}).status_code == 403
    anonymous = Client().get(RHYTHM_URL)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("account_login"))


def test_without_butlr_the_rhythm_part_says_so(manager_client, fake_butlr):
    def down(request):
        return 503, {}, "{}"

    fake_butlr.fault = down
    with time_machine.travel(MOMENT, tick=False):
        part = manager_client.get(RHYTHM_URL, headers={"HX-Request": "true"})

    assert part.status_code == 200
    assert "The weekly rhythm can't be shown right now" in part.content.decode()
