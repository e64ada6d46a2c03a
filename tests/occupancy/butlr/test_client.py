"""Tests of the Butlr client against a Butlr mocked with `responses`."""

import json
import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
import responses
import time_machine
from django.core.cache import cache

from occupancy.butlr import client as client_module
from occupancy.butlr.client import ButlrClient
from occupancy.butlr.detections import DetectionsQuery
from occupancy.butlr.errors import (
    BadRequest,
    BadResponse,
    RateLimited,
    Unauthorized,
    Unavailable,
    UpstreamTimeout,
)
from occupancy.butlr.reporting import ReportingQuery, Window
from tests.fixtures.scripted_http import DROP, HANG, Answer
from tests.occupancy.conftest import BUTLR

REPORTING = f"{BUTLR}/api/v3/reporting"
GRAPHQL = f"{BUTLR}/api/v3/graphql"
DETECTIONS = f"{BUTLR}/api/v3/detections"
LOGIN = f"{BUTLR}/api/v2/clients/login"
START = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
QUERY = ReportingQuery(
    measurement="room_occupancy",
    start=START,
    stop=START + timedelta(minutes=5),
    spaces=("space_1",),
    group_by=("room_id",),
    window=Window(every="1m", function="median", timezone="America/New_York"),
)
ANSWER = {"data": {"room_a": {"median": 3, "max": 4, "count": 5}}}
FAILED = Answer(503, body={"error": "no"})


def _logins(mock) -> int:
    return sum(1 for call in mock.calls if call.request.url == LOGIN)


def _bearer(call) -> str:
    return call.request.headers["Authorization"]


def test_reporting_sends_the_query_with_a_bearer_token(butlr_api):
    butlr_api.post(REPORTING, json=ANSWER)

    rows = ButlrClient().reporting(QUERY)

    assert [(row.keys, row.stats.median) for row in rows] == [({"room_id": "room_a"}, 3)]
    login, call = butlr_api.calls
    assert json.loads(login.request.body) == {
        "client_id": "client-id-for-tests",
        "client_secret": "very-secret-client-secret",
        "audience": "https://butlrauth/",
        "grant_type": "client_credentials",
    }
    assert _bearer(call) == "Bearer token-1"
    assert json.loads(call.request.body) == QUERY.body()


def test_the_token_is_shared_through_the_cache(butlr_api):
    butlr_api.post(REPORTING, json=ANSWER)

    ButlrClient().reporting(QUERY)
    ButlrClient().reporting(QUERY)

    assert _logins(butlr_api) == 1
    assert cache.get(client_module.TOKEN_KEY)["access_token"] == "token-1"


def test_the_token_is_renewed_a_few_minutes_before_it_expires(butlr_api):
    butlr_api.post(REPORTING, json=ANSWER)
    with time_machine.travel(datetime(2026, 11, 23, 12, 0, tzinfo=UTC), tick=False) as clock:
        ButlrClient().reporting(QUERY)
        clock.shift(timedelta(minutes=54))
        ButlrClient().reporting(QUERY)
        assert _logins(butlr_api) == 1
        clock.shift(timedelta(minutes=1, seconds=1))
        ButlrClient().reporting(QUERY)

    assert _logins(butlr_api) == 2
    assert _bearer(butlr_api.calls[-1]) == "Bearer token-2"


def test_a_short_lived_token_renews_at_half_its_life(butlr_settings):
    with responses.RequestsMock() as mock:
        mock.post(LOGIN, json={"access_token": "short", "expires_in": 60})
        mock.post(REPORTING, json=ANSWER)
        with time_machine.travel(datetime(2026, 11, 23, 12, 0, tzinfo=UTC), tick=False):
            ButlrClient().reporting(QUERY)
            # Read inside the travel: by the real clock the entry has long expired.
            entry = cache.get(client_module.TOKEN_KEY)

    assert entry["expires_at"] - entry["renew_at"] == 30


def test_many_threads_share_one_login(butlr_api):
    butlr_api.post(REPORTING, json=ANSWER)
    errors = []

    def work():
        try:
            ButlrClient().reporting(QUERY)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert _logins(butlr_api) == 1
    assert {_bearer(call) for call in butlr_api.calls if call.request.url == REPORTING} == {
        "Bearer token-1"
    }


def test_a_401_drops_the_token_and_renews_it_once(butlr_api):
    butlr_api.post(REPORTING, status=401, json={"error": "unauthorized"})
    butlr_api.post(REPORTING, json=ANSWER)

    rows = ButlrClient().reporting(QUERY)

    assert rows[0].stats.median == 3
    assert _logins(butlr_api) == 2
    calls = [call for call in butlr_api.calls if call.request.url == REPORTING]
    assert [_bearer(call) for call in calls] == ["Bearer token-1", "Bearer token-2"]
    assert cache.get(client_module.TOKEN_KEY)["access_token"] == "token-2"


def test_a_second_401_is_unauthorized_after_one_renewal(butlr_api):
    butlr_api.post(REPORTING, status=401, json={"error": "unauthorized"})

    with pytest.raises(Unauthorized):
        ButlrClient().reporting(QUERY)

    assert _logins(butlr_api) == 2


def test_rejected_credentials_are_unauthorized_and_not_retried_at_once(butlr_settings):
    with responses.RequestsMock() as mock:
        mock.post(LOGIN, status=401, json={"error": "access_denied"})
        with pytest.raises(Unauthorized):
            ButlrClient().reporting(QUERY)
        with pytest.raises(Unauthorized):
            ButlrClient().reporting(QUERY)
        assert len(mock.calls) == 1


def test_a_login_without_a_token_is_a_bad_response(butlr_settings):
    with responses.RequestsMock() as mock:
        mock.post(LOGIN, json={"expires_in": 60})
        with pytest.raises(BadResponse):
            ButlrClient().reporting(QUERY)


@pytest.mark.parametrize("status", [502, 503, 504])
def test_server_errors_are_retried(butlr_api, status, caplog):
    butlr_api.post(REPORTING, status=status, body="<html>busy</html>")
    butlr_api.post(REPORTING, json=ANSWER)

    assert ButlrClient().reporting(QUERY)[0].stats.median == 3
    assert f"Butlr {REPORTING} answered {status}; retrying" in caplog.messages


@pytest.mark.parametrize("retries", [0, 1, 2])
def test_server_errors_are_retried_as_often_as_the_settings_say(butlr_api, settings, retries):
    settings.BUTLR_RETRIES = retries
    butlr_api.post(REPORTING, status=503, json={"error": "down"})

    with pytest.raises(Unavailable):
        ButlrClient().reporting(QUERY)

    assert sum(1 for call in butlr_api.calls if call.request.url == REPORTING) == 1 + retries


def test_the_login_is_never_retried(butlr_settings):
    with responses.RequestsMock() as mock:
        mock.post(LOGIN, status=503, json={"error": "down"})
        with pytest.raises(Unavailable):
            ButlrClient().reporting(QUERY)
        assert len(mock.calls) == 1


def test_other_statuses_are_not_retried_even_with_a_retry_after(butlr_api):
    butlr_api.post(REPORTING, status=413, headers={"Retry-After": "0"}, json={})

    with pytest.raises(BadRequest):
        ButlrClient().reporting(QUERY)

    assert sum(1 for call in butlr_api.calls if call.request.url == REPORTING) == 1


def test_a_500_is_not_retried(butlr_api):
    butlr_api.post(REPORTING, status=500, json={"error": "boom"})

    with pytest.raises(Unavailable):
        ButlrClient().reporting(QUERY)

    assert sum(1 for call in butlr_api.calls if call.request.url == REPORTING) == 1


def test_timeouts_come_from_settings_at_call_time(butlr_api, butlr_settings):
    butlr_settings.BUTLR_CONNECT_TIMEOUT = 1.5
    butlr_settings.BUTLR_READ_TIMEOUT = 7
    butlr_api.post(REPORTING, json=ANSWER)

    ButlrClient().reporting(QUERY)

    assert butlr_api.calls[-1].request.req_kwargs["timeout"] == (1.5, 7)


def test_a_429_with_a_date_is_understood(butlr_api):
    later = datetime.now(UTC) + timedelta(minutes=10)
    butlr_api.post(
        REPORTING,
        status=429,
        headers={"Retry-After": later.strftime("%a, %d %b %Y %H:%M:%S GMT")},
        json={},
    )

    with pytest.raises(RateLimited) as caught:
        ButlrClient().reporting(QUERY)

    assert 500 < caught.value.retry_after <= 600


def test_a_400_is_a_bad_request(butlr_api):
    butlr_api.post(REPORTING, status=400, json={"error": "bad_request", "message": "no"})

    with pytest.raises(BadRequest):
        ButlrClient().reporting(QUERY)


def test_a_body_that_is_not_json_is_a_bad_response(butlr_api):
    butlr_api.post(REPORTING, body='{"data": [{"id": 1,', content_type="application/json")

    with pytest.raises(BadResponse):
        ButlrClient().reporting(QUERY)


@pytest.mark.parametrize("figure", ["NaN", "Infinity"])
def test_a_figure_json_has_no_word_for_is_a_bad_response(butlr_api, figure):
    # Python's own json module would read these as floats, and a chart would draw them.
    body = '{"data": {"space_1": {"occupancy": {"mean": ' + figure + ', "count": 1}}}}'
    butlr_api.post(REPORTING, body=body, content_type="application/json")

    with pytest.raises(BadResponse, match="not JSON"):
        ButlrClient().reporting(QUERY)


def test_graphql_errors_are_bad_responses(butlr_api):
    butlr_api.post(GRAPHQL, json={"errors": [{"message": "Cannot query field 'x'"}]})

    with pytest.raises(BadResponse, match="Cannot query field"):
        ButlrClient().graphql("{ x }")


def test_graphql_sends_the_query(butlr_api):
    butlr_api.post(GRAPHQL, json={"data": {"floors": []}})

    data = ButlrClient().graphql("{ floors { id } }")

    assert data == {"floors": []}
    assert json.loads(butlr_api.calls[-1].request.body) == {"query": "{ floors { id } }"}


def _topology_data(*sites):
    return {
        "sites": {
            "data": [
                {"id": site, "name": site, "timezone": "UTC", "buildings": []} if site else None
                for site in sites
            ]
        },
        "sensors": {"data": []},
    }


def test_graphql_errors_next_to_data_are_bad_responses(butlr_api):
    butlr_api.post(
        GRAPHQL,
        json={"data": {"floors": [None]}, "errors": [{"message": "boom", "path": ["floors", 0]}]},
    )

    with pytest.raises(BadResponse, match="boom"):
        ButlrClient().graphql("{ floors { id } }")


def test_the_topology_sends_the_wrapped_query(butlr_api):
    butlr_api.post(GRAPHQL, json={"data": _topology_data("site_1")})

    topology = ButlrClient().topology()

    assert [site.id for site in topology.sites] == ["site_1"]
    assert not topology.partial
    sent = " ".join(json.loads(butlr_api.calls[-1].request.body)["query"].split())
    assert "sites { data {" in sent


def test_a_partial_topology_is_used_marked_partial_and_logged(butlr_api, caplog):
    errors = [{"message": "Site unavailable", "path": ["sites", "data", 1]}]
    butlr_api.post(GRAPHQL, json={"data": _topology_data("site_1", None), "errors": errors})

    with caplog.at_level(logging.WARNING, logger="occupancy.butlr.client"):
        topology = ButlrClient().topology()

    assert [site.id for site in topology.sites] == ["site_1"]
    assert topology.partial
    assert "partial" in caplog.text and "Site unavailable" in caplog.text


@pytest.mark.parametrize(
    "error",
    [
        {"message": "Sensor resolver failed", "path": ["sensors", "data", 0, "room_id"]},
        {"message": "Something failed"},
    ],
)
def test_topology_errors_outside_its_sites_are_bad_responses(butlr_api, error):
    butlr_api.post(GRAPHQL, json={"data": _topology_data("site_1"), "errors": [error]})

    with pytest.raises(BadResponse, match=error["message"]):
        ButlrClient().topology()


@pytest.mark.parametrize("data", [None, {}])
def test_errors_without_data_are_bad_responses(butlr_api, data):
    butlr_api.post(GRAPHQL, json={"data": data, "errors": [{"message": "Not authorised"}]})

    with pytest.raises(BadResponse, match="Not authorised"):
        ButlrClient().topology()


def test_a_partial_topology_whose_sites_are_null_is_a_bad_response(butlr_api):
    errors = [{"message": "Sites failed", "path": ["sites"]}]
    butlr_api.post(
        GRAPHQL, json={"data": {"sites": None, "sensors": {"data": []}}, "errors": errors}
    )

    with pytest.raises(BadResponse):
        ButlrClient().topology()


def test_detections_are_parsed(butlr_api):
    butlr_api.post(
        DETECTIONS,
        json={
            "detections_local": [
                {
                    "start_time": 1667888615000,
                    "sample_time": 1667888615900,
                    "mac_address": "00-17-0d-00-00-aa-bb-cc",
                    "value": [[0.25, 0.5], [0.75, 0.125]],
                }
            ]
        },
    )
    query = DetectionsQuery(start=START, stop=START + timedelta(hours=1), room_id="room_a")

    (detection,) = ButlrClient().detections(query)

    assert detection.points == ((0.25, 0.5), (0.75, 0.125))
    assert detection.sampled_at == datetime(2022, 11, 8, 6, 23, 35, 900000, tzinfo=UTC)
    assert json.loads(butlr_api.calls[-1].request.body) == {
        "data_types": ["detections_local"],
        "filter": {
            "start": "2026-11-23T14:00:00Z",
            "stop": "2026-11-23T15:00:00Z",
            "omit_empty_value": True,
            "room_id": "room_a",
        },
    }


def test_no_secret_or_token_reaches_logs_or_errors(butlr_api, caplog):
    caplog.set_level(logging.DEBUG)
    butlr_api.post(REPORTING, status=503, json={"error": "down"})

    with pytest.raises(Unavailable) as caught:
        ButlrClient().reporting(QUERY)

    told = " ".join([str(caught.value), repr(caught.value), caplog.text])
    assert "very-secret-client-secret" not in told
    assert "token-1" not in told
    assert "Butlr answered 503" in told


def test_a_refused_login_request_is_remembered_briefly(butlr_settings):
    with responses.RequestsMock() as mock:
        mock.post(LOGIN, status=400, json={"error": "unsupported_grant_type"})
        with pytest.raises(BadRequest):
            ButlrClient().reporting(QUERY)
        with pytest.raises(BadRequest):
            ButlrClient().reporting(QUERY)
        assert len(mock.calls) == 1


# Over real HTTP, where urllib3 retries, backs off and waits out a Retry-After.


@pytest.fixture
def scripted_butlr(butlr_settings, scripted_http):
    """A Butlr on a local port that logs anyone in and answers the rest from its script."""
    login = Answer(body={"access_token": "token-1", "expires_in": 3600})
    scripted_http.fixed["/api/v2/clients/login"] = login
    scripted_http.otherwise = Answer(body=ANSWER)
    butlr_settings.BUTLR_API_URL = scripted_http.url
    yield scripted_http
    client_module._session.close()


def test_dropped_connections_are_retried_with_a_growing_backoff(scripted_butlr, urllib3_waits):
    scripted_butlr.script(DROP, DROP)

    assert ButlrClient().reporting(QUERY)[0].stats.median == 3

    assert len(scripted_butlr.requests) == 3
    first, second = urllib3_waits  # BUTLR_RETRY_BACKOFF is 0.01, with jitter
    assert 0.005 <= first <= 0.01
    assert 0.01 <= second <= 0.02


def test_dropped_connections_give_up_as_unavailable(scripted_butlr):
    scripted_butlr.script(otherwise=DROP)

    with pytest.raises(Unavailable, match="could not be reached"):
        ButlrClient().reporting(QUERY)

    assert len(scripted_butlr.requests) == 3


def test_server_errors_back_off_then_give_up(scripted_butlr, urllib3_waits):
    scripted_butlr.script(otherwise=FAILED)

    with pytest.raises(Unavailable, match="Butlr answered 503"):
        ButlrClient().reporting(QUERY)

    assert len(scripted_butlr.requests) == 3
    assert len(urllib3_waits) == 2


def test_a_read_timeout_is_not_retried(scripted_butlr, butlr_settings):
    butlr_settings.BUTLR_READ_TIMEOUT = 0.2
    scripted_butlr.script(HANG)

    with pytest.raises(UpstreamTimeout):
        ButlrClient().reporting(QUERY)

    assert len(scripted_butlr.requests) == 1


def test_a_short_429_is_waited_out_as_asked(scripted_butlr, urllib3_waits, butlr_settings):
    butlr_settings.BUTLR_RETRY_AFTER_MAX = 5
    scripted_butlr.script(Answer(429, {"Retry-After": "2"}, {"error": "no"}))

    assert ButlrClient().reporting(QUERY)[0].stats.median == 3

    assert len(scripted_butlr.requests) == 2
    assert urllib3_waits == [2]


def test_a_429_without_a_readable_retry_after_backs_off(scripted_butlr, urllib3_waits):
    scripted_butlr.script(Answer(429, {"Retry-After": "soon"}, {"error": "no"}))

    assert ButlrClient().reporting(QUERY)[0].stats.median == 3

    (waited,) = urllib3_waits
    assert 0.005 <= waited <= 0.01


def test_a_long_429_is_rate_limited_without_waiting(scripted_butlr, urllib3_waits, butlr_settings):
    butlr_settings.BUTLR_RETRY_AFTER_MAX = 5
    scripted_butlr.script(otherwise=Answer(429, {"Retry-After": "120"}, {"error": "no"}))

    with pytest.raises(RateLimited) as caught:
        ButlrClient().reporting(QUERY)

    assert caught.value.retry_after == 120
    assert len(scripted_butlr.requests) == 1
    assert urllib3_waits == []


def test_a_long_retry_after_on_a_503_is_not_waited_either(scripted_butlr, urllib3_waits):
    scripted_butlr.script(otherwise=Answer(503, {"Retry-After": "3600"}, {"error": "no"}))

    with pytest.raises(Unavailable):
        ButlrClient().reporting(QUERY)

    assert len(scripted_butlr.requests) == 1
    assert urllib3_waits == []
