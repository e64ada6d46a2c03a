"""Tests that every Butlr sandbox endpoint counts its calls and answers injected faults."""

import pytest

from sandbox import faults

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    (
        "butlr.login",
        "api/v2/clients/login",
        {
            "client_id": "foyer-sandbox-butlr",
            "client_secret": "foyer-sandbox-butlr-secret",
            "grant_type": "client_credentials",
        },
        "error",
    ),
    ("butlr.graphql", "api/v3/graphql", {"query": "{ sites { data { id } } }"}, "errors"),
    (
        "butlr.reporting",
        "api/v3/reporting",
        {"filter": {"measurements": ["floor_occupancy"], "start": "-5m"}},
        "error",
    ),
    (
        "butlr.detections",
        "api/v3/detections",
        {"data_types": ["detections_local"], "filter": {"start": "-5m"}},
        "error",
    ),
]


@pytest.fixture(autouse=True)
def _fresh_faults():
    faults.reset()
    yield
    faults.reset()


@pytest.mark.parametrize(("name", "path", "body", "error_key"), ENDPOINTS)
def test_a_status_fault_answers_once_in_the_services_error_shape(
    butlr_post, name, path, body, error_key
):
    faults.fault_add(endpoint=name, kind="status", status=503, times=1)

    faulted = butlr_post(path, body)
    normal = butlr_post(path, body)

    assert faulted.status_code == 503
    assert error_key in faulted.json()
    assert normal.status_code != 503
    assert faults.calls_count(name) == 2


@pytest.mark.parametrize(("name", "path", "body", "error_key"), ENDPOINTS)
def test_a_malformed_fault_answers_a_body_that_is_not_json(butlr_post, name, path, body, error_key):
    faults.fault_add(endpoint="butlr.*", kind="malformed")

    response = butlr_post(path, body)

    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_a_fault_on_one_endpoint_leaves_the_others_alone(butlr_post):
    faults.fault_add(
        endpoint="butlr.reporting", kind="status", status=429, headers={"Retry-After": "7"}
    )

    reporting = butlr_post("api/v3/reporting", ENDPOINTS[2][2])
    graphql = butlr_post("api/v3/graphql", ENDPOINTS[1][2])

    assert reporting.status_code == 429
    assert reporting["Retry-After"] == "7"
    assert graphql.status_code == 200
    assert faults.calls_all()["butlr.graphql"] == 1


@pytest.mark.parametrize(("name", "path", "body", "error_key"), ENDPOINTS)
def test_faults_spare_calls_that_do_not_authenticate(client, name, path, body, error_key):
    faults.fault_add(endpoint="butlr.*", kind="status", status=503)
    stranger = {**body, "client_secret": "a-guess"} if name == "butlr.login" else body

    response = client.post(f"/sandbox/butlr/{path}", stranger, content_type="application/json")

    assert response.status_code == 401
    assert faults.calls_count(name) == 1
