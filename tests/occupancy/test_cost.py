"""What a dashboard costs: Butlr calls (all at once when cold, none when warm, shared by
every manager) and database queries. Counted, never timed."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import responses
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.factories import AuthenticatorFactory
from tests.occupancy.conftest import BUTLR

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


def test_a_cold_dashboard_sends_its_butlr_calls_at_once(manager_client, fake_butlr):
    lock = threading.Lock()
    in_flight = [0]
    most = [0]
    answer = fake_butlr.reporting

    def slow_reporting(request):
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        # Long enough that calls sent one after another could never overlap.
        time.sleep(0.3)
        with lock:
            in_flight[0] -= 1
        return answer(request)

    reporting_url = f"{BUTLR}/api/v3/reporting"
    fake_butlr.mock.remove(responses.POST, reporting_url)
    fake_butlr.mock.add_callback(responses.POST, reporting_url, callback=slow_reporting)
    with time_machine.travel(MOMENT, tick=False):
        response = manager_client.get(URL)

    assert response.status_code == 200
    assert response.context["board"].freshness.problem is None
    sent = len(fake_butlr.reporting_bodies)
    assert sent > 5
    # Every reporting call was in flight at the same time: one round trip, not ``sent``.
    assert most[0] == sent


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
