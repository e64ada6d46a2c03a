"""The sandbox ButterflyMX intercom calls: the ring control, each call's fate, who sees it."""

import json
import struct
from datetime import timedelta

import pytest
from django.test import Client

from sandbox import faults
from sandbox.butterflymx.models import AccessLog, Call
from sandbox.butterflymx.photos import PNG_SIGNATURE
from sandbox.butterflymx.services import token_issue

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])

RING = "/sandbox/butterflymx/ring/"
CALL_KEYS = {
    "id",
    "building_id",
    "logged_at",
    "notification_type",
    "recipient",
    "unit",
    "device",
    "status",
    "image_url",
}


def ring(client, unit, device=None, **extra):
    body = {"unit_id": unit.id} | ({"device_id": device.id} if device else {})
    return client.post(RING, json.dumps(body), content_type="application/json", **extra)


def hang_up(client, call_id):
    return client.post(f"{RING}{call_id}/cancel", content_type="application/json")


@pytest.fixture
def calls(as_person, bmx_world):
    def get(person=None, building=None, **params):
        person = person or bmx_world.rosa
        building = building or bmx_world.harbor_point
        response = as_person(person, f"/v4/buildings/{building.id}/calls", params)
        assert response.status_code == 200
        return response.json()["data"]

    return get


def status(as_person, world, call_id, person=None):
    path = f"/v4/buildings/{world.harbor_point.id}/calls/{call_id}"
    return as_person(person or world.rosa, path).json()["data"]["status"]


def test_the_seeded_calls_have_the_documented_shape(calls, bmx_world, client):
    rosas = calls()
    assert [call["id"] for call in rosas] == [
        bmx_world.rosa_missed_call.id,
        bmx_world.rosa_answered_call.id,
    ]
    missed = rosas[0]
    assert set(missed) == CALL_KEYS
    assert {key: value for key, value in missed.items() if key != "image_url"} == {
        "id": bmx_world.rosa_missed_call.id,
        "building_id": bmx_world.harbor_point.id,
        "logged_at": "2024-06-14T12:04:30Z",
        "notification_type": "visitor",
        "recipient": {"id": bmx_world.rosa_harbor.id, "type": "Tenant"},
        "unit": {"id": bmx_world.rosa_unit.id},
        "device": {"id": bmx_world.harbor_panel.id, "name": "Front entrance panel"},
        "status": "timeout_online_signal",
    }
    assert missed["image_url"] == (
        "http://testserver/sandbox/butterflymx/uploads/store/"
        f"{bmx_world.rosa_missed_call.photo}.png"
    )
    assert rosas[1]["status"] == "opened_door"
    photo = client.get(missed["image_url"])
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/png"


def test_rosa_never_sees_sams_calls(calls, as_person, bmx_world):
    assert bmx_world.sam_missed_call.id not in {call["id"] for call in calls()}
    assert [call["id"] for call in calls(bmx_world.sam)] == [bmx_world.sam_missed_call.id]
    path = f"/v4/buildings/{bmx_world.harbor_point.id}/calls/{bmx_world.sam_missed_call.id}"
    assert as_person(bmx_world.rosa, path).status_code == 404
    assert as_person(bmx_world.sam, path).status_code == 200
    assert calls(building=bmx_world.elm_street) == []
    tower = f"/v4/buildings/{bmx_world.grand_tower.id}/calls"
    assert as_person(bmx_world.rosa, tower).status_code == 404
    assert as_person(bmx_world.rosa, f"{tower}/{bmx_world.rosa_missed_call.id}").status_code == 404


def test_a_ring_is_a_new_call_that_rings_for_40_seconds(client, calls, as_person, bmx_world, clock):
    response = ring(client, bmx_world.rosa_unit)
    assert response.status_code == 201
    data = response.json()["data"]
    assert set(data) == CALL_KEYS
    assert data["status"] == "initializing"
    assert data["logged_at"] == "2026-10-20T15:00:00Z"
    assert data["device"] == {"id": bmx_world.harbor_panel.id, "name": "Front entrance panel"}
    assert data["recipient"] == {"id": bmx_world.rosa_harbor.id, "type": "Tenant"}
    assert calls()[0] == data
    clock.shift(timedelta(seconds=39))
    assert status(as_person, bmx_world, data["id"]) == "initializing"
    clock.shift(timedelta(seconds=1))
    # Decided when read, and a read writes nothing: nothing ran in between.
    assert status(as_person, bmx_world, data["id"]) == "timeout_online_signal"
    assert Call.objects.get(id=data["id"]).status == "initializing"


def test_opening_the_panels_door_within_40_seconds_answers_the_call(
    client, release, as_person, bmx_world, clock
):
    call_id = ring(client, bmx_world.rosa_unit).json()["data"]["id"]
    clock.shift(timedelta(seconds=20))
    # Another door, or another resident, does not answer it.
    release(bmx_world.rosa, bmx_world.rosa_harbor, access_point_id=bmx_world.harbor_garage.id)
    release(bmx_world.sam, bmx_world.sam_harbor, access_point_id=bmx_world.harbor_front_door.id)
    assert status(as_person, bmx_world, call_id) == "initializing"
    release(bmx_world.rosa, bmx_world.rosa_harbor, access_point_id=bmx_world.harbor_front_door.id)
    assert status(as_person, bmx_world, call_id) == "opened_door"
    clock.shift(timedelta(minutes=5))
    assert status(as_person, bmx_world, call_id) == "opened_door"


def test_releasing_the_panel_itself_answers_the_call(client, release, as_person, bmx_world, clock):
    call_id = ring(client, bmx_world.rosa_unit).json()["data"]["id"]
    clock.shift(timedelta(seconds=39))
    release(bmx_world.rosa, bmx_world.rosa_harbor, device_id=bmx_world.harbor_panel.id)
    assert status(as_person, bmx_world, call_id) == "opened_door"


def test_a_door_opened_after_40_seconds_is_too_late(client, release, as_person, bmx_world, clock):
    call_id = ring(client, bmx_world.rosa_unit).json()["data"]["id"]
    clock.shift(timedelta(seconds=40))
    release(bmx_world.rosa, bmx_world.rosa_harbor, access_point_id=bmx_world.harbor_front_door.id)
    assert Call.objects.get(id=call_id).status == "timeout_online_signal"


def test_a_visitor_hanging_up_cancels_the_call(client, release, as_person, bmx_world, clock):
    call_id = ring(client, bmx_world.rosa_unit).json()["data"]["id"]
    response = hang_up(client, call_id)
    assert response.status_code == 200
    assert response.json()["data"]["status"] == "canceled"
    release(bmx_world.rosa, bmx_world.rosa_harbor, access_point_id=bmx_world.harbor_front_door.id)
    assert status(as_person, bmx_world, call_id) == "canceled"
    again = hang_up(client, call_id)
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "call_ended"
    late = ring(client, bmx_world.rosa_unit).json()["data"]["id"]
    clock.shift(timedelta(seconds=41))
    assert hang_up(client, late).status_code == 409
    assert Call.objects.get(id=late).status == "timeout_online_signal"
    assert hang_up(client, 999999999).status_code == 404


def test_the_ring_control_checks_unit_and_panel(client, bmx_world):
    elm_panel = ring(client, bmx_world.rosa_unit, bmx_world.elm_panel)
    assert elm_panel.status_code == 422
    assert elm_panel.json()["errors"][0]["field"] == "device_id"
    empty_unit = ring(client, bmx_world.elm_other_unit)
    assert empty_unit.status_code == 422
    assert empty_unit.json()["errors"][0]["message"] == "Nobody lives in this unit."
    missing = client.post(RING, json.dumps({}), content_type="application/json")
    assert missing.status_code == 422
    unknown = client.post(RING, json.dumps({"unit_id": 4}), content_type="application/json")
    assert unknown.status_code == 404
    assert not Call.objects.filter(seed_key__isnull=True).exists()
    chosen = ring(client, bmx_world.rosa_elm_unit, bmx_world.elm_panel)
    assert chosen.json()["data"]["device"]["id"] == bmx_world.elm_panel.id


def test_the_ring_page_rings_from_a_form_and_offers_to_hang_up(bmx_world):
    strict = Client(enforce_csrf_checks=True)
    page = strict.get(RING)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'<option value="{bmx_world.harbor_panel.id}">Front entrance panel</option>' in html
    assert '<button type="submit">Ring</button>' in html
    # A form post needs its token; a JSON body needs none.
    form = {"unit_id": bmx_world.rosa_unit.id, "device_id": ""}
    assert strict.post(RING, form).status_code == 403
    assert not Call.objects.filter(seed_key__isnull=True).exists()
    token = page.cookies["csrftoken"].value
    rung = strict.post(RING, {**form, "csrfmiddlewaretoken": token})
    assert rung.status_code == 201
    call = Call.objects.get(seed_key__isnull=True)
    assert f"Call {call.id}" in rung.content.decode()
    assert "Hang up" in rung.content.decode()
    assert strict.post(f"{RING}{call.id}/cancel").status_code == 403
    hung = strict.post(f"{RING}{call.id}/cancel", {"csrfmiddlewaretoken": token})
    assert hung.status_code == 200
    assert 'data-status="canceled"' in hung.content.decode()
    assert ring(strict, bmx_world.rosa_unit).status_code == 201


@pytest.mark.parametrize(
    "extra",
    [{"REMOTE_ADDR": "203.0.113.7"}, {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}],
)
def test_the_ring_control_answers_only_this_machine_unless_debug(
    client, bmx_world, settings, extra
):
    settings.DEBUG = False
    assert client.get(RING, **extra).status_code == 403
    assert ring(client, bmx_world.rosa_unit, **extra).status_code == 403
    assert client.post(f"{RING}{bmx_world.rosa_missed_call.id}/cancel", **extra).status_code == 403
    assert not Call.objects.filter(seed_key__isnull=True).exists()
    assert ring(client, bmx_world.rosa_unit).status_code == 201
    settings.DEBUG = True
    assert ring(client, bmx_world.rosa_unit, **extra).status_code == 201


def test_calls_filters(client, calls, bmx_world, clock):
    ring(client, bmx_world.rosa_unit)
    everything = calls()
    assert len(everything) == 3
    newest = everything[0]["id"]
    since = calls(**{"q[logged_at_gteq]": "2026-10-20 15:00:00 UTC"})
    assert [call["id"] for call in since] == [newest]
    until = calls(**{"q[logged_at_lteq]": "2026-10-20"})
    assert [call["id"] for call in until] == [call["id"] for call in everything[1:]]
    assert calls(**{"q[origin_eq]": bmx_world.harbor_panel.id}) == everything
    assert calls(**{"q[origin_eq]": bmx_world.elm_panel.id}) == []
    assert calls(**{"q[notification_type_eq]": "visitor"}) == everything
    assert calls(**{"q[notification_type_eq]": "attendant"}) == []
    assert calls(**{"q[unit_label_or_user_full_name_start]": "Rosa"}) == everything
    assert calls(**{"q[unit_label_or_user_full_name_start]": "4B"}) == everything
    assert calls(**{"q[unit_label_or_user_full_name_start]": "Sam"}) == []
    assert calls(**{"q[origin_eq]": "front"}) == everything  # ignored, as on the real server
    paged = calls(per=1, page=2)
    assert [call["id"] for call in paged] == [everything[1]["id"]]


def test_a_photo_is_a_png_of_320_by_240_served_publicly(client, bmx_world):
    url = f"/sandbox/butterflymx/uploads/store/{bmx_world.rosa_missed_call.photo}.png"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=86400"
    body = response.content
    assert body.startswith(PNG_SIGNATURE)
    assert body[12:16] == b"IHDR"
    assert struct.unpack(">II", body[16:24]) == (320, 240)
    assert body.endswith(b"IEND\xaeB`\x82")
    assert client.get(url).content == body
    other = f"/sandbox/butterflymx/uploads/store/{bmx_world.rosa_answered_call.photo}.png"
    assert client.get(other).content != body
    for unknown in ("0" * 32, "not-a-photo", bmx_world.rosa_missed_call.photo.upper()):
        assert client.get(f"/sandbox/butterflymx/uploads/store/{unknown}.png").status_code == 404


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("butterflymx.calls", "/v4/buildings/11743/calls"),
        ("butterflymx.call", "/v4/buildings/11743/calls/{call}"),
        ("butterflymx.access_logs", "/v4/buildings/11743/access_logs"),
        ("butterflymx.access_log", "/v4/buildings/11743/access_logs/{log}"),
    ],
)
def test_the_new_endpoints_need_a_token_and_take_faults(client, bmx_world, name, path):
    url = "/sandbox/butterflymx/api" + path.format(
        call=bmx_world.rosa_missed_call.id,
        log=AccessLog.objects.filter(tenant=bmx_world.rosa_harbor).first().id,
    )
    assert client.get(url).status_code == 401
    token = token_issue(person=bmx_world.rosa)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(url, headers=headers).status_code == 200
    faults.reset()
    try:
        faults.fault_add(endpoint=name, kind="status", status=503, times=1)
        failed = client.get(url, headers=headers)
        assert failed.status_code == 503
        assert failed.json()["errors"][0]["code"] == "service_unavailable"
        assert client.get(url, headers=headers).status_code == 200
        assert faults.calls_count(name) == 2
    finally:
        faults.reset()


def test_a_photo_takes_faults_only_when_it_is_real(client, bmx_world):
    url = f"/sandbox/butterflymx/uploads/store/{bmx_world.rosa_missed_call.photo}.png"
    faults.reset()
    try:
        faults.fault_add(endpoint="butterflymx.photo", kind="status", status=500)
        assert client.get(url).status_code == 500
        assert client.get(f"/sandbox/butterflymx/uploads/store/{'0' * 32}.png").status_code == 404
    finally:
        faults.reset()
