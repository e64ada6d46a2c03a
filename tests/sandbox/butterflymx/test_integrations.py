"""The sandbox ButterflyMX's tenant integrations: the documented JSON:API shape, only the
person's own tenants, and the call delivery a ring POSTs to each one bound to `call`."""

import json
import time

import pytest
from django.test import RequestFactory

from sandbox import faults
from sandbox.butterflymx.models import Integration
from sandbox.butterflymx.services import token_issue
from tests.fixtures.scripted_http import Answer

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])

API = "/sandbox/butterflymx/api"
RING = "/sandbox/butterflymx/ring/"


def body(url="https://foyer.example/doorbell/webhook/s3cret/", resource_type="call"):
    return {
        "data": {
            "type": "integrations",
            "attributes": {
                "integrator": "webhook",
                "configuration": {"url": url, "method": "post"},
                "bindings": [
                    {"actions": ["create"], "resource_type": resource_type, "resource_id": None}
                ],
            },
        }
    }


@pytest.fixture
def api(client):
    def call(person, method, path, payload=None):
        token = token_issue(person=person)["access_token"]
        return getattr(client, method)(
            f"{API}{path}",
            json.dumps(payload) if payload is not None else None,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    return call


def test_create_list_show_update_and_delete(api, bmx_world):
    rosa, tenant = bmx_world.rosa, bmx_world.rosa_harbor
    path = f"/v4/tenants/{tenant.id}/integrations"

    created = api(rosa, "post", path, body())
    assert created.status_code == 200
    data = created.json()["data"]
    assert data["type"] == "integrations" and isinstance(data["id"], str)
    attributes = data["attributes"]
    assert attributes["integrator"] == "webhook"
    assert attributes["configuration"] == {
        "url": "https://foyer.example/doorbell/webhook/s3cret/",
        "method": "post",
    }
    assert attributes["bindings"][0]["resource_type"] == "call"

    listed = api(rosa, "get", path).json()
    assert [item["id"] for item in listed["data"]] == [data["id"]]
    assert "page_info" in listed
    assert api(rosa, "get", f"{path}/{data['id']}").json()["data"] == data

    updated = api(rosa, "put", f"{path}/{data['id']}", body(resource_type="door_release"))
    assert updated.json()["data"]["attributes"]["bindings"][0]["resource_type"] == "door_release"

    assert api(rosa, "delete", f"{path}/{data['id']}").status_code == 204
    assert api(rosa, "get", f"{path}/{data['id']}").status_code == 404
    assert not Integration.objects.exists()


def test_another_persons_tenant_is_not_found(api, bmx_world):
    path = f"/v4/tenants/{bmx_world.sam_harbor.id}/integrations"

    assert api(bmx_world.rosa, "post", path, body()).status_code == 404
    assert api(bmx_world.rosa, "get", path).status_code == 404
    assert not Integration.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"data": {"type": "keychains", "attributes": {}}},
        body(url="not a url"),
        {
            "data": {
                "type": "integrations",
                "attributes": {**body()["data"]["attributes"], "bindings": []},
            }
        },
    ],
)
def test_a_bad_integration_is_refused(api, bmx_world, payload):
    response = api(
        bmx_world.rosa, "post", f"/v4/tenants/{bmx_world.rosa_harbor.id}/integrations", payload
    )

    assert response.status_code in (400, 422)
    assert "errors" in response.json()
    assert not Integration.objects.exists()


def _delivered(server, count, timeout=5.0):
    deadline = time.monotonic() + timeout
    while len(server.requests) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return server.requests


def test_a_ring_delivers_the_call_to_the_units_integrations_only(
    api, bmx_world, client, scripted_http
):
    scripted_http.script(otherwise=Answer(200))
    rosa_url = f"{scripted_http.url}/rosa/"
    api(
        bmx_world.rosa,
        "post",
        f"/v4/tenants/{bmx_world.rosa_harbor.id}/integrations",
        body(rosa_url),
    )
    api(
        bmx_world.sam,
        "post",
        f"/v4/tenants/{bmx_world.sam_harbor.id}/integrations",
        body(f"{scripted_http.url}/sam/"),
    )
    api(
        bmx_world.rosa,
        "post",
        f"/v4/tenants/{bmx_world.rosa_harbor.id}/integrations",
        body(f"{scripted_http.url}/doors/", resource_type="door_release"),
    )

    response = client.post(
        RING, json.dumps({"unit_id": bmx_world.rosa_unit.id}), content_type="application/json"
    )

    assert response.status_code == 201
    requests = _delivered(scripted_http, 1)
    time.sleep(0.3)
    assert [path for _, path in scripted_http.requests] == ["/rosa/"]
    delivery = json.loads(scripted_http.bodies[0])["event"]
    assert (delivery["resource_type"], delivery["action"]) == ("call", "create")
    data = delivery["data"]
    assert set(data) == {"guid", "user", "panel", "unit", "provider", "source", "image_url"}
    assert data["panel"]["name"] == "Front entrance panel"
    assert data["unit"]["label"] == bmx_world.rosa_unit.label
    # Another id space than the REST API's, and no call id or time.
    assert data["unit"]["id"] != bmx_world.rosa_unit.id
    assert "id" not in data and "logged_at" not in data
    assert requests


def test_a_dropped_delivery_is_never_sent(api, bmx_world, client, scripted_http):
    scripted_http.script(otherwise=Answer(200))
    api(
        bmx_world.rosa,
        "post",
        f"/v4/tenants/{bmx_world.rosa_harbor.id}/integrations",
        body(f"{scripted_http.url}/rosa/"),
    )
    faults.fault_add(endpoint="butterflymx.webhook_delivery", kind="drop", times=1)

    client.post(
        RING, json.dumps({"unit_id": bmx_world.rosa_unit.id}), content_type="application/json"
    )
    time.sleep(0.5)
    assert scripted_http.requests == []

    client.post(
        RING, json.dumps({"unit_id": bmx_world.rosa_unit.id}), content_type="application/json"
    )
    assert len(_delivered(scripted_http, 1)) == 1


def open_door_body(guid, panel_id):
    return {
        "data": {"type": "notifications", "attributes": {"call_guid": guid, "panel_id": panel_id}}
    }


def test_v3_open_door_marks_only_the_matching_ringing_call_handled(api, bmx_world):
    from sandbox.butterflymx.integrations import OTHER_ID_SPACE, call_guid
    from sandbox.butterflymx.models import Call
    from sandbox.butterflymx.services import call_create

    rosa, sam = bmx_world.rosa, bmx_world.sam
    call = call_create(unit=bmx_world.rosa_unit)
    panel_id = OTHER_ID_SPACE + call.device_id
    path = "/v3/notifications/open_door"

    forged = api(
        rosa, "post", path, open_door_body("6f1d2c1e-0000-4000-8000-000000000000", panel_id)
    )
    other_panel = api(rosa, "post", path, open_door_body(call_guid(call), panel_id + 1))
    not_hers = api(sam, "post", path, open_door_body(call_guid(call), panel_id))
    call.refresh_from_db()
    assert (forged.status_code, other_panel.status_code, not_hers.status_code) == (404, 404, 404)
    assert call.status == Call.Status.INITIALIZING

    handled = api(rosa, "post", path, open_door_body(call_guid(call), panel_id))

    assert handled.status_code == 204
    call.refresh_from_db()
    assert call.status == Call.Status.OPENED_DOOR


def test_v3_open_door_needs_a_token(client, bmx_world):
    response = client.post(
        f"{API}/v3/notifications/open_door",
        json.dumps(open_door_body("x", 1)),
        content_type="application/json",
    )

    assert response.status_code == 401


def test_a_calls_deliveries_carry_its_one_guid(bmx_world):
    from sandbox.butterflymx.integrations import call_delivery, call_guid
    from sandbox.butterflymx.services import call_create

    first = call_create(unit=bmx_world.rosa_unit)
    second = call_create(unit=bmx_world.rosa_unit)

    def guid(call):
        return call_delivery(call, request=RequestFactory().get("/"))["event"]["data"]["guid"]

    assert guid(first) == guid(first) == call_guid(first)
    assert guid(second) != guid(first)
