"""Doorbell notifications end to end against the sandbox: devices opt in, ButterflyMX's
webhooks follow them, a ring becomes one push per device (decrypted at a stand-in push
service), the notification's Open opens the right door once, and the doors page's banner
shows a ring whose delivery was lost."""

import json
import re
import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from residents.doorbell import Ring, doorbell_notify, open_token
from residents.models import ButterflyMXConnection, DoorbellWebhook, DoorEvent, PushSubscription
from sandbox import faults
from sandbox.butterflymx.models import Integration
from sandbox.butterflymx.services import call_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])

RING = "/sandbox/butterflymx/ring/"


@pytest.fixture
def foyer(settings, live_server, push_service):
    """The webhooks ButterflyMX calls point at the live server."""
    settings.SITE_URL = live_server.url
    return push_service


@pytest.fixture
def rosa_client(client, connected_resident):
    client.force_login(connected_resident)
    return client


def subscribe(client, device):
    return client.post(
        reverse("push_subscribe"),
        data=json.dumps(device.subscription()),
        content_type="application/json",
    )


def ring(client, unit):
    response = client.post(RING, data={"unit_id": unit.pk}, content_type="application/json")
    assert response.status_code == 201
    return response.json()["data"]


def open_door(client, token, **extra):
    return client.post(
        reverse("doorbell_open"), data=json.dumps({"token": token}), content_type="application/json"
    )


def test_a_device_is_saved_and_webhooks_made_on_each_tenancy(
    foyer, bmx_sandbox, rosa_client, connected_resident, live_server
):
    world = bmx_sandbox.world

    assert subscribe(rosa_client, foyer.device()).status_code == 201
    assert subscribe(rosa_client, foyer.device()).status_code == 201

    assert PushSubscription.objects.filter(user=connected_resident).count() == 2
    webhooks = DoorbellWebhook.objects.filter(user=connected_resident)
    assert {webhook.tenant_id for webhook in webhooks} == {
        world.rosa_harbor.pk,
        world.rosa_elm.pk,
        world.rosa_skyline.pk,
    }
    integrations = Integration.objects.filter(tenant__person=world.rosa)
    assert integrations.count() == 3
    for integration in integrations:
        assert integration.binds("call")
        assert integration.configuration["url"].startswith(f"{live_server.url}/doorbell/webhook/")
    secrets = {integration.configuration["url"] for integration in integrations}
    assert len(secrets) == 3


def test_an_endpoint_outside_the_push_services_is_refused(foyer, bmx_sandbox, rosa_client):
    device = foyer.device()
    device.endpoint = "http://10.0.0.1/push/internal"

    response = subscribe(rosa_client, device)

    assert response.status_code == 400
    assert not PushSubscription.objects.exists()
    assert not Integration.objects.exists()


def test_removing_the_last_device_removes_the_webhooks(
    foyer, bmx_sandbox, rosa_client, connected_resident
):
    subscribe(rosa_client, foyer.device())
    subscribe(rosa_client, foyer.device())
    first, second = PushSubscription.objects.filter(user=connected_resident)

    rosa_client.post(reverse("push_unsubscribe", args=[first.pk]))
    assert Integration.objects.count() == 3
    assert DoorbellWebhook.objects.count() == 3

    rosa_client.post(reverse("push_unsubscribe", args=[second.pk]))
    assert not PushSubscription.objects.exists()
    assert not DoorbellWebhook.objects.exists()
    assert not Integration.objects.exists()


def test_another_residents_device_cannot_be_removed(foyer, bmx_sandbox, rosa_client, client):
    subscribe(rosa_client, foyer.device())
    subscription = PushSubscription.objects.get()
    client.force_login(UserFactory())

    client.post(reverse("push_unsubscribe", args=[subscription.pk]))

    assert PushSubscription.objects.count() == 1


def test_disconnecting_removes_the_webhooks(foyer, bmx_sandbox, rosa_client):
    subscribe(rosa_client, foyer.device())
    assert Integration.objects.count() == 3

    rosa_client.post(reverse("butterflymx_disconnect"))

    assert not Integration.objects.exists()
    assert not DoorbellWebhook.objects.exists()


def test_a_ring_is_one_push_per_device(foyer, bmx_sandbox, rosa_client):
    world = bmx_sandbox.world
    phone, laptop = foyer.device(), foyer.device()
    subscribe(rosa_client, phone)
    subscribe(rosa_client, laptop)

    call = ring(rosa_client, world.rosa_unit)
    pushes = foyer.wait_for(2)
    time.sleep(0.5)  # a second push per device would have come by now

    assert len(foyer.pushes) == 2
    assert len(foyer.pushes_to(phone)) == len(foyer.pushes_to(laptop)) == 1
    push = foyer.pushes_to(phone)[0]
    assert push.headers["ttl"] == "60"
    assert push.headers["urgency"] == "high"
    assert push.headers["authorization"].startswith("vapid ")
    payload = foyer.payload(push)
    assert payload["title"] == "Someone is at Front entrance panel"
    assert payload["tag"] == f"call-{call['id']}"
    tenancy = [world.rosa_harbor.building_id, world.rosa_harbor.pk]
    assert payload["image"] == reverse("history_photo", args=[*tenancy, "call", call["id"]])
    assert payload["url"] == reverse("doorbell_ringing", args=[*tenancy, call["id"]])
    assert payload["open"]["url"] == reverse("doorbell_open")
    raw = json.dumps(payload)
    assert "sandbox" not in raw and "uploads" not in raw  # never ButterflyMX's photo address
    assert foyer.payload(pushes[1])["tag"] == payload["tag"]


def test_a_ring_to_someone_else_pushes_nothing(foyer, bmx_sandbox, rosa_client):
    subscribe(rosa_client, foyer.device())

    ring(rosa_client, bmx_sandbox.world.sam_unit)
    time.sleep(1.0)

    assert foyer.pushes == []


def test_a_dead_subscription_is_removed(foyer, bmx_sandbox, rosa_client):
    alive, dead = foyer.device(), foyer.device()
    subscribe(rosa_client, alive)
    subscribe(rosa_client, dead)
    foyer.answer(dead, 410)

    ring(rosa_client, bmx_sandbox.world.rosa_unit)
    foyer.wait_for(2)
    deadline = time.monotonic() + 5
    while PushSubscription.objects.count() > 1 and time.monotonic() < deadline:
        time.sleep(0.05)

    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [alive.endpoint]


def test_an_unknown_secret_is_404_and_starts_nothing(foyer, bmx_sandbox, rosa_client, client):
    subscribe(rosa_client, foyer.device())
    call_create(unit=bmx_sandbox.world.rosa_unit)

    response = client.post(
        reverse("doorbell_webhook", args=["not-the-secret"]),
        data={},
        content_type="application/json",
    )

    assert response.status_code == 404
    assert response.content == b""
    time.sleep(0.3)
    assert foyer.pushes == []


def test_the_delivery_body_is_never_trusted(foyer, bmx_sandbox, rosa_client, client):
    """A delivery that names another panel and photo only makes Foyer ask ButterflyMX."""
    world = bmx_sandbox.world
    subscribe(rosa_client, foyer.device())
    integration = Integration.objects.get(tenant=world.rosa_harbor)
    webhook_path = integration.configuration["url"].removeprefix(foyer_site(integration))
    forged = {
        "event": {
            "resource_type": "call",
            "action": "create",
            "data": {"panel": {"id": 1, "name": "Fake"}, "image_url": "https://evil.example/x"},
        }
    }
    response = client.post(webhook_path, data=forged, content_type="application/json")
    assert response.status_code == 200
    assert foyer.pushes == []  # nothing rings: nothing is pushed

    call = call_create(unit=world.rosa_unit)
    response = client.post(webhook_path, data=forged, content_type="application/json")

    assert response.status_code == 200
    payload = foyer.payload(foyer.wait_for(1)[0])
    assert payload["title"] == "Someone is at Front entrance panel"
    assert payload["tag"] == f"call-{call.pk}"
    assert "evil" not in json.dumps(payload)


def foyer_site(integration):
    url = integration.configuration["url"]
    return url[: url.index("/doorbell/")]


def _token_from_a_ring(foyer, bmx_sandbox, rosa_client):
    subscribe(rosa_client, foyer.device())
    ring(rosa_client, bmx_sandbox.world.rosa_unit)
    return foyer.payload(foyer.wait_for(1)[0])["open"]["token"]


def test_open_opens_the_panels_door_once(foyer, bmx_sandbox, rosa_client, connected_resident):
    world = bmx_sandbox.world
    token = _token_from_a_ring(foyer, bmx_sandbox, rosa_client)
    released = bmx_sandbox.calls("butterflymx.door_release")

    first = open_door(rosa_client, token)
    second = open_door(rosa_client, token)

    assert first.status_code == 200
    assert first.json()["outcome"] == "opened"
    # A second Open within the cooldown keeps saying it opened, and sends nothing more.
    assert second.json()["outcome"] == "opened"
    assert bmx_sandbox.calls("butterflymx.door_release") == released + 1
    event = DoorEvent.objects.get(user=connected_resident)
    assert (event.door_kind, event.door_id) == ("access_point", world.harbor_front_door.pk)
    assert event.tenant_id == world.rosa_harbor.pk


def test_open_refuses_another_users_token(foyer, bmx_sandbox, rosa_client, client):
    token = _token_from_a_ring(foyer, bmx_sandbox, rosa_client)
    released = bmx_sandbox.calls("butterflymx.door_release")
    client.force_login(UserFactory())

    response = open_door(client, token)

    assert response.status_code == 403
    assert bmx_sandbox.calls("butterflymx.door_release") == released
    assert not DoorEvent.objects.exists()


def test_open_refuses_a_forged_expired_or_missing_token(
    foyer, bmx_sandbox, rosa_client, connected_resident, settings
):
    world = bmx_sandbox.world
    ring_ = Ring(
        call_id=1,
        building_id=world.rosa_harbor.building_id,
        unit_id=world.rosa_unit.pk,
        recipient_id=world.rosa_harbor.pk,
        panel_name="Front entrance panel",
        access_point_id=world.harbor_front_door.pk,
        building_name="Harbor Point",
        logged_at="2020-01-01T00:00:00+00:00",
    )
    token = open_token(user_id=connected_resident.pk, tenant_id=world.rosa_harbor.pk, ring=ring_)
    settings.DOORBELL_OPEN_SECONDS = -1  # already expired

    assert open_door(rosa_client, token).status_code == 403
    assert open_door(rosa_client, token + "x").status_code == 403
    not_json = rosa_client.post(reverse("doorbell_open"), data={"token": token})
    assert not_json.status_code == 400
    assert not DoorEvent.objects.exists()


def test_open_needs_the_signed_in_resident(foyer, bmx_sandbox, rosa_client, client):
    token = _token_from_a_ring(foyer, bmx_sandbox, rosa_client)
    client.logout()

    assert open_door(client, token).status_code == 401
    assert not DoorEvent.objects.exists()


def test_a_lost_delivery_still_shows_the_banner(foyer, bmx_sandbox, rosa_client):
    world = bmx_sandbox.world
    subscribe(rosa_client, foyer.device())
    faults.fault_add(endpoint="butterflymx.webhook_delivery", kind="drop")
    banner = reverse("doorbell_banner", args=[world.rosa_harbor.building_id, world.rosa_harbor.pk])
    quiet = rosa_client.get(banner, HTTP_HX_REQUEST="true")

    call = ring(rosa_client, world.rosa_unit)
    time.sleep(0.5)
    cache.delete_many([f"doorbell-polled:{world.rosa_harbor.building_id}:{world.rosa_harbor.pk}"])
    ringing = rosa_client.get(banner, HTTP_HX_REQUEST="true")

    assert "Someone is at" not in quiet.content.decode()
    assert foyer.pushes == []
    text = ringing.content.decode()
    assert "Someone is at Front entrance panel" in text
    assert (
        reverse(
            "history_photo",
            args=[world.rosa_harbor.building_id, world.rosa_harbor.pk, "call", call["id"]],
        )
        in text
    )
    open_url = reverse(
        "door_unlock",
        args=[
            world.rosa_harbor.building_id,
            world.rosa_harbor.pk,
            "access_point",
            world.harbor_front_door.pk,
        ],
    )
    assert open_url in text


def test_the_service_worker_is_served_for_the_whole_site(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert b"showNotification" in response.content


def test_the_account_page_offers_notifications_and_lists_devices(foyer, client, resident, settings):
    PushSubscription.objects.create(
        user=resident,
        endpoint=f"{foyer.url}/push/a",
        p256dh="k",
        auth="a",
        label="Chrome on Android",
    )
    PushSubscription.objects.create(
        user=UserFactory(), endpoint=f"{foyer.url}/push/b", p256dh="k", auth="a", label="Not mine"
    )
    client.force_login(resident)

    page = client.get(reverse("account")).content.decode()

    assert f'data-public-key="{settings.VAPID_PUBLIC_KEY}"' in page
    assert "Turn on notifications on this device" in page
    assert "Add to Home Screen" in page and "iOS 16.4" in page
    assert "Chrome on Android" in page and "Not mine" not in page
    assert f"{foyer.url}/push/a" not in page  # the endpoint is never shown
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline script (CSP)


def test_without_vapid_keys_the_account_page_says_notifications_are_off(client, resident, settings):
    settings.PUSH_ENABLED = False
    client.force_login(resident)

    page = client.get(reverse("account")).content.decode()

    assert "Notifications are off on this Foyer" in page
    assert "Turn on notifications" not in page


def test_the_banner_stays_empty_while_butterflymx_fails(bmx_sandbox, rosa_client):
    tenant = bmx_sandbox.world.rosa_harbor
    banner = reverse("doorbell_banner", args=[tenant.building_id, tenant.pk])
    rosa_client.get(banner, HTTP_HX_REQUEST="true")  # the doors are known
    cache.delete(f"doorbell-polled:{tenant.building_id}:{tenant.pk}")
    call_create(unit=bmx_sandbox.world.rosa_unit)
    bmx_sandbox.fault(endpoint="butterflymx.calls", kind="status", status=503)

    response = rosa_client.get(banner, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert 'id="ringing"' in response.content.decode()
    assert "Someone is at" not in response.content.decode()


def test_another_residents_banner_is_not_found(bmx_sandbox, rosa_client):
    tenant = bmx_sandbox.world.sam_harbor

    response = rosa_client.get(reverse("doorbell_banner", args=[tenant.building_id, tenant.pk]))

    assert response.status_code == 404


def test_the_someones_at_the_door_page_shows_the_photo_and_open(bmx_sandbox, rosa_client):
    world = bmx_sandbox.world
    tenant = world.rosa_harbor
    call = call_create(unit=world.rosa_unit)
    page_url = reverse("doorbell_ringing", args=[tenant.building_id, tenant.pk, call.pk])

    page = rosa_client.get(page_url).content.decode()
    call_create(unit=world.sam_unit)  # someone else's ring changes nothing here
    ended = rosa_client.get(
        reverse("doorbell_ringing", args=[tenant.building_id, tenant.pk, call.pk + 99])
    ).content.decode()

    assert "Someone&#x27;s at the door" in page or "Someone's at the door" in page
    assert reverse("history_photo", args=[tenant.building_id, tenant.pk, "call", call.pk]) in page
    door = [tenant.building_id, tenant.pk, "access_point", world.harbor_front_door.pk]
    assert reverse("door_unlock", args=door) in page
    assert "This call has ended" in ended


# Telling the panel the call was handled (BUTTERFLYMX_CALL_HANDLED_ENABLED).


@pytest.fixture
def handled_calls(monkeypatch):
    """Every "call handled" Foyer sends, as (guid, panel id); each still goes to the sandbox."""
    from residents.butterflymx.client import ButterflyMXClient

    sent = []
    original = ButterflyMXClient.call_handled

    def spy(self, *, call_guid, panel_id):
        sent.append((call_guid, panel_id))
        return original(self, call_guid=call_guid, panel_id=panel_id)

    monkeypatch.setattr(ButterflyMXClient, "call_handled", spy)
    return sent


def _rang(foyer, bmx_sandbox, rosa_client):
    """A ring delivered and pushed: the Open token and the sandbox's call."""
    from sandbox.butterflymx.models import Call as SandboxCall

    token = _token_from_a_ring(foyer, bmx_sandbox, rosa_client)
    return token, SandboxCall.objects.get(
        recipient=bmx_sandbox.world.rosa_harbor, status="initializing"
    )


def test_call_handled_is_off_by_default(foyer, bmx_sandbox, rosa_client, handled_calls):
    token, _ = _rang(foyer, bmx_sandbox, rosa_client)

    assert open_door(rosa_client, token).json()["outcome"] == "opened"

    assert handled_calls == []
    assert bmx_sandbox.calls("butterflymx.v3_open_door") == 0


def test_an_open_tells_the_panel_once_that_the_call_was_handled(
    foyer, bmx_sandbox, rosa_client, handled_calls, settings, caplog
):
    from sandbox.butterflymx.integrations import OTHER_ID_SPACE, call_guid

    settings.BUTTERFLYMX_CALL_HANDLED_ENABLED = True
    token, call = _rang(foyer, bmx_sandbox, rosa_client)

    first = open_door(rosa_client, token)
    second = open_door(rosa_client, token)

    assert first.json()["outcome"] == second.json()["outcome"] == "opened"
    assert handled_calls == [(call_guid(call), OTHER_ID_SPACE + call.device_id)]
    assert bmx_sandbox.calls("butterflymx.v3_open_door") == 1
    assert "marked handled" in caplog.text
    assert call_guid(call) not in caplog.text


def test_a_failed_open_tells_the_panel_nothing(
    foyer, bmx_sandbox, rosa_client, handled_calls, settings
):
    settings.BUTTERFLYMX_CALL_HANDLED_ENABLED = True
    token, _ = _rang(foyer, bmx_sandbox, rosa_client)
    bmx_sandbox.fault(endpoint="butterflymx.door_release", kind="status", status=503)

    response = open_door(rosa_client, token)

    assert response.json()["outcome"] != "opened"
    assert handled_calls == []
    assert bmx_sandbox.calls("butterflymx.v3_open_door") == 0


def test_a_failed_call_handled_does_not_change_the_open(
    foyer, bmx_sandbox, rosa_client, handled_calls, settings, caplog
):
    from sandbox.butterflymx.integrations import call_guid

    settings.BUTTERFLYMX_CALL_HANDLED_ENABLED = True
    token, call = _rang(foyer, bmx_sandbox, rosa_client)
    bmx_sandbox.fault(endpoint="butterflymx.v3_open_door", kind="status", status=503)

    response = open_door(rosa_client, token)

    assert response.status_code == 200
    assert response.json()["outcome"] == "opened"
    assert len(handled_calls) == 1
    assert bmx_sandbox.calls("butterflymx.v3_open_door") == 1  # never retried
    assert "not marked handled" in caplog.text
    assert call_guid(call) not in caplog.text


def test_a_forged_guid_opens_nothing(
    foyer, bmx_sandbox, rosa_client, client, handled_calls, settings, caplog
):
    """A delivery naming a made-up call only makes Foyer ask ButterflyMX; an Open still opens
    the door ButterflyMX names, and the forged guid stops no real call's ringing."""
    from sandbox.butterflymx.models import Call as SandboxCall

    settings.BUTTERFLYMX_CALL_HANDLED_ENABLED = True
    world = bmx_sandbox.world
    subscribe(rosa_client, foyer.device())
    integration = Integration.objects.get(tenant=world.rosa_harbor)
    webhook_path = integration.configuration["url"].removeprefix(foyer_site(integration))
    forged_guid = "0badc0de-0000-4000-8000-000000000000"
    forged = {"guid": forged_guid, "panel": {"id": 1, "name": "Fake"}, "unit": {"id": 1}}
    released = bmx_sandbox.calls("butterflymx.door_release")

    client.post(webhook_path, data=forged, content_type="application/json")
    time.sleep(0.5)
    assert foyer.pushes == []  # nothing rings: nothing is pushed, nothing opened
    assert bmx_sandbox.calls("butterflymx.door_release") == released
    assert handled_calls == []

    call = call_create(unit=world.rosa_unit)
    client.post(webhook_path, data=forged, content_type="application/json")
    token = foyer.payload(foyer.wait_for(1)[0])["open"]["token"]
    assert bmx_sandbox.calls("butterflymx.door_release") == released
    response = open_door(rosa_client, token)

    assert response.json()["outcome"] == "opened"
    event = DoorEvent.objects.get()
    assert (event.door_kind, event.door_id) == ("access_point", world.harbor_front_door.pk)
    assert handled_calls == [(forged_guid, 1)]
    assert "not marked handled" in caplog.text  # ButterflyMX knows no such call
    assert forged_guid not in caplog.text
    assert SandboxCall.objects.filter(pk=call.pk).exists()


def test_a_delivery_body_too_big_or_malformed_gives_no_guid():
    from residents.doorbell import DELIVERY_MAX_BYTES, delivery_call

    good = {"guid": "6F1D2C1E-4A0B-4D55-9D0E-2B7F0C3A9E11", "panel": {"id": 70000001}}
    assert delivery_call(json.dumps(good).encode()) == (good["guid"].lower(), 70000001)
    assert delivery_call(json.dumps({"event": {"data": good}}).encode())[1] == 70000001
    padded = {**good, "pad": "x" * DELIVERY_MAX_BYTES}
    assert delivery_call(json.dumps(padded).encode()) == (None, None)
    assert delivery_call(json.dumps({**good, "guid": "../../x"}).encode()) == (None, None)
    assert delivery_call(json.dumps({**good, "panel": {"id": "7"}}).encode()) == (None, None)
    assert delivery_call(json.dumps({**good, "panel": {"id": True}}).encode()) == (None, None)
    assert delivery_call(b"not json") == (None, None)
    assert delivery_call(b"[1]") == (None, None)


def test_the_banners_open_tells_the_panel_too(
    foyer, bmx_sandbox, rosa_client, handled_calls, settings
):
    from sandbox.butterflymx.integrations import OTHER_ID_SPACE, call_guid

    settings.BUTTERFLYMX_CALL_HANDLED_ENABLED = True
    world = bmx_sandbox.world
    _, call = _rang(foyer, bmx_sandbox, rosa_client)
    tenancy = [world.rosa_harbor.building_id, world.rosa_harbor.pk]
    banner = reverse("doorbell_banner", args=tenancy)
    assert "Someone is at" in rosa_client.get(banner, HTTP_HX_REQUEST="true").content.decode()

    rosa_client.post(
        reverse("door_unlock", args=[*tenancy, "access_point", world.harbor_front_door.pk]),
        HTTP_HX_REQUEST="true",
    )

    assert handled_calls == [(call_guid(call), OTHER_ID_SPACE + call.device_id)]
    assert "Someone is at" not in rosa_client.get(banner, HTTP_HX_REQUEST="true").content.decode()


# Reconnecting ButterflyMX.


def test_reconnecting_makes_the_webhooks_again_with_the_new_token(
    foyer, bmx_sandbox, rosa_client, connected_resident
):
    from tests.residents.butterflymx_flow import connect

    world = bmx_sandbox.world
    subscribe(rosa_client, foyer.device())
    before = set(Integration.objects.values_list("pk", flat=True))
    hashes = set(DoorbellWebhook.objects.values_list("secret_hash", flat=True))
    assert len(before) == 3  # one per home

    connect(rosa_client, person=world.rosa)

    after = Integration.objects.filter(tenant__person=world.rosa)
    assert after.count() == 3
    assert not before & set(after.values_list("pk", flat=True))
    webhooks = DoorbellWebhook.objects.filter(user=connected_resident)
    assert {webhook.tenant_id for webhook in webhooks} == {
        world.rosa_harbor.pk,
        world.rosa_elm.pk,
        world.rosa_skyline.pk,
    }
    assert not hashes & set(webhooks.values_list("secret_hash", flat=True))
    assert {webhook.integration_id for webhook in webhooks} == set(
        after.values_list("pk", flat=True)
    )


def test_reconnecting_after_a_disconnect_makes_the_webhooks_for_the_devices(
    foyer, bmx_sandbox, rosa_client, connected_resident
):
    from tests.residents.butterflymx_flow import connect

    subscribe(rosa_client, foyer.device())
    rosa_client.post(reverse("butterflymx_disconnect"))
    assert not Integration.objects.exists()

    connect(rosa_client, person=bmx_sandbox.world.rosa)

    assert Integration.objects.count() == 3
    assert DoorbellWebhook.objects.filter(user=connected_resident).count() == 3


def test_reconnecting_without_devices_makes_no_webhooks(bmx_sandbox, rosa_client):
    from tests.residents.butterflymx_flow import connect

    connect(rosa_client, person=bmx_sandbox.world.rosa)

    assert not Integration.objects.exists()
    assert not DoorbellWebhook.objects.exists()


def test_a_second_signal_for_the_same_ring_pushes_nothing_more(
    foyer, bmx_sandbox, rosa_client, connected_resident
):
    world = bmx_sandbox.world
    subscribe(rosa_client, foyer.device())
    ring(rosa_client, world.rosa_unit)
    foyer.wait_for(1)

    sent = doorbell_notify(
        connection=ButterflyMXConnection.objects.get(user=connected_resident),
        building_id=world.rosa_harbor.building_id,
        tenant_id=world.rosa_harbor.pk,
    )

    assert sent == 0
    assert len(foyer.pushes) == 1


def test_the_banner_asks_butterflymx_at_most_once_in_a_while(bmx_sandbox, rosa_client):
    world = bmx_sandbox.world
    banner = reverse("doorbell_banner", args=[world.rosa_harbor.building_id, world.rosa_harbor.pk])

    for _ in range(3):
        rosa_client.get(banner, HTTP_HX_REQUEST="true")

    assert bmx_sandbox.calls("butterflymx.calls") == 1
