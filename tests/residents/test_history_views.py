"""The History page against the sandbox: one timeline per tenancy, only the resident's own,
Foyer's openings once, filters and paging, photos, and what shows when ButterflyMX fails."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from sandbox import faults
from tests.factories import DoorEventFactory, UserFactory, connection_change
from tests.residents.conftest import connection_create
from tests.test_fault_matrix import page_text

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])

HTMX = {"HTTP_HX_REQUEST": "true"}
HISTORY_CALLS = ("butterflymx.access_logs", "butterflymx.calls")


@pytest.fixture
def rosa_client(client, connected_resident):
    client.force_login(connected_resident)
    return client


def history_url(tenant, **query):
    url = reverse("history", args=[tenant.building_id, tenant.pk])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def unlock(client, tenant, door):
    url = reverse("door_unlock", args=[tenant.building_id, tenant.pk, "access_point", door.pk])
    return client.post(url, **HTMX)


def test_signing_in_comes_first(bmx_sandbox, client):
    response = client.get(history_url(bmx_sandbox.world.rosa_harbor))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_an_opening_through_foyer_shows_once(bmx_sandbox, rosa_client):
    """ButterflyMX logs the opening as one made through the API: it is Foyer's, shown once."""
    world = bmx_sandbox.world
    before = page_text(rosa_client.get(history_url(world.rosa_harbor)))
    assert unlock(rosa_client, world.rosa_harbor, world.harbor_front_door).status_code == 200
    cache.clear()

    text = page_text(rosa_client.get(history_url(world.rosa_harbor)))

    assert "with Foyer" not in before
    assert text.count("Front door · you, with Foyer") == 1
    assert text.count("you, with an app") == before.count("you, with an app")


def test_another_residents_tenancy_is_not_found(bmx_sandbox, rosa_client):
    response = rosa_client.get(history_url(bmx_sandbox.world.sam_harbor))

    assert response.status_code == 404
    assert bmx_sandbox.calls("butterflymx.access_logs") == 0


def test_another_users_attempts_never_show(bmx_sandbox, rosa_client):
    tenant = bmx_sandbox.world.rosa_harbor
    DoorEventFactory(
        user=UserFactory(),
        building_id=tenant.building_id,
        tenant_id=tenant.pk,
        door_name="Somebody else's door",
    )

    assert "Somebody else" not in page_text(rosa_client.get(history_url(tenant)))


@pytest.mark.parametrize(
    "query",
    [{"before": "yesterday"}, {"show": "everyone"}, {"keychain": "-1"}, {"keychain": "x"}],
)
def test_a_link_foyer_cannot_read_is_a_clear_400(bmx_sandbox, rosa_client, query):
    response = rosa_client.get(history_url(bmx_sandbox.world.rosa_harbor, **query))

    assert response.status_code == 400
    assert "That history link doesn't work" in page_text(response)
    assert bmx_sandbox.calls("butterflymx.access_logs") == 0


def test_a_pass_that_is_not_the_tenancys_is_not_found(bmx_sandbox, rosa_client):
    response = rosa_client.get(history_url(bmx_sandbox.world.rosa_harbor, keychain=999999))

    assert response.status_code == 404


def test_served_from_the_shared_cache_for_a_while(bmx_sandbox, rosa_client):
    tenant = bmx_sandbox.world.rosa_harbor
    rosa_client.get(history_url(tenant))
    asked = [bmx_sandbox.calls(name) for name in HISTORY_CALLS]

    rosa_client.get(history_url(tenant))

    assert asked == [1, 1]
    assert [bmx_sandbox.calls(name) for name in HISTORY_CALLS] == asked


def test_deliveries_and_me_do_not_ask_for_calls(bmx_sandbox, rosa_client):
    tenant = bmx_sandbox.world.rosa_harbor
    rosa_client.get(history_url(tenant, show="deliveries"))
    rosa_client.get(history_url(tenant, show="me"))

    assert bmx_sandbox.calls("butterflymx.calls") == 0
    assert bmx_sandbox.calls("butterflymx.access_logs") == 1  # one window, shared


@pytest.mark.parametrize("endpoint", HISTORY_CALLS)
def test_when_butterflymx_fails_foyers_own_attempts_still_show(bmx_sandbox, rosa_client, endpoint):
    world = bmx_sandbox.world
    unlock(rosa_client, world.rosa_harbor, world.harbor_front_door)
    bmx_sandbox.fault(endpoint=endpoint, kind="status", status=503)

    response = rosa_client.get(history_url(world.rosa_harbor))

    text = page_text(response)
    assert response.status_code == 200
    assert "The building's record isn't available right now." in text
    assert "Front door · you, with Foyer" in text
    assert "Traceback" not in text


def test_a_connection_that_needs_reconnecting_still_shows_foyers_attempts(
    bmx_sandbox, rosa_client, connected_resident
):
    world = bmx_sandbox.world
    unlock(rosa_client, world.rosa_harbor, world.harbor_front_door)
    connection_change(connected_resident, needs_reconnect=True)

    text = page_text(rosa_client.get(history_url(world.rosa_harbor)))

    assert "Reconnect ButterflyMX" in text
    assert "Front door · you, with Foyer" in text
    assert bmx_sandbox.calls("butterflymx.access_logs") == 0


def test_the_history_tab_opens_the_home_last_used(bmx_sandbox, rosa_client, connected_resident):
    world = bmx_sandbox.world
    unlock(rosa_client, world.rosa_elm, world.elm_front_door)

    response = rosa_client.get(reverse("activity"), follow=True)

    assert response.redirect_chain[-1][0] == history_url(world.rosa_elm)


def test_older_pages_through_the_whole_history(bmx_sandbox, rosa_client, connected_resident):
    """Thirty openings through Foyer: the first page ends where the access log's page does,
    and "Older" goes on from there without losing or repeating any."""
    world = bmx_sandbox.world
    now = timezone.now()
    for minutes in range(30):
        DoorEventFactory(
            user=connected_resident,
            created_at=now - timedelta(minutes=minutes),
            building_id=world.rosa_harbor.building_id,
            tenant_id=world.rosa_harbor.pk,
            door_id=world.harbor_garage.pk,
            door_name="Garage",
        )
    seen, url, pages = 0, history_url(world.rosa_harbor, show="me"), 0
    while url and pages < 10:
        page = rosa_client.get(url).content.decode()
        seen += page_text_count(page, "Garage · you, with Foyer")
        older = re.search(r'href="(\?before=[^"]+)" rel="next"', page)
        url = history_url(world.rosa_harbor) + older.group(1).replace("&amp;", "&") if older else ""
        pages += 1

    assert seen == 30
    assert pages >= 2


def page_text_count(page: str, words: str) -> int:
    return " ".join(re.sub(r"<[^>]*>", " ", page).split()).count(words)


def test_a_photo_of_someone_elses_history_is_not_found(bmx_sandbox, client, resident):
    """Sam asks for a photo of Rosa's history by its id: it is not his."""
    world = bmx_sandbox.world
    tokens = bmx_sandbox.issue_tokens(world.sam)
    connection_create(user=resident, person=world.sam, tokens=tokens)
    client.force_login(resident)
    url = reverse(
        "history_photo",
        args=[world.sam_harbor.building_id, world.sam_harbor.pk, "call", world.rosa_missed_call.pk],
    )

    assert client.get(url).status_code == 404


def test_the_demo_residents_history_in_her_words(bmx_sandbox, rosa_client):
    world = bmx_sandbox.world
    response = rosa_client.get(history_url(world.rosa_harbor))
    text = page_text(response)
    page = response.content.decode()

    assert "Front door · Maria Lopez (visitor pass, PIN)" in text
    assert "Someone rang from Front entrance panel missed" in text
    assert "Garage · you, with your PIN or fob" in text
    assert "delivery (UPS)" in text
    photo = reverse(
        "history_photo",
        args=[
            world.rosa_harbor.building_id,
            world.rosa_harbor.pk,
            "call",
            world.rosa_missed_call.pk,
        ],
    )
    assert f'src="{photo}"' in page
    assert "/uploads/store/" not in page  # the photo's public address stays with Foyer
    assert "Sam" not in text


def test_her_own_photo_is_passed_on_privately(bmx_sandbox, rosa_client):
    world = bmx_sandbox.world
    url = reverse(
        "history_photo",
        args=[
            world.rosa_harbor.building_id,
            world.rosa_harbor.pk,
            "call",
            world.rosa_missed_call.pk,
        ],
    )

    response = rosa_client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert response["Cache-Control"] == "private, max-age=86400"
    assert response["Content-Security-Policy"] == "default-src 'none'"


def test_a_missing_photo_and_a_failing_butterflymx(bmx_sandbox, rosa_client):
    world = bmx_sandbox.world
    args = [world.rosa_harbor.building_id, world.rosa_harbor.pk, "call"]
    bmx_sandbox.fault(endpoint="butterflymx.call", kind="status", status=503)

    assert rosa_client.get(reverse("history_photo", args=[*args, 99999999])).status_code == 503
    faults.reset()
    assert rosa_client.get(reverse("history_photo", args=[*args, 99999999])).status_code == 404


def test_a_pass_links_to_its_uses(bmx_sandbox, rosa_client):
    world = bmx_sandbox.world
    visitors = rosa_client.get(
        reverse("visitors", args=[world.rosa_harbor.building_id, world.rosa_harbor.pk])
    ).content.decode()
    link = f"{history_url(world.rosa_harbor)}?keychain={world.maria_pass.pk}"
    assert f'href="{link}"' in visitors

    text = page_text(rosa_client.get(link))

    assert "Uses of the pass Maria Lopez" in text
    assert "Maria Lopez (visitor pass" in text
    assert "Someone rang" not in text and "with your PIN or fob" not in text
