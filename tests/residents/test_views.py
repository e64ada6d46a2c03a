"""The resident's main screen: tenancies, doors, one-tap unlock and the history it leaves."""

import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from allauth.socialaccount.models import SocialAccount
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from residents.models import ButterflyMXConnection, DoorEvent
from tests.factories import DoorEventFactory, UserFactory, connection_change
from tests.residents.conftest import connection_create

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])

HTMX = {"HTTP_HX_REQUEST": "true"}
DOOR_CALLS = ("butterflymx.tenants", "butterflymx.access_points", "butterflymx.devices")


@pytest.fixture
def rosa_client(client, connected_resident):
    client.force_login(connected_resident)
    return client


def doors_url(tenant):
    return reverse("doors", args=[tenant.building_id, tenant.pk])


def history_url(tenant):
    return reverse("history", args=[tenant.building_id, tenant.pk])


def unlock_url(tenant, kind, door):
    return reverse("door_unlock", args=[tenant.building_id, tenant.pk, kind, door.pk])


def upstream_calls(sandbox, names=DOOR_CALLS):
    return sum(sandbox.calls(name) for name in names)


def test_home_lists_every_tenancy(bmx_sandbox, rosa_client):
    page = rosa_client.get(reverse("home")).content.decode()
    assert "Harbor Point" in page
    assert "Elm Street Lofts" in page
    assert doors_url(bmx_sandbox.world.rosa_harbor) in page
    assert doors_url(bmx_sandbox.world.rosa_elm) in page


def test_home_with_one_tenancy_goes_straight_to_its_doors(bmx_sandbox, client, resident):
    tokens = bmx_sandbox.issue_tokens(bmx_sandbox.world.sam)
    connection_create(user=resident, person=bmx_sandbox.world.sam, tokens=tokens)
    client.force_login(resident)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == doors_url(bmx_sandbox.world.sam_harbor)


def test_doors_page_lists_entrances_and_home_devices(bmx_sandbox, rosa_client):
    world = bmx_sandbox.world
    page = rosa_client.get(doors_url(world.rosa_harbor)).content.decode()
    home, entrances = page.split('id="entrances-heading"')  # "My home" comes first
    assert 'id="home-heading"' in home
    assert "Building entrances" in entrances
    assert world.harbor_front_door.name in entrances
    assert world.harbor_garage.name in entrances
    assert world.rosa_smart_lock.name in home
    assert world.sam_smart_lock.name not in page  # the neighbour's lock is not Rosa's


def test_home_holds_the_units_own_devices_and_panels_hide_behind_their_doors(
    bmx_sandbox, rosa_client
):
    world = bmx_sandbox.world
    page = rosa_client.get(doors_url(world.rosa_harbor)).content.decode()
    home, entrances = page.split('id="entrances-heading"')
    assert home.count('class="door-card') == 1
    assert world.rosa_smart_lock.name in home
    assert "Elevator control" in entrances  # building hardware with no access point of its own
    assert world.harbor_panel.name not in page  # the front door's panel: open the front door


def test_doors_page_is_fetched_concurrently_then_served_from_the_cache(bmx_sandbox, rosa_client):
    world = bmx_sandbox.world
    rosa_client.get(doors_url(world.rosa_harbor))
    assert [bmx_sandbox.calls(name) for name in DOOR_CALLS] == [1, 1, 1]

    with CaptureQueriesContext(db_connection) as queries:
        response = rosa_client.get(doors_url(world.rosa_harbor))

    assert response.status_code == 200
    assert upstream_calls(bmx_sandbox) == 3  # warm: no upstream call
    # The user, the connection, the door usage counts, the favourites and the navigation's
    # role check.
    assert len(queries) <= 5, [q["sql"] for q in queries.captured_queries]


def test_a_building_with_more_doors_than_a_page(bmx_sandbox, client, resident):
    world = bmx_sandbox.world
    tokens = bmx_sandbox.issue_tokens(world.pat)
    connection_create(user=resident, person=world.pat, tokens=tokens)
    client.force_login(resident)
    page = client.get(doors_url(world.pat_tower)).content.decode()
    assert bmx_sandbox.calls("butterflymx.access_points") == 2  # two pages of 100
    assert "All doors (133)" in page
    every = client.get(doors_url(world.pat_tower), {"all": "1"}).content.decode()
    assert every.count('class="door-card') == 1 + 133  # the home's lock, then every door


def test_refresh_drops_the_cache(bmx_sandbox, rosa_client):
    tenant = bmx_sandbox.world.rosa_harbor
    rosa_client.get(doors_url(tenant))
    response = rosa_client.post(reverse("doors_refresh", args=[tenant.building_id, tenant.pk]))
    assert response.status_code == 302
    rosa_client.get(doors_url(tenant))
    assert bmx_sandbox.calls("butterflymx.access_points") == 2


def test_unlock_an_access_point(bmx_sandbox, rosa_client, connected_resident):
    world = bmx_sandbox.world
    rosa_client.get(doors_url(world.rosa_harbor))

    with CaptureQueriesContext(db_connection) as queries:
        response = rosa_client.post(
            unlock_url(world.rosa_harbor, "access_point", world.harbor_front_door), **HTMX
        )

    # The user, the connection, and the history row: written before the release goes out,
    # its outcome after. Nothing else.
    assert len(queries) <= 4, [q["sql"] for q in queries.captured_queries]
    page = response.content.decode()
    assert response.status_code == 200
    assert "Opened at" in page
    assert "<html" not in page  # only the card
    assert f'id="door-access_point-{world.harbor_front_door.pk}"' in page
    assert bmx_sandbox.calls("butterflymx.door_release") == 1
    assert upstream_calls(bmx_sandbox) == 3  # the listing came from the cache
    event = DoorEvent.objects.get(user=connected_resident)
    assert event.outcome == DoorEvent.Outcome.OPENED
    assert (event.door_kind, event.door_id) == ("access_point", world.harbor_front_door.pk)
    assert event.release_id and event.latency_ms is not None
    assert event.building_name == "Harbor Point"


def test_unlock_a_smart_lock_without_javascript(bmx_sandbox, rosa_client, connected_resident):
    world = bmx_sandbox.world
    response = rosa_client.post(
        unlock_url(world.rosa_harbor, "device", world.rosa_smart_lock), follow=True
    )
    assert response.redirect_chain[-1][0] == doors_url(world.rosa_harbor)
    assert f"{world.rosa_smart_lock.name}: Opened at" in response.content.decode()
    event = DoorEvent.objects.get(user=connected_resident)
    assert (event.door_kind, event.outcome) == ("device", "opened")


def test_the_card_resets_after_showing_the_outcome(bmx_sandbox, rosa_client):
    world = bmx_sandbox.world
    door = world.harbor_front_door
    card = rosa_client.post(unlock_url(world.rosa_harbor, "access_point", door), **HTMX)
    reset_url = reverse(
        "door_card",
        args=[world.rosa_harbor.building_id, world.rosa_harbor.pk, "access_point", door.pk],
    )
    assert f'hx-get="{reset_url}"' in card.content.decode()
    idle = rosa_client.get(reset_url, **HTMX).content.decode()
    assert "Opened at" not in idle
    assert "hx-trigger" not in idle


@pytest.mark.parametrize(
    ("tenant", "kind", "door"),
    [
        ("sam_harbor", "access_point", "harbor_front_door"),  # another resident's tenancy
        ("rosa_harbor", "device", "sam_smart_lock"),  # another resident's lock
        ("rosa_harbor", "access_point", "elm_front_door"),  # a door in another building
        ("rosa_harbor", "device", "harbor_front_door"),  # an access point posed as a device
        ("pat_tower", "access_point", "tower_lobby_door"),  # a building Rosa doesn't live in
    ],
)
def test_forged_or_foreign_ids_are_not_found(
    bmx_sandbox, rosa_client, connected_resident, tenant, kind, door
):
    world = bmx_sandbox.world
    tenant, door = getattr(world, tenant), getattr(world, door)
    response = rosa_client.post(unlock_url(tenant, kind, door), **HTMX)
    assert response.status_code == 404
    assert bmx_sandbox.calls("butterflymx.door_release") == 0
    assert not DoorEvent.objects.exists()


def test_a_made_up_door_id_is_not_found(bmx_sandbox, rosa_client):
    tenant = bmx_sandbox.world.rosa_harbor
    url = reverse("door_unlock", args=[tenant.building_id, tenant.pk, "access_point", 999999])
    assert rosa_client.post(url).status_code == 404
    url = reverse("door_unlock", args=[tenant.building_id, tenant.pk, "access_point", 1])
    assert rosa_client.post(url.replace("access_point", "window")).status_code == 404
    assert bmx_sandbox.calls("butterflymx.door_release") == 0


def test_another_residents_doors_page_is_not_found(bmx_sandbox, rosa_client):
    assert rosa_client.get(doors_url(bmx_sandbox.world.sam_harbor)).status_code == 404


def test_a_double_tap_opens_once(bmx_sandbox, rosa_client, connected_resident):
    world = bmx_sandbox.world
    url = unlock_url(world.rosa_harbor, "access_point", world.harbor_garage)
    first = rosa_client.post(url, **HTMX)
    second = rosa_client.post(url, **HTMX)
    assert "Opened at" in first.content.decode()
    assert "Opened at" in second.content.decode()
    assert bmx_sandbox.calls("butterflymx.door_release") == 1
    assert DoorEvent.objects.filter(user=connected_resident).count() == 1


def test_a_tap_while_the_first_is_on_its_way_says_so(bmx_sandbox, rosa_client, connected_resident):
    world = bmx_sandbox.world
    # The first tap's release is still waiting for ButterflyMX.
    cache.add(f"unlock-cooldown:{connected_resident.pk}:access_point:{world.harbor_garage.pk}", 1)

    second = rosa_client.post(
        unlock_url(world.rosa_harbor, "access_point", world.harbor_garage), **HTMX
    )

    assert "just asked to open" in second.content.decode()
    assert bmx_sandbox.calls("butterflymx.door_release") == 0


def test_a_second_tap_keeps_the_success_showing(bmx_sandbox, rosa_client, connected_resident):
    world = bmx_sandbox.world
    url = unlock_url(world.rosa_harbor, "access_point", world.harbor_garage)
    first = rosa_client.post(url, **HTMX).content.decode()
    second = rosa_client.post(url, **HTMX).content.decode()

    opened = re.search(r"Opened at \d\d:\d\d", first).group(0)
    assert opened in second
    assert "door-card door-opened" in second
    assert "Already on it" not in second
    assert bmx_sandbox.calls("butterflymx.door_release") == 1
    assert DoorEvent.objects.filter(user=connected_resident).count() == 1


def test_a_release_with_no_answer_is_given_up_sooner_than_a_listing(
    bmx_sandbox, rosa_client, connected_resident, settings
):
    world = bmx_sandbox.world
    rosa_client.get(doors_url(world.rosa_harbor))
    settings.BUTTERFLYMX_READ_TIMEOUT = 10.0
    settings.BUTTERFLYMX_RELEASE_READ_TIMEOUT = 0.2
    bmx_sandbox.fault(endpoint="butterflymx.door_release", kind="hang", hang_seconds=1.0, times=1)

    response = rosa_client.post(
        unlock_url(world.rosa_harbor, "access_point", world.harbor_front_door), **HTMX
    )

    assert "didn&#x27;t answer: check the door" in response.content.decode()
    assert DoorEvent.objects.get(user=connected_resident).error_code == "no_answer"


def test_the_cooldown_is_per_door(bmx_sandbox, rosa_client):
    world = bmx_sandbox.world
    rosa_client.post(unlock_url(world.rosa_harbor, "access_point", world.harbor_garage), **HTMX)
    rosa_client.post(unlock_url(world.rosa_harbor, "access_point", world.harbor_gym), **HTMX)
    assert bmx_sandbox.calls("butterflymx.door_release") == 2


def test_the_unlock_rate_limit(bmx_sandbox, rosa_client, settings):
    settings.DOOR_COOLDOWN_SECONDS = 0.001
    settings.UNLOCK_RATE_LIMIT_PER_MINUTE = 2
    world = bmx_sandbox.world
    doors = [world.harbor_front_door, world.harbor_garage, world.harbor_gym]
    answers = [
        rosa_client.post(unlock_url(world.rosa_harbor, "access_point", door), **HTMX)
        for door in doors
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    # On the card that was tapped, not in the page's notice area.
    limited = answers[2]
    assert (limited["HX-Retarget"], limited["HX-Reswap"]) == ("closest li", "outerHTML")
    card = limited.content.decode()
    assert card.lstrip().startswith(
        f'<li class="door-card door-rate_limited" id="door-access_point-{world.harbor_gym.pk}"'
    )
    assert "Wait" in card
    assert int(limited["Retry-After"]) >= 1
    assert bmx_sandbox.calls("butterflymx.door_release") == 2


# The fault matrix (tests/test_fault_matrix.py) meets every common fault through this page;
# these are the answers it does not send.
FAULTS = [
    ({"kind": "status", "status": 403}, "failed", "may not open"),
    (
        {
            "kind": "status",
            "status": 422,
            "body": {
                "errors": [
                    {"field": "tenant_id", "code": "inactive", "message": "Tenant is inactive"}
                ]
            },
        },
        "failed",
        "Tenant is inactive",
    ),
    ({"kind": "drop"}, "unconfirmed", "didn&#x27;t answer: check the door"),
]


@pytest.mark.parametrize(("fault", "outcome", "words"), FAULTS)
def test_every_release_failure_is_recorded_and_explained(
    bmx_sandbox, rosa_client, connected_resident, fault, outcome, words
):
    world = bmx_sandbox.world
    rosa_client.get(doors_url(world.rosa_harbor))
    bmx_sandbox.fault(endpoint="butterflymx.door_release", times=1, **fault)

    response = rosa_client.post(
        unlock_url(world.rosa_harbor, "access_point", world.harbor_front_door), **HTMX
    )

    assert response.status_code == 200
    assert words in response.content.decode()
    assert bmx_sandbox.calls("butterflymx.door_release") == 1  # never retried
    event = DoorEvent.objects.get(user=connected_resident)
    assert event.outcome == outcome
    assert event.error_code


def test_a_401_is_answered_by_one_refresh_and_one_more_release(
    bmx_sandbox, rosa_client, connected_resident
):
    world = bmx_sandbox.world
    rosa_client.get(doors_url(world.rosa_harbor))
    bmx_sandbox.fault(endpoint="butterflymx.door_release", kind="status", status=401, times=1)

    response = rosa_client.post(
        unlock_url(world.rosa_harbor, "access_point", world.harbor_front_door), **HTMX
    )

    assert "Opened at" in response.content.decode()
    assert bmx_sandbox.calls("butterflymx.token") == 1
    assert bmx_sandbox.calls("butterflymx.door_release") == 2
    assert DoorEvent.objects.get(user=connected_resident).outcome == "opened"


def test_a_401_after_refresh_asks_for_reconnect(bmx_sandbox, rosa_client, connected_resident):
    world = bmx_sandbox.world
    rosa_client.get(doors_url(world.rosa_harbor))
    bmx_sandbox.fault(endpoint="butterflymx.door_release", kind="status", status=401, times=2)

    response = rosa_client.post(
        unlock_url(world.rosa_harbor, "access_point", world.harbor_front_door), **HTMX
    )

    assert "reconnect" in response.content.decode()
    assert bmx_sandbox.calls("butterflymx.door_release") == 2
    event = DoorEvent.objects.get(user=connected_resident)
    assert (event.outcome, event.error_code) == ("failed", "reconnect")


def test_a_connection_needing_reconnect_shows_the_button(
    bmx_sandbox, rosa_client, connected_resident
):
    connection_change(connected_resident, needs_reconnect=True)
    page = rosa_client.get(doors_url(bmx_sandbox.world.rosa_harbor)).content.decode()
    assert "Reconnect ButterflyMX" in page
    assert upstream_calls(bmx_sandbox) == 0


def test_doors_page_when_butterflymx_fails(bmx_sandbox, rosa_client):
    # Every fault on this page is in the fault matrix; this is its heading.
    bmx_sandbox.fault(endpoint="butterflymx.access_points", kind="status", status=503)
    response = rosa_client.get(doors_url(bmx_sandbox.world.rosa_harbor))
    assert response.status_code == 503
    assert "Doors aren" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_history_shows_only_my_own_attempts(bmx_sandbox, rosa_client, connected_resident):
    world = bmx_sandbox.world
    rosa_client.post(unlock_url(world.rosa_harbor, "access_point", world.harbor_front_door), **HTMX)
    other = UserFactory()
    DoorEventFactory(
        user=other,
        building_id=world.rosa_harbor.building_id,
        tenant_id=world.rosa_harbor.pk,
        door_kind="device",
        door_name="Somebody else's lock",
    )
    page = rosa_client.get(history_url(world.rosa_harbor)).content.decode()
    assert world.harbor_front_door.name in page
    assert "Somebody else" not in page


def test_most_used_doors_come_first(bmx_sandbox, rosa_client, connected_resident):
    world = bmx_sandbox.world
    gym = world.harbor_gym
    DoorEventFactory.create_batch(
        2,
        user=connected_resident,
        tenant_id=world.rosa_harbor.pk,
        building_id=world.rosa_harbor.building_id,
        door_id=gym.pk,
        door_name=gym.name,
    )
    page = rosa_client.get(doors_url(world.rosa_harbor)).content.decode()
    entrances = page.split('id="entrances-heading"')[1]
    assert entrances.index(gym.name) < entrances.index(world.harbor_front_door.name)


def test_the_app_is_installable(client):
    manifest = json.loads(Path(finders.find("manifest.webmanifest")).read_text())
    assert manifest["display"] == "standalone"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"]}
    for icon in manifest["icons"]:
        assert finders.find(icon["src"]), icon["src"]
    page = client.get(reverse("account_login")).content.decode()
    assert 'rel="manifest"' in page


def test_a_tap_without_a_connection_goes_home_and_sends_nothing(bmx_sandbox, resident_client):
    url = unlock_url(bmx_sandbox.world.rosa_harbor, "access_point", bmx_sandbox.world.harbor_gym)

    tapped = resident_client.post(url, **HTMX)
    plain = resident_client.post(url)

    assert tapped["HX-Redirect"] == reverse("home")
    assert "Connect ButterflyMX" in plain.content.decode()
    assert upstream_calls(bmx_sandbox) == 0
    assert not DoorEvent.objects.exists()


def test_a_tap_while_reconnect_is_needed_is_recorded(bmx_sandbox, rosa_client, connected_resident):
    world = bmx_sandbox.world
    rosa_client.get(doors_url(world.rosa_harbor))
    connection_change(connected_resident, needs_reconnect=True)

    card = rosa_client.post(unlock_url(world.rosa_harbor, "access_point", world.harbor_gym), **HTMX)

    assert "needs you to reconnect" in card.content.decode()
    event = DoorEvent.objects.get()
    assert (event.outcome, event.error_code) == ("failed", "reconnect")
    assert bmx_sandbox.calls("butterflymx.door_release") == 0


def test_disconnect_asks_first_then_says_it_is_done(bmx_sandbox, connected_resident, client):
    client.force_login(connected_resident)
    confirm = client.get(reverse("butterflymx_disconnect"))
    assert "Disconnect ButterflyMX?" in confirm.content.decode()

    response = client.post(reverse("butterflymx_disconnect"), follow=True)

    assert "no longer holds its keys" in response.content.decode()
    assert bmx_sandbox.calls("butterflymx.revoke") == 2
    assert not ButterflyMXConnection.objects.filter(user=connected_resident).exists()
    assert not SocialAccount.objects.filter(user=connected_resident).exists()


def test_disconnect_says_when_butterflymx_did_not_confirm(bmx_sandbox, connected_resident, client):
    bmx_sandbox.fault(endpoint="butterflymx.revoke", kind="status", status=503)
    client.force_login(connected_resident)

    response = client.post(reverse("butterflymx_disconnect"), follow=True)

    assert "didn&#x27;t confirm the revocation" in response.content.decode()
    assert not ButterflyMXConnection.objects.filter(user=connected_resident).exists()
    assert not SocialAccount.objects.filter(user=connected_resident).exists()


def test_resident_pages_are_never_stored_by_a_browser_or_proxy(bmx_sandbox, rosa_client):
    world = bmx_sandbox.world
    card = reverse(
        "door_card",
        args=[
            world.rosa_harbor.building_id,
            world.rosa_harbor.pk,
            "access_point",
            world.harbor_gym.pk,
        ],
    )
    answers = [
        rosa_client.get(reverse("home")),
        rosa_client.get(doors_url(world.rosa_harbor)),
        rosa_client.get(card, **HTMX),
        rosa_client.post(unlock_url(world.rosa_harbor, "access_point", world.harbor_gym), **HTMX),
        rosa_client.get(history_url(world.rosa_harbor)),
        rosa_client.get(reverse("account")),
        rosa_client.get(reverse("butterflymx_disconnect")),
    ]

    for answer in answers:
        directives = {part.strip() for part in answer["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, answer.wsgi_request.path


def test_the_rate_limit_says_how_long_to_wait(bmx_sandbox, rosa_client, settings):
    settings.UNLOCK_RATE_LIMIT_PER_MINUTE = 0
    url = unlock_url(bmx_sandbox.world.rosa_harbor, "access_point", bmx_sandbox.world.harbor_gym)

    # One second before the minute's budget starts again.
    with time_machine.travel(datetime.now(UTC).replace(second=59, microsecond=0), tick=False):
        notice = rosa_client.post(url, **HTMX)

    assert "Wait 1 second." in html.unescape(notice.content.decode())
    assert 'class="door-card door-rate_limited"' in notice.content.decode()
