"""Tests of the Butlr calls behind the dashboard: caching, sharing and last good answers."""

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import responses
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from occupancy import services
from occupancy.butlr.reporting import ReportingQuery, Window
from occupancy.butlr.topology import topology_dump, topology_load, topology_parse
from occupancy.models import TopologyRecord
from occupancy.services import (
    OUTAGE_KEY,
    PROBLEM_DOWN,
    PROBLEM_GARBLED,
    PROBLEM_SLOW,
    reporting_fetch,
    topology_fetch,
)
from tests.occupancy.conftest import BUTLR, TOPOLOGY

pytestmark = pytest.mark.django_db

REPORTING = f"{BUTLR}/api/v3/reporting"
MOMENT = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
EMPTY_TOPOLOGY = {"sites": {"data": []}, "sensors": {"data": []}}


def _query(every="5m", stop=MOMENT):
    return ReportingQuery(
        measurement="floor_occupancy",
        start=stop - timedelta(hours=1),
        stop=stop,
        spaces=("space_1",),
        group_by=("space_id",),
        window=Window(every=every, function="max", timezone="UTC"),
    )


def _answer(value):
    return {"data": {"space_1": {"max": value, "count": 12}}}


def _reporting_calls(mock):
    return sum(1 for call in mock.calls if call.request.url == REPORTING)


@pytest.mark.parametrize(("every", "seconds"), [("1m", 60), ("5m", 300), ("1h", 3600)])
def test_an_answer_is_cached_for_the_length_of_its_window(clock_cache, butlr_api, every, seconds):
    butlr_api.post(REPORTING, json=_answer(4))
    with time_machine.travel(MOMENT, tick=False) as clock:
        first = reporting_fetch(query=_query(every), slot="now")
        clock.shift(timedelta(seconds=seconds - 1))
        again = reporting_fetch(query=_query(every), slot="now")
        assert _reporting_calls(butlr_api) == 1
        clock.shift(timedelta(seconds=2))
        reporting_fetch(query=_query(every), slot="now")

    assert _reporting_calls(butlr_api) == 2
    assert first == again
    assert (first.value[0].stats.max, first.as_of, first.problem) == (4, MOMENT, None)


def test_concurrent_askers_share_one_call(butlr_api):
    def slow_answer(request):
        time.sleep(0.3)
        return 200, {}, json.dumps(_answer(6))

    butlr_api.add_callback("POST", REPORTING, callback=slow_answer)
    answers = []
    threads = [
        threading.Thread(target=lambda: answers.append(reporting_fetch(query=_query(), slot="x")))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert _reporting_calls(butlr_api) == 1
    assert [answer.value[0].stats.max for answer in answers] == [6] * 8


def test_a_caller_that_looked_just_before_an_answer_was_kept_uses_it(butlr_api, monkeypatch):
    butlr_api.post(REPORTING, json=_answer(4))
    with time_machine.travel(MOMENT, tick=False):
        reporting_fetch(query=_query(), slot="now")
        get_many = cache.get_many
        looks = []

        def first_look_before_it_was_kept(keys, *args, **kwargs):
            looks.append(keys)
            return {} if len(looks) == 1 else get_many(keys, *args, **kwargs)

        monkeypatch.setattr(cache, "get_many", first_look_before_it_was_kept)
        fetched = reporting_fetch(query=_query(), slot="now")

    assert _reporting_calls(butlr_api) == 1
    assert fetched.value[0].stats.max == 4


@pytest.mark.parametrize(("status", "kept_key"), [(200, "answer"), (503, OUTAGE_KEY)])
def test_the_lock_is_let_go_only_once_the_outcome_is_kept(butlr_api, monkeypatch, status, kept_key):
    butlr_api.post(REPORTING, status=status, json=_answer(4) if status == 200 else {})
    delete = cache.delete
    kept_when_let_go = []

    def spy(key, *args, **kwargs):
        if key.endswith(":lock"):
            answer = key.removesuffix(":lock")
            kept_when_let_go.append(cache.get(answer if kept_key == "answer" else kept_key))
        return delete(key, *args, **kwargs)

    monkeypatch.setattr(cache, "delete", spy)
    with time_machine.travel(MOMENT, tick=False):
        reporting_fetch(query=_query(), slot="now")

    assert len(kept_when_let_go) == 1
    assert kept_when_let_go[0] is not None


def test_a_failure_falls_back_to_the_last_good_answer_of_the_same_slot(butlr_api):
    butlr_api.post(REPORTING, json=_answer(4))
    with time_machine.travel(MOMENT, tick=False) as clock:
        reporting_fetch(query=_query(), slot="now")
        butlr_api.replace(responses.POST, REPORTING, status=503, json={})
        clock.shift(timedelta(minutes=5))
        later = _query(stop=MOMENT + timedelta(minutes=5))
        stale = reporting_fetch(query=later, slot="now")
        other_slot = reporting_fetch(query=later, slot="elsewhere")

    assert (stale.value[0].stats.max, stale.as_of, stale.problem) == (4, MOMENT, PROBLEM_DOWN)
    assert (other_slot.value, other_slot.as_of, other_slot.problem) == (None, None, PROBLEM_DOWN)


def test_an_outage_spares_butlr_for_a_while_then_asks_again(clock_cache, butlr_api, settings):
    settings.OCCUPANCY_OUTAGE_SECONDS = 30
    butlr_api.post(REPORTING, status=503, json={})
    with time_machine.travel(MOMENT, tick=False) as clock:
        reporting_fetch(query=_query(), slot="now")
        calls = _reporting_calls(butlr_api)
        assert cache.get(OUTAGE_KEY) == PROBLEM_DOWN
        assert reporting_fetch(query=_query("1m"), slot="other").problem == PROBLEM_DOWN
        assert _reporting_calls(butlr_api) == calls
        butlr_api.replace(responses.POST, REPORTING, json=_answer(9))
        clock.shift(timedelta(seconds=31))
        fresh = reporting_fetch(query=_query("1m"), slot="other")

    assert fresh.problem is None
    assert fresh.value[0].stats.max == 9


def test_an_unreadable_answer_only_spares_that_query(butlr_api):
    butlr_api.post(REPORTING, body="not json")
    with time_machine.travel(MOMENT, tick=False):
        first = reporting_fetch(query=_query(), slot="now")
        again = reporting_fetch(query=_query(), slot="now")
        calls = _reporting_calls(butlr_api)
        reporting_fetch(query=_query("1m"), slot="now")

    assert first.problem == again.problem == PROBLEM_GARBLED
    assert calls == 1
    assert _reporting_calls(butlr_api) == 2
    assert cache.get(OUTAGE_KEY) is None


def test_a_caller_waiting_too_long_for_another_gets_the_last_good_answer(butlr_api, settings):
    settings.BUTLR_CONNECT_TIMEOUT = 0.1
    settings.BUTLR_READ_TIMEOUT = 0.1
    query = _query()
    # Another process is asking Butlr this very query and does not answer in time.
    cache.add(f"occupancy:reporting:{services._digest(query.body())}:lock", True, timeout=60)

    fetched = reporting_fetch(query=query, slot="now")

    assert (fetched.value, fetched.problem) == (None, PROBLEM_SLOW)
    assert _reporting_calls(butlr_api) == 0


def test_topology_is_cached_for_minutes(clock_cache, butlr_api, settings):
    settings.OCCUPANCY_TOPOLOGY_SECONDS = 600
    butlr_api.post(f"{BUTLR}/api/v3/graphql", json={"data": EMPTY_TOPOLOGY})
    with time_machine.travel(MOMENT, tick=False) as clock:
        topology_fetch()
        clock.shift(timedelta(minutes=9))
        topology_fetch()
        graphql_calls = len(butlr_api.calls) - 1
        clock.shift(timedelta(minutes=2))
        topology_fetch()

    assert graphql_calls == 1
    assert len(butlr_api.calls) - 1 == 2


def _site(site_id):
    return {"id": site_id, "name": site_id, "timezone": "UTC", "buildings": []}


def test_a_partial_topology_shows_but_is_asked_again_soon(clock_cache, butlr_api, settings):
    settings.OCCUPANCY_TOPOLOGY_SECONDS = 600
    settings.OCCUPANCY_OUTAGE_SECONDS = 30
    partial = {
        "data": {"sites": {"data": [_site("site_1"), None]}, "sensors": {"data": []}},
        "errors": [{"message": "Site not found", "path": ["sites", "data", 1]}],
    }
    complete = {
        "data": {"sites": {"data": [_site("site_1"), _site("site_2")]}, "sensors": {"data": []}}
    }
    butlr_api.post(f"{BUTLR}/api/v3/graphql", json=partial)
    butlr_api.post(f"{BUTLR}/api/v3/graphql", json=complete)
    with time_machine.travel(MOMENT, tick=False) as clock:
        first = topology_fetch()
        again = topology_fetch()
        clock.shift(timedelta(seconds=31))
        then = topology_fetch()
        clock.shift(timedelta(minutes=9))
        later = topology_fetch()

    assert [site.id for site in first.value.sites] == ["site_1"]
    assert first.value.partial and first.problem is None
    assert again is not None and again.value.partial
    assert [site.id for site in then.value.sites] == ["site_1", "site_2"]
    assert not later.value.partial
    assert len(butlr_api.calls) - 1 == 2


def test_a_partial_topology_never_replaces_a_complete_last_good_one(
    clock_cache, butlr_api, settings
):
    settings.OCCUPANCY_OUTAGE_SECONDS = 30
    complete = {
        "data": {"sites": {"data": [_site("site_1"), _site("site_2")]}, "sensors": {"data": []}}
    }
    partial = {
        "data": {"sites": {"data": [_site("site_1"), None]}, "sensors": {"data": []}},
        "errors": [{"message": "Site not found", "path": ["sites", "data", 1]}],
    }
    butlr_api.post(f"{BUTLR}/api/v3/graphql", json=complete)
    butlr_api.post(f"{BUTLR}/api/v3/graphql", json=partial)
    butlr_api.post(f"{BUTLR}/api/v3/graphql", status=503, json={})
    with time_machine.travel(MOMENT, tick=False) as clock:
        topology_fetch()
        clock.shift(timedelta(seconds=settings.OCCUPANCY_TOPOLOGY_SECONDS + 1))
        shown_partial = topology_fetch()
        clock.shift(timedelta(seconds=31))
        settings.BUTLR_RETRIES = 0
        after_failure = topology_fetch()

    assert shown_partial.value.partial
    assert after_failure.problem == PROBLEM_DOWN
    assert [site.id for site in after_failure.value.sites] == ["site_1", "site_2"]


def _recorded_site_ids():
    record = TopologyRecord.objects.filter(pk=1).first()
    return record and [site.id for site in topology_load(record.data).sites]


def test_a_complete_topology_is_recorded_past_the_cache(clock_cache, butlr_api, settings):
    complete = {
        "data": {"sites": {"data": [_site("site_1"), _site("site_2")]}, "sensors": {"data": []}}
    }
    newer = {"data": {"sites": {"data": [_site("site_3")]}, "sensors": {"data": []}}}
    butlr_api.post(f"{BUTLR}/api/v3/graphql", json=complete)
    butlr_api.post(f"{BUTLR}/api/v3/graphql", json=newer)
    with time_machine.travel(MOMENT, tick=False) as clock:
        topology_fetch()
        first = _recorded_site_ids()
        cache.clear()
        clock.shift(timedelta(minutes=1))
        topology_fetch()

    assert first == ["site_1", "site_2"]
    assert _recorded_site_ids() == ["site_3"]
    assert TopologyRecord.objects.get().fetched_at == MOMENT + timedelta(minutes=1)


def test_a_partial_or_failed_topology_is_not_recorded(clock_cache, butlr_api, settings):
    settings.BUTLR_RETRIES = 0
    partial = {
        "data": {"sites": {"data": [_site("site_1"), None]}, "sensors": {"data": []}},
        "errors": [{"message": "Site not found", "path": ["sites", "data", 1]}],
    }
    butlr_api.post(f"{BUTLR}/api/v3/graphql", json=partial)
    butlr_api.post(f"{BUTLR}/api/v3/graphql", status=503, json={})
    topology_fetch()
    cache.clear()
    topology_fetch()

    assert not TopologyRecord.objects.exists()


def test_a_recorded_topology_reads_back_as_it_was():
    heartbeat = datetime(2026, 11, 23, 14, 59, 30, tzinfo=UTC)
    data = json.loads(json.dumps(TOPOLOGY))
    data["sensors"]["data"][0]["last_heartbeat"] = heartbeat.timestamp()
    data["sites"]["data"][0]["buildings"][0]["floors"][0]["area"] = {"value": 120.5, "unit": "m2"}
    topology = topology_parse(data)

    again = topology_load(json.loads(json.dumps(topology_dump(topology))))

    assert again == topology
    assert again.buildings()[0][1].floors[0].sensors[0].last_heartbeat == heartbeat


def test_an_unreadable_record_is_passed_over(clock_cache, butlr_api):
    TopologyRecord.objects.create(pk=1, fetched_at=MOMENT, data={"sites": "no"})
    butlr_api.post(f"{BUTLR}/api/v3/graphql", json={"data": EMPTY_TOPOLOGY})
    asked = []

    with time_machine.travel(MOMENT - timedelta(days=1), tick=False):
        fetched = topology_fetch(along=lambda recorded: asked.append(recorded) or [])

    assert fetched.problem is None and fetched.value.sites == ()
    assert asked == []
    assert TopologyRecord.objects.get().data["sites"] == []


def test_a_newer_topology_is_recorded_with_one_update(clock_cache, butlr_api):
    butlr_api.post(f"{BUTLR}/api/v3/graphql", json={"data": EMPTY_TOPOLOGY})
    with time_machine.travel(MOMENT, tick=False) as clock:
        topology_fetch()
        cache.clear()
        clock.shift(timedelta(minutes=1))
        with CaptureQueriesContext(connection) as queries:
            topology_fetch()

    statements = [query["sql"].split()[0] for query in queries.captured_queries]
    assert statements == ["SELECT", "UPDATE"]
    assert TopologyRecord.objects.get().fetched_at == MOMENT + timedelta(minutes=1)
