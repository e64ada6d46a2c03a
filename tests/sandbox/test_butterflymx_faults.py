"""Fault injection and call counting on the sandbox ButterflyMX endpoints."""

import json
import threading
import time

import pytest
from django.core.cache import cache

from sandbox import faults
from sandbox.butterflymx.services import token_issue

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])

API = "/sandbox/butterflymx/api"
ACCOUNTS = "/sandbox/butterflymx/accounts"
ENDPOINT_NAMES = {
    "butterflymx.authorize",
    "butterflymx.token",
    "butterflymx.revoke",
    "butterflymx.token_info",
    "butterflymx.tenants",
    "butterflymx.buildings",
    "butterflymx.building",
    "butterflymx.access_points",
    "butterflymx.devices",
    "butterflymx.door_release",
    "butterflymx.access_logs",
    "butterflymx.access_log",
    "butterflymx.calls",
    "butterflymx.call",
    "butterflymx.photo",
    "butterflymx.capabilities",
    "butterflymx.keychains",
    "butterflymx.keychain",
    "butterflymx.keychain_create_custom",
    "butterflymx.keychain_create_one_time",
    "butterflymx.keychain_create_recurring",
    "butterflymx.keychain_create_delivery_pass",
    "butterflymx.virtual_keys",
    "butterflymx.virtual_key",
    "butterflymx.virtual_key_qr_code",
    "butterflymx.virtual_key_instructions",
    "butterflymx.integrations",
    "butterflymx.integration",
    "butterflymx.webhook_delivery",
    "butterflymx.v3_open_door",
}


@pytest.fixture
def get_tenants(client, bmx_world):
    token = token_issue(person=bmx_world.rosa)["access_token"]

    def get():
        return client.get(f"{API}/v4/tenants", headers={"Authorization": f"Bearer {token}"})

    return get


def test_the_control_endpoint_lists_every_endpoint_by_its_agreed_name(client):
    calls = client.get("/sandbox/_control").json()["calls"]
    assert {name for name in calls if name.startswith("butterflymx.")} == ENDPOINT_NAMES
    assert all(calls[name] == 0 for name in ENDPOINT_NAMES)


def test_calls_are_counted_per_endpoint_even_when_unauthorized(client, get_tenants):
    get_tenants()
    get_tenants()
    client.get(f"{API}/v4/devices")
    assert faults.calls_count("butterflymx.tenants") == 2
    assert faults.calls_count("butterflymx.devices") == 1
    assert faults.calls_count("butterflymx.access_points") == 0


def test_a_status_fault_answers_the_api_envelope_for_the_next_n_calls(get_tenants):
    faults.fault_add(endpoint="butterflymx.tenants", kind="status", status=503, times=2)
    for _ in range(2):
        response = get_tenants()
        assert response.status_code == 503
        assert response.json() == {
            "errors": [
                {"field": None, "code": "service_unavailable", "message": "Service Unavailable"}
            ]
        }
    assert get_tenants().status_code == 200
    assert faults.calls_count("butterflymx.tenants") == 3


def test_a_status_fault_carries_its_headers(get_tenants):
    faults.fault_add(
        endpoint="butterflymx.tenants",
        kind="status",
        status=429,
        headers={"Retry-After": "7"},
        times=1,
    )
    response = get_tenants()
    assert response.status_code == 429
    assert response["Retry-After"] == "7"
    assert response.json()["errors"][0]["code"] == "too_many_requests"


CLIENT = {"client_id": "foyer-sandbox-client", "client_secret": "foyer-sandbox-secret"}


def test_two_first_calls_at_once_are_both_counted(get_tenants, monkeypatch):
    add = cache.add

    def another_call_first(key, value, timeout):
        # The other call starts the count between this one's incr and add.
        add(key, value, timeout)
        return add(key, value, timeout)

    monkeypatch.setattr(cache, "add", another_call_first)
    get_tenants()
    monkeypatch.undo()

    assert faults.calls_count("butterflymx.tenants") == 2


def test_a_status_fault_on_the_accounts_host_answers_the_oauth_form(client, bmx_world):
    faults.fault_add(endpoint="butterflymx.token", kind="status", status=503, times=1)
    response = client.post(f"{ACCOUNTS}/oauth/token", {"grant_type": "refresh_token", **CLIENT})
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"


def test_a_wildcard_fault_hits_every_butterflymx_endpoint_and_nothing_else(client, bmx_world):
    faults.fault_add(endpoint="butterflymx.*", kind="status", status=500)
    bearer = {"Authorization": f"Bearer {token_issue(person=bmx_world.rosa)['access_token']}"}
    assert client.get(f"{API}/v4/buildings", headers=bearer).status_code == 500
    response = client.post(
        f"{API}/v4/door_release_requests", "{}", content_type="application/json", headers=bearer
    )
    assert response.status_code == 500
    assert response.json()["errors"][0]["code"] == "internal_server_error"
    assert client.get("/sandbox/_control").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "data", "status"),
    [
        ("get", f"{API}/v4/tenants", {}, 401),
        ("post", f"{API}/v4/door_release_requests", {}, 401),
        ("get", f"{ACCOUNTS}/oauth/token/info", {}, 401),
        ("post", f"{ACCOUNTS}/oauth/token", {"grant_type": "refresh_token"}, 401),
        (
            "post",
            f"{ACCOUNTS}/oauth/token",
            {"grant_type": "refresh_token", **CLIENT, "client_secret": "a-guess"},
            401,
        ),
        ("post", f"{ACCOUNTS}/oauth/revoke", {"token": "anything"}, 200),
        ("get", f"{ACCOUNTS}/oauth/authorize", {"client_id": "someone-else"}, 400),
    ],
)
def test_faults_spare_calls_that_do_not_authenticate(client, bmx_world, method, path, data, status):
    faults.fault_add(endpoint="butterflymx.*", kind="status", status=503)

    response = getattr(client, method)(path, data)

    assert response.status_code == status
    assert sum(faults.calls_all().values()) == 1


def test_a_fault_on_one_endpoint_leaves_the_others_alone(client, get_tenants):
    faults.fault_add(endpoint="butterflymx.devices", kind="status", status=502)
    assert get_tenants().status_code == 200


def test_latency(get_tenants):
    faults.fault_add(endpoint="butterflymx.tenants", latency_ms=500, times=1)
    started = time.monotonic()
    assert get_tenants().status_code == 200
    assert time.monotonic() - started >= 0.5
    started = time.monotonic()
    assert get_tenants().status_code == 200
    assert time.monotonic() - started < 0.5


def test_malformed_body(get_tenants):
    faults.fault_add(endpoint="butterflymx.tenants", kind="malformed", times=1)
    response = get_tenants()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_html_from_a_proxy(get_tenants):
    faults.fault_add(endpoint="butterflymx.tenants", kind="html", status=504, times=1)
    response = get_tenants()
    assert response.status_code == 504
    assert response["Content-Type"].startswith("text/html")
    assert b"<html>" in response.content


def test_dropped_connection(get_tenants):
    faults.fault_add(endpoint="butterflymx.tenants", kind="drop", times=1)
    response = get_tenants()
    assert response.streaming
    with pytest.raises(ConnectionAbortedError):
        b"".join(response.streaming_content)
    assert get_tenants().status_code == 200


def test_hang_then_504(get_tenants):
    faults.fault_add(endpoint="butterflymx.tenants", kind="hang", hang_seconds=0.3, times=1)
    started = time.monotonic()
    response = get_tenants()
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 504
    assert response.json()["errors"][0]["code"] == "gateway_timeout"


def test_a_hang_ends_when_its_fault_is_cleared(get_tenants):
    faults.fault_add(endpoint="butterflymx.tenants", kind="hang", hang_seconds=30)
    # A sleep, not threading.Timer: a timed wait on a lock never ends under faketime.
    clearing = threading.Thread(target=lambda: (time.sleep(0.2), faults.faults_clear()))
    clearing.start()
    started = time.monotonic()
    response = get_tenants()
    clearing.join()
    assert time.monotonic() - started < 5
    assert response.status_code == 504


@pytest.mark.parametrize(("fraction", "status"), [(0.0, 200), (1.0, 503)])
def test_a_fraction_of_calls(get_tenants, fraction, status):
    faults.fault_add(endpoint="butterflymx.tenants", kind="status", status=503, fraction=fraction)
    assert {get_tenants().status_code for _ in range(5)} == {status}


def test_faults_from_settings_honour_times_and_restart_on_reset(settings, get_tenants):
    settings.SANDBOX_FAULTS = [
        {"endpoint": "butterflymx.tenants", "kind": "status", "status": 503, "times": 1}
    ]
    assert [get_tenants().status_code for _ in range(3)] == [503, 200, 200]
    faults.reset()
    assert [get_tenants().status_code for _ in range(2)] == [503, 200]


def test_faults_set_over_the_control_endpoint(client, get_tenants):
    response = client.post(
        "/sandbox/_control",
        json.dumps({"faults": [{"endpoint": "butterflymx.tenants", "kind": "html", "times": 1}]}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert get_tenants().status_code == 502
    assert client.get("/sandbox/_control").json()["calls"]["butterflymx.tenants"] == 1
