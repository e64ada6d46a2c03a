"""The sandbox ButterflyMX access log: what writes each entry shape, who sees it, filters."""

import re

import pytest

from sandbox.butterflymx.models import AccessLog
from sandbox.butterflymx.services import keychain_create

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])

KEYPAD = "/sandbox/butterflymx/keypad/"
TEN_KEYS = {
    "id",
    "logged_at",
    "access_point",
    "release_status",
    "name",
    "release_type",
    "unit",
    "tenant_id",
    "entry_method",
    "image_url",
}
PHOTO_URL = re.compile(r"^http://testserver/sandbox/butterflymx/uploads/store/[0-9a-f]{32}\.png$")


@pytest.fixture
def logs(as_person, bmx_world):
    """Every access log entry a person sees in a building, newest first."""

    def get(person=None, building=None, **params):
        person = person or bmx_world.rosa
        building = building or bmx_world.harbor_point
        response = as_person(person, f"/v4/buildings/{building.id}/access_logs", params)
        assert response.status_code == 200
        return response.json()["data"]

    return get


def newest(logs, **params) -> dict:
    return logs(**params)[0]


def test_every_entry_has_exactly_the_ten_documented_keys(logs, bmx_world):
    entries = logs(per=100) + logs(bmx_world.sam, per=100)
    assert len(entries) > 20
    assert all(set(entry) == TEN_KEYS for entry in entries)
    assert all(entry["release_status"] in {"Unlocked", "Locked"} for entry in entries)
    assert {entry["release_type"] for entry in entries} == {"Tenant", "Visitor", "Delivery", None}


def test_rosas_seeded_history_has_every_documented_entry_method(logs, bmx_world):
    entries = logs(per=100)
    methods = [entry["entry_method"] for entry in entries]
    for expected in (
        "API",
        "Swipe to open",
        "App call",
        "Visitor Pass (using PIN)",
        "Remote Doorman",
        {"access_tool": bmx_world.rosa_fob.id},
        {"access_tool": bmx_world.rosa_pin_tool.id},
        {"keychain": bmx_world.maria_pass.id},
        None,
    ):
        assert expected in methods
    by_method = {str(entry["entry_method"]): entry for entry in entries}
    fob = by_method[str({"access_tool": bmx_world.rosa_fob.id})]
    assert (fob["access_point"], fob["name"], fob["release_type"]) == (
        bmx_world.harbor_garage.id,
        "Rosa Resident",
        "Tenant",
    )
    assert fob["image_url"] is None  # the garage has no camera
    maria = by_method[str({"keychain": bmx_world.maria_pass.id})]
    assert (maria["name"], maria["release_type"]) == ("Maria Lopez", "Visitor")
    assert PHOTO_URL.match(maria["image_url"])
    ups = by_method["Remote Doorman"]
    assert (ups["name"], ups["release_type"], ups["unit"]) == ("UPS", "Delivery", 101356)
    pins = [e for e in entries if e["entry_method"] == "Visitor Pass (using PIN)"]
    assert {(e["name"], e["release_type"]) for e in pins} == {
        ("Maria Lopez", "Visitor"),
        ("Amazon", "Delivery"),
    }
    lock = [e for e in entries if e["entry_method"] == "API" and e["access_point"] is None]
    assert len(lock) == 1  # the smart lock, which serves no access point
    logged = [entry["logged_at"] for entry in entries]
    assert logged == sorted(logged, reverse=True)


def test_the_gym_logs_its_opening_at_six_and_closing_at_ten_local_time(logs, bmx_world):
    gym = [
        entry
        for entry in logs(per=100)
        if entry["access_point"] == bmx_world.harbor_gym.id and entry["name"] is None
    ]
    # New York is on daylight saving time (UTC-4) in June 2024.
    assert [(entry["logged_at"], entry["release_status"]) for entry in gym] == [
        ("2024-06-14T10:00:00Z", "Unlocked"),
        ("2024-06-14T02:00:00Z", "Locked"),
        ("2024-06-13T10:00:00Z", "Unlocked"),
        ("2024-06-13T02:00:00Z", "Locked"),
        ("2024-06-12T10:00:00Z", "Unlocked"),
    ]
    for entry in gym:
        assert {key for key, value in entry.items() if value is not None} == {
            "id",
            "logged_at",
            "access_point",
            "release_status",
        }


def test_an_api_release_is_logged_as_the_tenants_with_the_panels_photo(
    client, release, logs, bmx_world, clock
):
    release(bmx_world.rosa, bmx_world.rosa_harbor, access_point_id=bmx_world.harbor_front_door.id)
    entry = newest(logs)
    assert entry["logged_at"] == "2026-10-20T15:00:00Z"
    assert {key: entry[key] for key in TEN_KEYS - {"id", "logged_at", "image_url"}} == {
        "access_point": bmx_world.harbor_front_door.id,
        "release_status": "Unlocked",
        "name": "Rosa Resident",
        "release_type": "Tenant",
        "unit": bmx_world.rosa_unit.id,
        "tenant_id": bmx_world.rosa_harbor.id,
        "entry_method": "API",
    }
    assert PHOTO_URL.match(entry["image_url"])
    assert client.get(entry["image_url"]).status_code == 200
    release(bmx_world.rosa, bmx_world.rosa_harbor, access_point_id=bmx_world.harbor_gym.id)
    assert newest(logs)["image_url"] is None  # no camera at the gym


def test_a_release_by_device_logs_each_access_point_it_opens(release, logs, bmx_world, clock):
    bmx_world.harbor_garage.devices.add(bmx_world.harbor_panel)
    release(bmx_world.rosa, bmx_world.rosa_harbor, device_id=bmx_world.harbor_panel.id)
    opened = [entry for entry in logs() if entry["logged_at"] == "2026-10-20T15:00:00Z"]
    assert sorted(entry["access_point"] for entry in opened) == [
        bmx_world.harbor_front_door.id,
        bmx_world.harbor_garage.id,
    ]
    assert all(PHOTO_URL.match(entry["image_url"]) for entry in opened)
    clock.shift(60)
    release(bmx_world.rosa, bmx_world.rosa_harbor, device_id=bmx_world.rosa_smart_lock.id)
    lock = newest(logs)
    assert (lock["access_point"], lock["entry_method"], lock["image_url"]) == (None, "API", None)
    assert AccessLog.objects.filter(seed_key__isnull=True).count() == 3


def test_keypad_entries_log_the_pass_and_its_owner(client, logs, bmx_world, clock):
    key = bmx_world.maria_key
    door = bmx_world.harbor_front_door
    response = client.post(KEYPAD, {"access_point_id": door.id, "pin_code": key.pin_code})
    assert response.status_code == 200
    entry = newest(logs)
    assert (entry["entry_method"], entry["release_type"], entry["name"]) == (
        "Visitor Pass (using PIN)",
        "Visitor",
        "Maria Lopez",
    )
    assert (entry["unit"], entry["tenant_id"]) == (bmx_world.rosa_unit.id, bmx_world.rosa_harbor.id)
    assert PHOTO_URL.match(entry["image_url"])
    clock.shift(60)
    client.post(f"{KEYPAD}qr/{key.token}/", {"access_point_id": door.id})
    assert newest(logs)["entry_method"] == {"keychain": bmx_world.maria_pass.id}


def test_a_delivery_pass_is_logged_as_a_delivery_under_the_keychains_name(client, logs, bmx_world):
    keychain = keychain_create(
        person=bmx_world.rosa,
        type="delivery_pass",
        params={"name": "Parcels", "tenant_id": bmx_world.rosa_harbor.id},
    )
    pin = keychain.virtual_keys.get().pin_code
    door = bmx_world.harbor_package_room
    assert client.post(KEYPAD, {"access_point_id": door.id, "pin_code": pin}).status_code == 200
    entry = newest(logs)
    assert (entry["release_type"], entry["name"], entry["entry_method"]) == (
        "Delivery",
        "Parcels",
        "Visitor Pass (using PIN)",
    )
    assert entry["image_url"] is None  # a keypad, not a camera


def test_a_residents_pin_and_fob_are_logged_as_access_tools(client, logs, bmx_world, clock):
    door = bmx_world.harbor_garage
    page = client.get(KEYPAD).content.decode()
    assert f'<option value="{bmx_world.rosa_fob.id}">Fob 0412' in page
    pin = bmx_world.rosa_pin_tool.pin_code
    assert client.post(KEYPAD, {"access_point_id": door.id, "pin_code": pin}).status_code == 200
    entry = newest(logs)
    assert entry["entry_method"] == {"access_tool": bmx_world.rosa_pin_tool.id}
    assert (entry["release_type"], entry["name"]) == ("Tenant", "Rosa Resident")
    clock.shift(60)
    tap = client.post(KEYPAD, {"access_point_id": door.id, "access_tool_id": bmx_world.rosa_fob.id})
    assert tap.status_code == 200
    assert tap.context["outcome"].message == "Garage is open"
    assert newest(logs)["entry_method"] == {"access_tool": bmx_world.rosa_fob.id}
    # Her fob means nothing in another building, and a PIN is no fob.
    refused = client.post(
        KEYPAD,
        {"access_point_id": bmx_world.elm_front_door.id, "access_tool_id": bmx_world.rosa_fob.id},
    )
    assert refused.status_code == 403
    not_a_fob = client.post(
        KEYPAD, {"access_point_id": door.id, "access_tool_id": bmx_world.rosa_pin_tool.id}
    )
    assert not_a_fob.context["outcome"].message == "Choose a fob"
    assert AccessLog.objects.filter(seed_key__isnull=True).count() == 2


def test_rosa_never_sees_sams_entries_and_both_see_the_doors_schedule(logs, bmx_world):
    rosas = logs(per=100)
    sams = logs(bmx_world.sam, per=100)
    assert {e["unit"] for e in rosas} == {bmx_world.rosa_unit.id, None}
    assert {e["unit"] for e in sams} == {bmx_world.sam_unit.id, None}
    assert {e["tenant_id"] for e in sams} == {bmx_world.sam_harbor.id, None}
    shared = {e["id"] for e in rosas} & {e["id"] for e in sams}
    assert shared
    assert all(e["name"] is None for e in rosas + sams if e["id"] in shared)
    seen = {e["id"] for e in rosas}
    sam_rows = AccessLog.objects.filter(tenant=bmx_world.sam_harbor).values_list("id", flat=True)
    assert len(sam_rows) == 3
    assert not seen & set(sam_rows)
    elm = logs(building=bmx_world.elm_street, per=100)
    assert {e["unit"] for e in elm} == {bmx_world.rosa_elm_unit.id, None}


def test_one_entry_by_id_only_within_what_the_person_sees(as_person, logs, bmx_world):
    mine = logs()[0]
    path = f"/v4/buildings/{bmx_world.harbor_point.id}/access_logs"
    assert as_person(bmx_world.rosa, f"{path}/{mine['id']}").json() == {"data": mine}
    sams = AccessLog.objects.filter(tenant=bmx_world.sam_harbor).first()
    for missing in (sams.id, 999999999):
        response = as_person(bmx_world.rosa, f"{path}/{missing}")
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"
    elm = f"/v4/buildings/{bmx_world.elm_street.id}/access_logs/{mine['id']}"
    assert as_person(bmx_world.rosa, elm).status_code == 404
    tower = f"/v4/buildings/{bmx_world.grand_tower.id}/access_logs"
    assert as_person(bmx_world.rosa, tower).status_code == 404
    assert as_person(bmx_world.rosa, f"{tower}/{mine['id']}").status_code == 404


def test_filters_by_time_release_method_and_status(logs, bmx_world):
    everything = logs(per=100)
    since = logs(per=100, **{"q[logged_at_gteq]": "2024-06-14"})
    assert since == [e for e in everything if e["logged_at"] >= "2024-06-14"]
    assert 0 < len(since) < len(everything)
    until = logs(per=100, **{"q[logged_at_lteq]": "2024-06-12 15:04:30 UTC"})
    assert until == [e for e in everything if e["logged_at"] <= "2024-06-12T15:04:30Z"]
    assert 0 < len(until) < len(everything)
    locked = logs(per=100, **{"q[release_status_eq]": "Locked"})
    assert locked and all(e["release_status"] == "Locked" for e in locked)
    assert logs(per=100, **{"q[release_status]": "locked"}) == locked
    fobs = logs(per=100, **{"q[release_method_in][]": ["fob", "remote_doorman"]})
    assert [(e["name"], e["entry_method"]) for e in fobs] == [
        ("Rosa Resident", {"access_tool": bmx_world.rosa_fob.id}),
        ("UPS", "Remote Doorman"),
    ]
    search = logs(
        per=100,
        **{"q[unit_label_or_user_full_name_or_delivery_authorization_description_start]": "Maria"},
    )
    assert {e["name"] for e in search} == {"Maria Lopez"}
    for ignored in ({"q[logged_at_gteq]": "yesterday"}, {"q[release_status_eq]": "ajar"}):
        assert logs(per=100, **ignored) == everything


def test_paging_follows_next_page_newest_first(as_person, bmx_world, logs):
    everything = logs(per=100)
    collected, page = [], 1
    path = f"/v4/buildings/{bmx_world.harbor_point.id}/access_logs"
    while page is not None:
        body = as_person(bmx_world.rosa, path, {"per": 4, "page": page}).json()
        assert body["page_info"]["total_item_count"] == len(everything)
        collected += body["data"]
        page = body["page_info"]["next_page"]
    assert collected == everything
