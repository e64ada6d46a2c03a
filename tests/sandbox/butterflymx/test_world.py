"""The seeded sandbox ButterflyMX world and the sandbox_seed command."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from sandbox.butterflymx.models import (
    AccessLog,
    AccessPoint,
    AccessTool,
    Building,
    Call,
    Device,
    Keychain,
    Person,
    Tenant,
    Unit,
    VirtualKey,
)
from sandbox.butterflymx.world import SEEDED_AT, world_load, world_seed

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])

MODELS = [
    Building,
    Unit,
    Person,
    Tenant,
    Device,
    AccessPoint,
    AccessTool,
    AccessLog,
    Call,
    Keychain,
    VirtualKey,
]


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in MODELS} | {
        "links": AccessPoint.devices.through.objects.count()
    }


def test_the_world_matches_the_agreed_story(bmx_world):
    rosa = bmx_world.rosa
    assert (rosa.first_name, rosa.last_name, rosa.email) == (
        "Rosa",
        "Resident",
        "resident@foyer.example",
    )
    assert bmx_world.sam.email == "neighbor@foyer.example"
    assert bmx_world.pat.email == "pat@foyer.example"
    assert {(t.building.name, t.building.timezone, t.unit.label) for t in rosa.tenants.all()} == {
        ("Harbor Point", "America/New_York", "4B"),
        ("Elm Street Lofts", "America/Chicago", "2"),
        ("Skyline Commons", "America/Denver", "1205"),
    }
    assert bmx_world.rosa_smart_lock.unit == bmx_world.rosa_unit
    assert bmx_world.sam_harbor.building == bmx_world.harbor_point
    assert bmx_world.sam_unit != bmx_world.rosa_unit
    assert bmx_world.sam_smart_lock.unit == bmx_world.sam_unit
    assert bmx_world.pat_tower.building == bmx_world.grand_tower
    assert bmx_world.grand_tower.access_points.count() == 130
    skyline = bmx_world.skyline_commons
    assert bmx_world.lee_skyline.building == skyline
    assert bmx_world.lee_smart_lock.unit == bmx_world.lee_unit == bmx_world.lee_skyline.unit
    assert bmx_world.rosa_skyline.building == skyline
    assert (
        bmx_world.rosa_skyline_smart_lock.unit
        == bmx_world.rosa_skyline_unit
        == bmx_world.rosa_skyline.unit
    )
    assert bmx_world.rosa_skyline_unit != bmx_world.lee_unit
    names = list(skyline.access_points.values_list("name", flat=True))
    assert len(names) == len(set(names)) == 500
    assert {"Stairwell A, floor 12", "Storage room 3"} <= set(names)
    for building in (bmx_world.harbor_point, bmx_world.elm_street):
        names = set(building.access_points.values_list("name", flat=True))
        assert {"Front door", "Package room"} <= names
    assert {d.type for d in Device.objects.all()} <= set(Device.Type.values)


def test_seeding_again_changes_nothing_and_repairs_edits(bmx_world):
    before = counts()
    Building.objects.filter(pk=bmx_world.harbor_point.pk).update(name="Renamed")
    AccessPoint.devices.through.objects.all().delete()
    log = AccessLog.objects.get(seed_key="rosa-api-front")
    AccessLog.objects.filter(pk=log.pk).update(
        name="Someone else", logged_at=log.logged_at - timedelta(days=9)
    )
    Call.objects.filter(pk=bmx_world.rosa_missed_call.pk).update(status="canceled")
    VirtualKey.objects.filter(pk=bmx_world.maria_key.pk).update(usage_count=7)
    again = world_seed()
    assert counts() == before
    assert Building.objects.get(pk=bmx_world.harbor_point.pk).name == "Harbor Point"
    repaired = AccessLog.objects.get(pk=log.pk)
    assert (repaired.name, repaired.logged_at) == ("Rosa Resident", log.logged_at)
    assert Call.objects.get(pk=bmx_world.rosa_missed_call.pk).status == "timeout_online_signal"
    assert VirtualKey.objects.get(pk=bmx_world.maria_key.pk).usage_count == 2
    assert again == world_load()
    assert again.rosa_harbor.pk == bmx_world.rosa_harbor.pk


def test_sandbox_seed_command_is_idempotent():
    out = StringIO()
    call_command("sandbox_seed", stdout=out)
    first = counts()
    call_command("sandbox_seed", stdout=out)
    assert counts() == first
    assert first["AccessPoint"] == 639
    assert first["Tenant"] == 6
    assert (first["AccessTool"], first["Call"], first["Keychain"]) == (3, 3, 1)
    assert "ButterflyMX" in out.getvalue()


def test_the_seeded_objects_are_the_story_of_rosas_door(bmx_world):
    assert (bmx_world.rosa_fob.kind, bmx_world.rosa_fob.label) == ("fob", "Fob 0412")
    assert bmx_world.rosa_fob.tenant == bmx_world.rosa_harbor
    assert (bmx_world.rosa_pin_tool.kind, bmx_world.rosa_pin_tool.pin_code) == ("pin", "731946")
    assert bmx_world.sam_fob.tenant == bmx_world.sam_harbor
    assert bmx_world.maria_pass.name == "Maria Lopez"
    assert bmx_world.maria_pass.tenant == bmx_world.rosa_harbor
    assert list(bmx_world.maria_pass.access_points.all()) == [bmx_world.harbor_front_door]
    assert bmx_world.maria_key.keychain == bmx_world.maria_pass
    assert bmx_world.maria_key.pin_code == "580314"
    assert bmx_world.rosa_missed_call.status == "timeout_online_signal"
    assert bmx_world.rosa_answered_call.status == "opened_door"
    for call in (bmx_world.rosa_missed_call, bmx_world.rosa_answered_call):
        assert (call.device, call.recipient, call.unit) == (
            bmx_world.harbor_panel,
            bmx_world.rosa_harbor,
            bmx_world.rosa_unit,
        )
        assert len(call.photo) == 32
    assert bmx_world.sam_missed_call.recipient == bmx_world.sam_harbor
    assert not AccessLog.objects.filter(logged_at__gt=SEEDED_AT).exists()
    assert not Call.objects.filter(logged_at__gt=SEEDED_AT).exists()


def test_new_rows_never_collide_with_the_seeded_ones(bmx_world):
    """Seeded rows take their ids like any other; seeding again keeps them and adds none."""
    seeded = set(AccessLog.objects.values_list("id", flat=True))
    created = AccessLog.objects.create(
        building=bmx_world.harbor_point,
        logged_at=SEEDED_AT,
        release_status="Locked",
        release_method="schedule",
    )
    assert created.id not in seeded
    world_seed()
    assert set(AccessLog.objects.values_list("id", flat=True)) == seeded | {created.id}
    again = AccessLog.objects.create(
        building=bmx_world.harbor_point,
        logged_at=SEEDED_AT,
        release_status="Locked",
        release_method="schedule",
    )
    assert again.id not in seeded | {created.id}
