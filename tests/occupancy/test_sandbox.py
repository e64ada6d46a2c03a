"""The Butlr client and the dashboard against the Butlr sandbox, over real HTTP."""

import csv
import io
import json
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from occupancy.butlr.client import TOKEN_KEY, ButlrClient
from occupancy.butlr.errors import Unauthorized
from occupancy.butlr.reporting import ReportingQuery, Window
from tests.factories import AuthenticatorFactory, UserFactory
from tests.occupancy.conftest import with_rhythm

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])

URL = reverse("occupancy:dashboard")
CSV_URL = reverse("occupancy:dashboard_csv")
# 10:32:30 in New York (EST, UTC-5), a Monday.
MOMENT = datetime(2026, 11, 23, 15, 32, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _managers_group(transactional_db):
    """Transactional tests flush the tables, the group its data migration made included."""
    Group.objects.get_or_create(name=django_settings.PROPERTY_MANAGERS_GROUP)


@pytest.fixture
def butlr(butlr_sandbox, settings):
    settings.BUTLR_CONNECT_TIMEOUT = 2
    settings.BUTLR_READ_TIMEOUT = 5
    settings.BUTLR_RETRIES = 2
    settings.BUTLR_RETRY_BACKOFF = 0.01
    settings.BUTLR_RETRY_AFTER_MAX = 0.5
    return butlr_sandbox


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _query(now: datetime, floor_ids) -> ReportingQuery:
    stop = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)
    return ReportingQuery(
        measurement="room_occupancy",
        start=stop - timedelta(hours=1),
        stop=stop,
        spaces=tuple(floor_ids),
        group_by=("room_id", "time"),
        window=Window(every="5m", function="max", timezone="America/New_York"),
    )


def _first_floor(butlr):
    return butlr.world.floors[0]


def test_many_threads_log_in_once(butlr):
    floor = _first_floor(butlr)
    query = _query(datetime.now(UTC), [floor.id])
    answers, errors = [], []

    def work():
        try:
            answers.append(ButlrClient().reporting(query))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(answers) == 12
    assert butlr.calls("butlr.login") == 1
    assert butlr.calls("butlr.reporting") == 12


def test_a_refused_token_is_renewed_once(butlr):
    cache.set(
        TOKEN_KEY,
        {"access_token": "revoked", "renew_at": 4e9, "expires_at": 4e9},
        timeout=None,
    )

    topology = ButlrClient().topology()

    assert topology.buildings()
    assert butlr.calls("butlr.login") == 1
    assert butlr.calls("butlr.graphql") == 2
    assert cache.get(TOKEN_KEY)["access_token"] != "revoked"


def test_a_token_is_renewed_before_it_expires(butlr, settings):
    settings.SANDBOX_BUTLR_TOKEN_LIFETIME = 120
    floor = _first_floor(butlr)
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        ButlrClient().reporting(_query(datetime.now(UTC), [floor.id]))
        clock.shift(timedelta(seconds=59))
        ButlrClient().reporting(_query(datetime.now(UTC), [floor.id]))
        assert butlr.calls("butlr.login") == 1
        clock.shift(timedelta(seconds=2))
        ButlrClient().reporting(_query(datetime.now(UTC), [floor.id]))

    assert butlr.calls("butlr.login") == 2


def test_wrong_credentials_are_unauthorized(butlr, settings):
    settings.BUTLR_CLIENT_SECRET = "not-the-secret"

    with pytest.raises(Unauthorized) as caught:
        ButlrClient().topology()

    assert "not-the-secret" not in str(caught.value)


def test_the_topology_matches_the_sandboxs_world(butlr):
    topology = ButlrClient().topology()

    floors = [floor for _, building in topology.buildings() for floor in building.floors]
    assert {floor.id for floor in floors} == {floor.id for floor in butlr.world.floors}
    assert {room.id for floor in floors for room in floor.rooms} == {
        room.id for room in butlr.world.rooms
    }


def test_reporting_rows_come_back_per_room_and_window(butlr):
    floor = _first_floor(butlr)
    with time_machine.travel(MOMENT, tick=False):
        rows = ButlrClient().reporting(_query(MOMENT, [floor.id]))

    rooms = {room.id for room in butlr.world.rooms_of(floor.id)}
    assert {row.get("room_id") for row in rows} == rooms
    assert len(rows) == 12 * len(rooms)
    assert all(row.time.utcoffset() == timedelta(hours=-5) for row in rows)
    assert all(row.stats.max is not None and row.stats.max >= 0 for row in rows)


def test_the_dashboard_shows_the_sandbox_building(manager_client, butlr):
    with time_machine.travel(MOMENT, tick=False):
        response = manager_client.get(URL)

    assert response.status_code == 200
    board = response.context["board"]
    assert board.freshness.problem is None
    floor = board.floor
    assert [card.id for card in board.rooms] == [room.id for room in floor.rooms]
    assert all(card.current is not None for card in board.floors + board.rooms)
    assert all(card.peak is not None for card in board.rooms)
    assert board.chart.times[0] == datetime(2026, 11, 23, 5, tzinfo=UTC)
    assert board.chart.times[0].utcoffset() == timedelta(hours=-5)
    assert board.chart.times[-1] == datetime(2026, 11, 23, 15, 25, tzinfo=UTC)
    assert board.heatmap is not None
    assert "Butlr" not in _text(response).split("<main", 1)[1].split("Floors", 1)[0]


def test_two_dashboard_loads_ask_butlr_once_per_query(manager_client, butlr):
    with time_machine.travel(MOMENT, tick=False):
        manager_client.get(URL)
        counts = (butlr.calls("reporting"), butlr.calls("graphql"), butlr.calls("detections"))
        manager_client.get(URL)
        manager_client.get(URL, headers={"HX-Request": "true"})

    assert counts[0] > 0
    assert (butlr.calls("reporting"), butlr.calls("graphql"), butlr.calls("detections")) == counts
    assert butlr.calls("login") == 1


def test_the_csv_matches_the_chart(manager_client, butlr):
    with time_machine.travel(MOMENT, tick=False):
        page = manager_client.get(URL + "?range=7d")
        download = manager_client.get(CSV_URL + "?range=7d")

    chart = page.context["board"].chart.json_data()
    rendered = re.search(
        r'<script id="occupancy-chart-data" type="application/json">(.*?)</script>',
        page.content.decode(),
        re.S,
    )
    assert json.loads(rendered.group(1)) == json.loads(json.dumps(chart))
    header, *rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert len(header) == 1 + 2 * len(chart["series"])
    assert [int(datetime.fromisoformat(row[0]).timestamp()) for row in rows] == chart["times"]
    columns = [values for series in chart["series"] for values in (series["mean"], series["max"])]
    for index, row in enumerate(rows):
        assert [float(cell) if cell else None for cell in row[1:]] == [
            column[index] for column in columns
        ]


def test_the_weekly_rhythm_is_one_call_shared_by_every_manager(manager_client, manager, butlr):
    other = UserFactory()
    other.groups.set(manager.groups.all())
    AuthenticatorFactory(user=other)
    other_client = Client()
    other_client.force_login(other)
    with time_machine.travel(MOMENT, tick=False):
        manager_client.get(URL, headers={"HX-Request": "true"})
        without_rhythm = butlr.calls("reporting")
        page = with_rhythm(manager_client, URL)
        asked_with_rhythm = butlr.calls("reporting")
        floor = butlr.world.floors_of(page.context["board"].building.id)[1]
        other_page = with_rhythm(other_client, URL + f"?floor={floor.id}&rhythm=floor")

    # The full page adds the chart's means (its maxima are the cards' own today) for the
    # floors and the rooms, and one call for the weekly rhythm.
    assert asked_with_rhythm - without_rhythm == 2 + 1
    rhythm = page.context["board"].rhythm
    assert rhythm.scope == "building" and rhythm.busiest.people > 0
    assert other_page.context["board"].rhythm.name == floor.name
    # The other manager's page asks Butlr only for the other floor's rooms (their maxima
    # today and their means) and its entrances: the weekly rhythm, its floor's included,
    # costs nothing.
    assert butlr.calls("reporting") - asked_with_rhythm == 2 + 1
