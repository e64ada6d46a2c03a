"""The sandbox's control endpoint answers this machine only, and its faults touch only the
sandbox's own endpoints."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from sandbox import faults
from sandbox.butterflymx.services import token_issue

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])

CONTROL = "/sandbox/_control"
LATENCY = json.dumps({"faults": [{"endpoint": "*", "latency_ms": 45000}]})


def post_latency(client, **extra):
    return client.post(CONTROL, LATENCY, content_type="application/json", **extra)


@pytest.mark.parametrize("address", ["203.0.113.7", "10.0.0.2", "::ffff:203.0.113.7"])
def test_the_control_endpoint_refuses_other_machines(client, address):
    assert post_latency(client, REMOTE_ADDR=address).status_code == 403
    assert client.get(CONTROL, REMOTE_ADDR=address).status_code == 403
    assert client.delete(CONTROL, REMOTE_ADDR=address).status_code == 403
    assert faults.faults_active() == []


@pytest.mark.parametrize(
    "header",
    [
        {"HTTP_X_FORWARDED_FOR": "203.0.113.7"},
        {"HTTP_FORWARDED": "for=203.0.113.7"},
        {"HTTP_X_REAL_IP": "203.0.113.7"},
    ],
)
def test_the_control_endpoint_refuses_clients_a_local_proxy_passes_on(client, header):
    assert post_latency(client, **header).status_code == 403
    assert faults.faults_active() == []


def test_the_control_endpoint_refuses_the_proxy_header_foyer_trusts(client, settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Client-Address"

    assert post_latency(client, HTTP_X_CLIENT_ADDRESS="203.0.113.7").status_code == 403
    assert faults.faults_active() == []


def test_the_control_endpoint_refuses_a_post_a_browser_sends_without_preflight(client):
    response = client.post(CONTROL, LATENCY, content_type="text/plain")

    assert response.status_code == 415
    assert faults.faults_active() == []


def test_the_control_endpoint_answers_the_loopback(client):
    assert post_latency(client, REMOTE_ADDR="::1").status_code == 200
    assert [fault.latency_ms for fault in faults.faults_active()] == [45000]


@pytest.fixture
def waits(monkeypatch):
    waited: list[float] = []
    monkeypatch.setattr(faults.time, "sleep", waited.append)
    return waited


def test_faults_touch_only_the_sandbox_endpoints(resident_client, waits, bmx_world):
    faults.fault_add(endpoint="*", latency_ms=45000)
    faults.fault_add(endpoint="*", kind="status", status=503)
    anonymous = Client()

    assert anonymous.get(reverse("healthz")).status_code == 200
    assert anonymous.get(reverse("account_login")).status_code == 200
    assert resident_client.get(reverse("home")).status_code == 200
    assert waits == []

    token = token_issue(person=bmx_world.rosa)["access_token"]
    answer = anonymous.get(
        "/sandbox/butterflymx/api/v4/tenants", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 503
    assert waits == [45.0]
