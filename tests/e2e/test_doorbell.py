"""The service worker in a real browser: a doorbell push becomes a notification with an Open
action, and Open becomes the unlock request that lets the visitor in. Without push, the doors
page's "ringing now" banner shows a ring with its photo, and its Open lets the visitor in.

No push service can be reached offline, so the push is delivered to the registered service
worker through Chromium's DevTools protocol (ServiceWorker.deliverPushMessage), as a push
service's message would be. Chromium has no way to tap a notification's button from a test:
the click is a notificationclick event dispatched inside the service worker with the
notification it showed and the "open" action."""

import json
import re
import time

import pytest
import requests
from django.urls import reverse
from playwright.sync_api import expect

from residents.doorbell import push_payload, ringing_find
from residents.models import DoorEvent
from sandbox.butterflymx.services import call_create
from tests.e2e.conftest import Tab
from tests.e2e.test_journeys import PHONE, sign_in
from tests.residents.conftest import connection_create

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, databases=["default", "sandbox"]),
]

SHOWN = """async () => {
  const registration = await navigator.serviceWorker.ready;
  const shown = await registration.getNotifications();
  return shown.map((n) => ({title: n.title, body: n.body, tag: n.tag,
                            actions: n.actions.map((a) => a.action)}));
}"""

CLICK_OPEN = """async () => {
  const [notification] = await self.registration.getNotifications({tag: TAG});
  self.dispatchEvent(new NotificationEvent("notificationclick", {notification, action: "open"}));
  return Boolean(notification);
}"""


def _registration_id(page, cdp, deadline: float) -> str:
    found: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.extend(
            registration["registrationId"]
            for registration in event["registrations"]
            if not registration["isDeleted"]
        ),
    )
    cdp.send("ServiceWorker.enable")
    while not found and time.monotonic() < deadline:
        page.wait_for_timeout(50)  # lets Playwright deliver the protocol's events
    assert found, "the service worker never registered"
    return found[-1]


def test_a_push_becomes_a_notification_and_its_open_lets_the_visitor_in(
    browse, bmx_sandbox, resident, password, live_server, push_service
):
    world = bmx_sandbox.world
    connection = connection_create(
        user=resident, person=world.rosa, tokens=bmx_sandbox.issue_tokens(world.rosa)
    )
    tab: Tab = browse("doorbell", **PHONE)
    page, context = tab.page, tab.page.context
    context.grant_permissions(["notifications"], origin=live_server.url)
    sign_in(tab, email=resident.email, password=password, lands_on=None)
    page.goto("/account/")
    expect(page.get_by_role("heading", name="Doorbell notifications")).to_be_visible()
    expect(page.get_by_role("button", name="Turn on notifications on this device")).to_be_visible()
    tab.check("account")
    page.evaluate(
        "navigator.serviceWorker.register('/sw.js', {scope: '/'})"
        ".then(() => navigator.serviceWorker.ready).then(() => true)"
    )
    cdp = context.new_cdp_session(page)
    registration_id = _registration_id(page, cdp, time.monotonic() + 10)

    call = call_create(unit=world.rosa_unit)
    tenant = world.rosa_harbor
    ring = ringing_find(connection=connection, building_id=tenant.building_id, tenant_id=tenant.pk)
    assert ring is not None and ring.call_id == call.pk
    payload = push_payload(user_id=resident.pk, tenant_id=tenant.pk, ring=ring)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_server.url, "registrationId": registration_id, "data": json.dumps(payload)},
    )

    deadline = time.monotonic() + 10
    shown = page.evaluate(SHOWN)
    while not shown and time.monotonic() < deadline:
        page.wait_for_timeout(100)
        shown = page.evaluate(SHOWN)
    assert shown == [
        {
            "title": "Someone is at Front entrance panel",
            "body": "Harbor Point",
            "tag": f"call-{call.pk}",
            "actions": ["open"],
        }
    ]
    assert not DoorEvent.objects.exists()

    (worker,) = context.service_workers
    assert worker.evaluate(CLICK_OPEN.replace("TAG", json.dumps(f"call-{call.pk}")))

    deadline = time.monotonic() + 10
    while not DoorEvent.objects.filter(outcome="opened").exists() and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    event = DoorEvent.objects.get()
    assert event.outcome == "opened"
    assert (event.door_kind, event.door_id) == ("access_point", world.harbor_front_door.pk)
    assert event.tenant_id == tenant.pk


def test_the_ringing_now_banner_shows_the_visitor_and_its_open_lets_them_in(
    browse, bmx_sandbox, resident, password, live_server
):
    world = bmx_sandbox.world
    tenant = world.rosa_harbor
    connection_create(user=resident, person=world.rosa, tokens=bmx_sandbox.issue_tokens(world.rosa))
    tab: Tab = browse("doorbell-banner", **PHONE)
    page = tab.page
    sign_in(tab, email=resident.email, password=password, lands_on=None)
    page.goto(reverse("doors", args=[tenant.building_id, tenant.pk]))
    expect(page.get_by_role("heading", name="Harbor Point", level=1)).to_be_visible()
    banner = page.locator("#ringing")
    expect(banner.get_by_role("heading", name=re.compile("Someone is at"))).to_have_count(0)

    rang = requests.post(
        f"{live_server.url}/sandbox/butterflymx/ring/",
        json={"unit_id": world.rosa_unit.pk},
        timeout=5,
    )
    assert rang.status_code == 201
    call_id = rang.json()["data"]["id"]

    # The poll (every 5 s, asking ButterflyMX at most every 10 s) brings the ring.
    heading = banner.get_by_role("heading", name="Someone is at Front entrance panel")
    expect(heading).to_be_visible(timeout=25_000)
    photo = banner.get_by_role("img", name="The intercom's photo of your visitor")
    photo_url = reverse("history_photo", args=[tenant.building_id, tenant.pk, "call", call_id])
    expect(photo).to_have_attribute("src", photo_url)
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=photo.element_handle()
    )
    tab.check("doorbell-banner")
    assert not DoorEvent.objects.exists()

    banner.get_by_role("button", name="Open", exact=True).click()

    expect(page.locator(".messages")).to_contain_text(
        re.compile(r"Front door: Opened at \d{2}:\d{2}")
    )
    expect(heading).to_have_count(0)
    event = DoorEvent.objects.get()
    assert event.outcome == "opened"
    assert (event.door_kind, event.door_id) == ("access_point", world.harbor_front_door.pk)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="History").tap()
    expect(page.get_by_role("heading", name="History", level=1)).to_be_visible()
    today = page.get_by_role("region", name="Today")
    expect(today.locator(".history-entry").filter(has_text="Front door").first).to_contain_text(
        "Front door · you, with Foyer"
    )
