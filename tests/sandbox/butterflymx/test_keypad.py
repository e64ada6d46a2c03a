"""The sandbox ButterflyMX keypad: who a visitor pass lets in, where and when."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from sandbox.butterflymx.models import AccessLog, Keychain, VirtualKey
from sandbox.butterflymx.services import keychain_create, token_issue, virtual_key_create

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])

KEYPAD = "/sandbox/butterflymx/keypad/"
NOW = datetime(2026, 10, 20, 15, 0, tzinfo=UTC)


def new_logs():
    """The access log entries a test made, without the seeded history."""
    return AccessLog.objects.filter(seed_key__isnull=True)


def new_key() -> VirtualKey:
    return VirtualKey.objects.get(keychain__seed_key__isnull=True)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def pass_create(world, type, pin_code="402917", **params) -> VirtualKey:
    params = {"name": "Guest", "tenant_id": world.rosa_harbor.id, **params}
    keychain = keychain_create(person=world.rosa, type=type, params=params)
    if type == Keychain.Type.DELIVERY_PASS:
        key = keychain.virtual_keys.get()
        key.pin_code = pin_code
        key.save()
        return key
    return virtual_key_create(
        person=world.rosa, params={"keychain_id": keychain.id, "pin_code": pin_code}
    )


def custom_pass(world, **params) -> VirtualKey:
    return pass_create(
        world,
        Keychain.Type.CUSTOM,
        starts_at="2026-10-20T10:00:00-04:00",
        ends_at="2026-10-20T18:00:00-04:00",
        **{"access_point_ids": [world.harbor_front_door.id], **params},
    )


def enter(client, door, pin_code):
    return client.post(KEYPAD, {"access_point_id": door.id, "pin_code": pin_code})


def message(response) -> str:
    return response.context["outcome"].message


def test_the_keypad_page_lists_the_doors_with_a_csrf_protected_form(client, bmx_world):
    page = client.get(KEYPAD)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'<option value="{bmx_world.harbor_front_door.id}">Front door</option>' in html
    strict = Client(enforce_csrf_checks=True)
    custom_pass(bmx_world)
    response = strict.post(
        KEYPAD, {"access_point_id": bmx_world.harbor_front_door.id, "pin_code": "402917"}
    )
    assert response.status_code == 403
    assert not new_logs().filter(release_type="Visitor").exists()


def test_a_pin_opens_its_door_and_lands_in_the_access_log(client, bmx_world):
    key = custom_pass(bmx_world)
    response = enter(client, bmx_world.harbor_front_door, "402917")
    assert response.status_code == 200
    assert message(response) == "Front door is open"
    key.refresh_from_db()
    assert (key.usage_count, key.first_used_at, key.last_used_at) == (1, NOW, NOW)
    token = token_issue(person=bmx_world.rosa)["access_token"]
    logs = client.get(
        f"/sandbox/butterflymx/api/v4/buildings/{bmx_world.harbor_point.id}/access_logs",
        headers={"Authorization": f"Bearer {token}"},
    ).json()["data"]
    newest = logs[0]
    assert newest["entry_method"] == "Visitor Pass (using PIN)"
    assert newest["release_type"] == "Visitor"
    assert newest["release_status"] == "Unlocked"
    assert newest["access_point"] == bmx_world.harbor_front_door.id
    assert newest["tenant_id"] == bmx_world.rosa_harbor.id
    assert newest["logged_at"] == "2026-10-20T15:00:00Z"


def test_a_qr_code_opens_with_the_keychain_as_entry_method(client, bmx_world, clock):
    key = custom_pass(bmx_world)
    url = f"{KEYPAD}qr/{key.token}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"access_point_id": bmx_world.harbor_front_door.id})
    assert message(response) == "Front door is open"
    release = new_logs().get(release_type="Visitor")
    assert release.entry_method == {"keychain": key.keychain_id}
    clock.shift(timedelta(minutes=5))
    client.post(url, {"access_point_id": bmx_world.harbor_front_door.id})
    key.refresh_from_db()
    assert (key.usage_count, key.first_used_at) == (2, NOW)
    assert key.last_used_at == NOW + timedelta(minutes=5)
    assert client.get(f"{KEYPAD}qr/not-a-token/").status_code == 404


def test_refusals_say_why_and_log_nothing(client, bmx_world, clock):
    custom_pass(bmx_world)
    wrong_door = enter(client, bmx_world.harbor_garage, "402917")
    assert wrong_door.status_code == 403
    assert message(wrong_door) == "This pass isn't valid at this door"
    assert message(enter(client, bmx_world.harbor_front_door, "402918")) == "Wrong PIN"
    # The same PIN means nothing in another building.
    assert message(enter(client, bmx_world.elm_front_door, "402917")) == "Wrong PIN"
    assert message(client.post(KEYPAD, {"pin_code": "402917"})) == "Choose a door"
    clock.move_to(datetime(2026, 10, 20, 13, 59, tzinfo=UTC))
    assert message(enter(client, bmx_world.harbor_front_door, "402917")) == "Not yet valid"
    clock.move_to(datetime(2026, 10, 20, 22, 0, tzinfo=UTC))
    assert message(enter(client, bmx_world.harbor_front_door, "402917")) == "This pass has ended"
    assert not new_logs().filter(release_type="Visitor").exists()
    assert new_key().usage_count == 0


def test_a_pass_by_device_opens_the_access_points_on_it(client, bmx_world):
    custom_pass(bmx_world, access_point_ids=[], device_ids=[bmx_world.harbor_panel.id])
    assert message(enter(client, bmx_world.harbor_front_door, "402917")) == "Front door is open"
    assert enter(client, bmx_world.harbor_garage, "402917").status_code == 403


def test_a_one_time_pass_works_for_15_minutes_after_its_first_use(client, bmx_world, clock):
    pass_create(
        bmx_world,
        Keychain.Type.ONE_TIME,
        starts_at="2026-10-20T10:00:00-04:00",
        ends_at="2026-10-21T10:00:00-04:00",
        access_point_ids=[bmx_world.harbor_front_door.id],
    )
    assert enter(client, bmx_world.harbor_front_door, "402917").status_code == 200
    clock.shift(timedelta(minutes=15))
    assert enter(client, bmx_world.harbor_front_door, "402917").status_code == 200
    clock.shift(timedelta(seconds=1))
    refused = enter(client, bmx_world.harbor_front_door, "402917")
    assert message(refused) == "This pass has already been used"
    assert new_key().usage_count == 2


def test_a_recurring_pass_follows_local_time_across_the_end_of_daylight_saving(
    client, bmx_world, clock
):
    # Mondays 08:00 to 12:00 in New York, which leaves daylight saving on Sunday 2026-11-01.
    pass_create(
        bmx_world,
        Keychain.Type.RECURRING,
        start_date="2026-10-26",
        end_date="2026-11-09",
        time_from="08:00",
        time_to="12:00",
        weekdays=["mon"],
        access_point_ids=[bmx_world.harbor_front_door.id],
    )
    door = bmx_world.harbor_front_door
    cases = [
        (datetime(2026, 10, 19, 12, 30, tzinfo=UTC), "Not yet valid"),
        (datetime(2026, 10, 26, 12, 30, tzinfo=UTC), "Front door is open"),  # 08:30 EDT
        (datetime(2026, 10, 26, 11, 59, tzinfo=UTC), "This pass isn't valid at this time of day"),
        (datetime(2026, 10, 26, 16, 0, tzinfo=UTC), "This pass isn't valid at this time of day"),
        (datetime(2026, 10, 27, 12, 30, tzinfo=UTC), "This pass isn't valid today"),
        # A week later the same UTC moment is 07:30 EST: too early.
        (datetime(2026, 11, 2, 12, 30, tzinfo=UTC), "This pass isn't valid at this time of day"),
        (datetime(2026, 11, 2, 13, 0, tzinfo=UTC), "Front door is open"),  # 08:00 EST
        (datetime(2026, 11, 2, 16, 30, tzinfo=UTC), "Front door is open"),  # 11:30 EST
        (datetime(2026, 11, 9, 16, 59, tzinfo=UTC), "Front door is open"),  # 11:59 EST
        (datetime(2026, 11, 16, 13, 30, tzinfo=UTC), "This pass has ended"),
    ]
    for moment, expected in cases:
        clock.move_to(moment)
        assert (moment, message(enter(client, door, "402917"))) == (moment, expected)


def test_a_delivery_pass_opens_any_door_for_30_days(client, bmx_world, clock):
    key = pass_create(bmx_world, Keychain.Type.DELIVERY_PASS)
    clock.shift(timedelta(days=29, hours=23))
    assert message(enter(client, bmx_world.harbor_gym, "402917")) == "Gym is open"
    release = new_logs().get(access_point=bmx_world.harbor_gym)
    assert (release.release_type, release.entry_method) == ("Delivery", "Visitor Pass (using PIN)")
    clock.shift(timedelta(hours=1))
    assert message(enter(client, bmx_world.harbor_garage, "402917")) == "This pass has ended"
    key.refresh_from_db()
    assert key.usage_count == 1
