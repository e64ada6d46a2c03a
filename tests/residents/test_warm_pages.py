"""A warm doors page and a tap cost no query they need not: the signed-in user, their role,
their connection, their door uses and favourites, and the door cards are kept in the cache,
and every change is seen at once."""

import re

import pytest
import redis
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from residents.cards import _stand_in
from residents.models import ButterflyMXConnection
from sandbox import faults
from tests.residents.test_doors_page import card_names

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])

HTMX = {"HTTP_HX_REQUEST": "true"}
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def doors_url(tenant):
    return reverse("doors", args=[tenant.building_id, tenant.pk])


def unlock_url(tenant, door):
    return reverse("door_unlock", args=[tenant.building_id, tenant.pk, "access_point", door.pk])


def favourite_url(tenant, door):
    return reverse("door_favourite", args=[tenant.building_id, tenant.pk, "access_point", door.pk])


@pytest.fixture
def rosa_client(client, connected_resident):
    client.force_login(connected_resident)
    return client


def test_a_warm_doors_page_makes_no_query_and_no_upstream_call(bmx_sandbox, rosa_client):
    url = doors_url(bmx_sandbox.world.rosa_harbor)
    assert rosa_client.get(url).status_code == 200
    calls = faults.calls_all()

    with CaptureQueriesContext(db) as queries:
        response = rosa_client.get(url)

    assert response.status_code == 200
    assert [query["sql"] for query in queries.captured_queries] == []
    assert faults.calls_all() == calls


CACHE_CALLS = ("get", "get_many", "set", "set_many", "add", "delete", "delete_many", "incr")


def test_a_warm_doors_page_reads_the_cache_in_six_round_trips(
    bmx_sandbox, rosa_client, monkeypatch
):
    url = doors_url(bmx_sandbox.world.rosa_harbor)
    assert rosa_client.get(url).status_code == 200
    calls, depth = [], []
    store = caches["default"]
    for name in CACHE_CALLS:
        original = getattr(store, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            # One call, however the local-memory cache answers it (get_many calls get).
            if not depth:
                calls.append(_name)
            depth.append(_name)
            try:
                return _original(*args, **kwargs)
            finally:
                depth.pop()

        monkeypatch.setattr(store, name, counted)

    assert rosa_client.get(url).status_code == 200

    # The session, the user, the connection, the listing with the door state's edition,
    # the door state, and the door cards.
    assert calls == ["get", "get", "get", "get_many", "get", "get_many"]


def test_a_tap_reads_nothing_but_writes_its_history(bmx_sandbox, rosa_client):
    world = bmx_sandbox.world
    assert rosa_client.get(doors_url(world.rosa_harbor)).status_code == 200

    with CaptureQueriesContext(db) as queries:
        response = rosa_client.post(unlock_url(world.rosa_harbor, world.harbor_front_door), **HTMX)

    assert "Opened at" in response.content.decode()
    statements = [query["sql"].split()[0] for query in queries.captured_queries]
    # The attempt before the release (pending) and its outcome after it.
    assert statements == ["INSERT", "UPDATE"]


def test_a_tap_asks_redis_once_for_its_cooldown_and_budget(
    bmx_sandbox, rosa_client, monkeypatch, settings
):
    if not settings.REDIS_URL:
        pytest.skip("runs where REDIS_URL names the cache, as in CI's PostgreSQL + Redis run")
    world = bmx_sandbox.world
    assert rosa_client.get(doors_url(world.rosa_harbor)).status_code == 200
    commands = []
    original = redis.Redis.execute_command

    def recorded(self, *args, **options):
        # The app's own; the sandbox keeps its call counts in the same Redis.
        if b":sandbox:" not in str(args[1:3]).encode():
            commands.append(args[0])
        return original(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", recorded)
    response = rosa_client.post(unlock_url(world.rosa_harbor, world.harbor_front_door), **HTMX)

    assert "Opened at" in response.content.decode()
    # The session, the user, the connection and the listing; the cooldown and the minute's
    # budget together; then the door state's new edition, the "opened" answer for a second
    # tap, and the doorbell's ringing calls.
    assert commands == ["GET", "GET", "GET", "GET", "EVALSHA", "DEL", "SET", "GET"]


def test_cached_cards_carry_the_requests_own_csrf_token(bmx_sandbox, client, connected_resident):
    client = type(client)(enforce_csrf_checks=True)
    client.force_login(connected_resident)
    world = bmx_sandbox.world
    url = doors_url(world.rosa_harbor)
    client.get(url)  # the cards are made and kept

    page = client.get(url).content.decode()

    assert _stand_in() not in page
    tokens = CSRF_FIELD.findall(page)
    assert tokens
    response = client.post(
        unlock_url(world.rosa_harbor, world.harbor_front_door),
        {"csrfmiddlewaretoken": tokens[-1]},
    )
    assert response.status_code == 302  # opened, back to the doors page; not 403


def test_a_favourite_shows_at_once_on_a_warm_page(bmx_sandbox, rosa_client):
    world = bmx_sandbox.world
    url = doors_url(world.rosa_harbor)
    before = rosa_client.get(url).content.decode()
    assert 'id="favourites-heading"' not in before

    rosa_client.post(favourite_url(world.rosa_harbor, world.harbor_garage), {"pin": "1"}, **HTMX)
    page = rosa_client.get(url).content.decode()

    assert 'id="favourites-heading"' in page
    assert card_names(page)[0] == world.harbor_garage.name
    assert 'aria-pressed="true"' in page

    rosa_client.post(favourite_url(world.rosa_harbor, world.harbor_garage), {"pin": "0"}, **HTMX)
    assert 'id="favourites-heading"' not in rosa_client.get(url).content.decode()


def test_an_opened_door_moves_up_at_once_on_a_warm_page(bmx_sandbox, rosa_client):
    world = bmx_sandbox.world
    url = doors_url(world.rosa_harbor)
    names = card_names(rosa_client.get(url).content.decode())
    doors = (
        world.harbor_front_door,
        world.harbor_garage,
        world.harbor_package_room,
        world.harbor_gym,
    )
    last = next(door for name in reversed(names) for door in doors if door.name == name)
    assert names.index(last.name) > 1

    rosa_client.post(unlock_url(world.rosa_harbor, last), **HTMX)

    # Under the home's lock, the most used entrance first.
    assert card_names(rosa_client.get(url).content.decode())[1] == last.name


def test_a_disconnected_resident_is_sent_home_at_once(bmx_sandbox, rosa_client):
    url = doors_url(bmx_sandbox.world.rosa_harbor)
    assert rosa_client.get(url).status_code == 200

    ButterflyMXConnection.objects.get().delete()

    response = rosa_client.get(url)
    assert response.status_code == 200
    assert "Connect ButterflyMX" in response.content.decode()


def test_a_new_password_signs_out_other_sessions_at_once(bmx_sandbox, rosa_client, resident):
    url = doors_url(bmx_sandbox.world.rosa_harbor)
    assert rosa_client.get(url).status_code == 200  # the user is now kept in the cache

    resident.set_password("a-new-and-long-passphrase")
    resident.save()

    response = rosa_client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("side", ["user", "group"])
def test_a_manager_removed_from_the_group_loses_the_dashboard_at_once(
    side, client, manager, settings
):
    settings.MFA_REQUIRED_FOR_MANAGERS = False
    client.force_login(manager)
    dashboard = reverse("occupancy:dashboard")
    assert 'href="/dashboard/"' in client.get(reverse("account")).content.decode()

    group = Group.objects.get(name=settings.PROPERTY_MANAGERS_GROUP)
    if side == "user":
        manager.groups.remove(group)
    else:
        group.user_set.clear()

    assert client.get(dashboard).status_code == 403
