"""What a dashboard costs: Butlr calls (all at once when cold, none when warm, shared by
every manager) and database queries. Counted, never timed."""

import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import responses
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from occupancy import services
from occupancy.models import TopologyRecord
from occupancy.services import OUTAGE_KEY, PROBLEM_DOWN
from tests.factories import AuthenticatorFactory
from tests.occupancy.conftest import BUTLR, FLOOR_2, with_rhythm

pytestmark = pytest.mark.django_db

URL = reverse("occupancy:dashboard")
# 09:02:30 in Chicago (CST, UTC-6).
MOMENT = datetime(2026, 11, 23, 15, 2, 30, tzinfo=UTC)


def _butlr_calls(fake_butlr) -> int:
    return (
        len(fake_butlr.reporting_bodies)
        + len(fake_butlr.detections_bodies)
        + (fake_butlr.graphql_calls)
    )


def _managers(manager, count: int) -> list[Client]:
    """Clients of ``count`` different managers, ``manager`` the first."""
    clients = []
    for number in range(count):
        user = manager
        if number:
            user = type(manager).objects.create(email=f"manager-{number}@foyer.example")
            user.groups.set(manager.groups.all())
            AuthenticatorFactory(user=user)
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients


def _in_flight(fake_butlr):
    """Makes every Butlr call but the login take a while; returns the most calls that were
    in flight at once, as a list holding one number."""
    lock = threading.Lock()
    in_flight, most = [0], [0]

    def slow(answer):
        def callback(request):
            with lock:
                in_flight[0] += 1
                most[0] = max(most[0], in_flight[0])
            # Long enough that calls sent one after another could never overlap.
            time.sleep(0.3)
            with lock:
                in_flight[0] -= 1
            return answer(request)

        return callback

    for path, answer in (
        ("graphql", fake_butlr.graphql),
        ("reporting", fake_butlr.reporting),
        ("detections", fake_butlr.detections),
    ):
        fake_butlr.mock.remove(responses.POST, f"{BUTLR}/api/v3/{path}")
        fake_butlr.mock.add_callback(
            responses.POST, f"{BUTLR}/api/v3/{path}", callback=slow(answer)
        )
    return most


def test_a_cold_dashboard_sends_its_butlr_calls_at_once(manager_client, fake_butlr):
    most = _in_flight(fake_butlr)
    with time_machine.travel(MOMENT, tick=False):
        response = manager_client.get(URL)

    assert response.status_code == 200
    assert response.context["board"].freshness.problem is None
    sent = _butlr_calls(fake_butlr)
    assert sent > 5
    # The first dashboard ever: the topology, then every figure's call in flight at once.
    assert most[0] == sent - 1


def test_a_warm_dashboard_asks_butlr_nothing(manager_client, fake_butlr, django_assert_num_queries):
    with time_machine.travel(MOMENT, tick=False) as clock:
        manager_client.get(URL)
        asked = _butlr_calls(fake_butlr)
        clock.shift(timedelta(seconds=20))
        # The session, its user and the manager's group: nothing more.
        with django_assert_num_queries(3):
            response = manager_client.get(URL)

    assert response.status_code == 200
    assert _butlr_calls(fake_butlr) == asked


def test_thirty_managers_cost_butlr_what_three_do(manager, fake_butlr):
    clients = _managers(manager, 30)
    calls = []
    for count in (3, 30):
        cache.clear()
        asked = _butlr_calls(fake_butlr)
        with time_machine.travel(MOMENT, tick=False) as clock:
            for client in clients[:count]:
                assert client.get(URL).status_code == 200
                clock.shift(timedelta(seconds=1))
        calls.append(_butlr_calls(fake_butlr) - asked)

    assert calls[0] == calls[1] > 0


def _rhythm_table(response) -> str:
    return re.search(r'<table class="rhythm-grid">.*?</table>', response.content.decode(), re.S)[0]


def test_a_new_answer_from_butlr_makes_new_figures(
    clock_cache, manager_client, fake_butlr, settings
):
    # The same topology throughout: only the rhythm's own answer is new.
    settings.OCCUPANCY_TOPOLOGY_SECONDS = 86400
    with time_machine.travel(MOMENT, tick=False) as clock:
        first = with_rhythm(manager_client, URL)
        fake_butlr.offset = 10
        # The same day, so the same weekly-rhythm query, asked again once its answer expires.
        clock.shift(timedelta(hours=6, minutes=1))
        asked = len(fake_butlr.reporting_bodies)
        later = with_rhythm(manager_client, URL)

    rhythm_bodies = [
        body for body in fake_butlr.reporting_bodies[asked:] if body["window"]["every"] == "1h"
    ]
    assert len(rhythm_bodies) == 1
    before, after = first.context["board"].rhythm, later.context["board"].rhythm
    # The building's two floors, ten more people on each.
    assert after.busiest.people == before.busiest.people + 20
    assert _rhythm_table(later) != _rhythm_table(first)
    assert f">{after.busiest.people}<" in _rhythm_table(later)


def test_a_failure_shows_the_last_good_figures_with_their_note_until_butlr_answers(
    clock_cache, manager_client, fake_butlr
):
    with time_machine.travel(MOMENT, tick=False) as clock:
        manager_client.get(URL)
        manager_client.get(URL)
        fake_butlr.fault = lambda request: (503, {}, "{}")
        # A new 5-minute window: the chart's and the figures' queries are new.
        clock.shift(timedelta(minutes=5))
        failed = manager_client.get(URL)
        fake_butlr.fault = None
        clock.shift(timedelta(minutes=1))
        again = manager_client.get(URL)

    text = " ".join(failed.content.decode().split())
    assert "Showing the last figures we received, as of" in re.sub(r"<[^>]+>", "", text)
    assert "Butlr isn't answering: these are the last figures we received" in text
    assert "18</span> people now" in text
    board = again.context["board"]
    assert board.freshness.problem is None
    assert board.chart_freshness.problem is None
    assert "last figures we received" not in again.content.decode()


def test_with_nothing_cached_the_figures_are_asked_for_along_with_the_topology(
    manager_client, fake_butlr
):
    with time_machine.travel(MOMENT, tick=False):
        # The first dashboard ever: the topology first, then what it places.
        first = manager_client.get(URL)
        cache.clear()
        most = _in_flight(fake_butlr)
        asked = _butlr_calls(fake_butlr)
        response = manager_client.get(URL)

    assert first.status_code == response.status_code == 200
    assert response.context["board"].freshness.problem is None
    sent = _butlr_calls(fake_butlr) - asked
    assert sent > 5
    # The topology and every figure's call in flight at once: one round trip.
    assert most[0] == sent
    assert _board_figures(response) == _board_figures(first)


def test_figures_asked_for_along_with_the_topology_are_not_read_back_from_the_cache(
    manager_client, fake_butlr, monkeypatch
):
    read = []

    with time_machine.travel(MOMENT, tick=False):
        manager_client.get(URL)
        cache.clear()
        _reads_recorded(monkeypatch, read)
        response = manager_client.get(URL)

    assert response.status_code == 200
    answers = [key for key in read if key.startswith(("occupancy:reporting:", "occupancy:detec"))]
    assert len(answers) > 5
    # Each looked for once, before it was asked for; its answer is then at hand.
    assert len(answers) == len(set(answers))


def test_figures_placed_otherwise_than_recorded_are_asked_for_once_the_topology_is_in(
    manager_client, fake_butlr
):
    with time_machine.travel(MOMENT, tick=False):
        manager_client.get(URL)
        # The floors renumbered: the second floor comes first now, and is the one shown.
        topology = json.loads(json.dumps(fake_butlr.topology))
        floors = topology["sites"]["data"][0]["buildings"][0]["floors"]
        floors[0]["floorNumber"], floors[1]["floorNumber"] = 2, 1
        fake_butlr.topology = topology
        cache.clear()
        response = manager_client.get(URL)
        # What a dashboard shows with no recorded topology to go by.
        TopologyRecord.objects.all().delete()
        cache.clear()
        expected = manager_client.get(URL)

    board = response.context["board"]
    assert board.floor.id == FLOOR_2
    assert board.freshness.problem is None and board.chart_freshness.problem is None
    assert _board_figures(response) == _board_figures(expected)


def test_while_butlr_is_paused_a_dashboard_reads_each_last_good_answer_once(
    clock_cache, manager_client, fake_butlr, monkeypatch, settings
):
    read = []
    last_good = services._last_good

    def spy(key, problem):
        read.append(key)
        return last_good(key, problem)

    monkeypatch.setattr(services, "_last_good", spy)
    with time_machine.travel(MOMENT, tick=False) as clock:
        manager_client.get(URL)
        # Everything but the last good answers expired.
        clock.shift(timedelta(seconds=settings.OCCUPANCY_TOPOLOGY_SECONDS + 1))
        cache.set(OUTAGE_KEY, PROBLEM_DOWN, timeout=60)
        asked = _butlr_calls(fake_butlr)
        response = manager_client.get(URL)

    assert response.status_code == 200
    assert response.context["board"].freshness.problem == PROBLEM_DOWN
    assert _butlr_calls(fake_butlr) == asked
    assert len(read) > 5
    assert len(read) == len(set(read))


def _reads_recorded(monkeypatch, read: list[str]) -> None:
    """From now on, every key the cache is asked for is appended to ``read``."""
    get, get_many = cache.get, cache.get_many
    # Local memory's get_many() asks get() for each key: those are not reads of their own.
    inside = threading.local()

    def spy(key, *args, **kwargs):
        if not getattr(inside, "many", False):
            read.append(key)
        return get(key, *args, **kwargs)

    def spy_many(keys, *args, **kwargs):
        read.extend(keys)
        inside.many = True
        try:
            return get_many(keys, *args, **kwargs)
        finally:
            inside.many = False

    monkeypatch.setattr(cache, "get", spy)
    monkeypatch.setattr(cache, "get_many", spy_many)


def _board_figures(response):
    board = response.context["board"]
    return (board.floor.id, board.floors, board.rooms, board.summary, board.chart, board.heatmap)


def test_when_only_the_topology_expired_each_kept_answer_is_read_once(
    manager_client, fake_butlr, monkeypatch
):
    read = []

    with time_machine.travel(MOMENT, tick=False) as clock:
        manager_client.get(URL)
        cache.delete("occupancy:topology")
        clock.shift(timedelta(seconds=1))
        asked = _butlr_calls(fake_butlr)
        _reads_recorded(monkeypatch, read)
        response = manager_client.get(URL)

    answers = [key for key in read if key.startswith(("occupancy:reporting:", "occupancy:detec"))]
    assert response.status_code == 200
    # The topology again, and nothing else: the figures' answers were kept.
    assert _butlr_calls(fake_butlr) == asked + 1
    assert len(answers) > 5
    assert len(answers) == len(set(answers))
