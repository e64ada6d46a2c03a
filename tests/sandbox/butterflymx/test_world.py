"""The seeded sandbox ButterflyMX world and the sandbox_seed command."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from sandbox.butterflymx.models import (
    AccessPoint,
    Building,
    Device,
    DoorReleaseRequest,
    Person,
    Tenant,
    Unit,
)
from sandbox.butterflymx.world import world_load, world_seed

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])

MODELS = [Building, Unit, Person, Tenant, Device, AccessPoint, DoorReleaseRequest]


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
    }
    assert bmx_world.rosa_smart_lock.unit == bmx_world.rosa_unit
    assert bmx_world.sam_harbor.building == bmx_world.harbor_point
    assert bmx_world.sam_unit != bmx_world.rosa_unit
    assert bmx_world.sam_smart_lock.unit == bmx_world.sam_unit
    assert bmx_world.pat_tower.building == bmx_world.grand_tower
    assert bmx_world.grand_tower.access_points.count() == 130
    for building in (bmx_world.harbor_point, bmx_world.elm_street):
        names = set(building.access_points.values_list("name", flat=True))
        assert {"Front door", "Package room"} <= names
    assert {d.type for d in Device.objects.all()} <= set(Device.Type.values)


def test_seeding_again_changes_nothing_and_repairs_edits(bmx_world):
    before = counts()
    Building.objects.filter(pk=bmx_world.harbor_point.pk).update(name="Renamed")
    AccessPoint.devices.through.objects.all().delete()
    release = DoorReleaseRequest.objects.order_by("guid").first()
    DoorReleaseRequest.objects.filter(pk=release.pk).update(
        release_method="front_desk", created_at=release.created_at - timedelta(days=9)
    )
    again = world_seed()
    assert counts() == before
    assert Building.objects.get(pk=bmx_world.harbor_point.pk).name == "Harbor Point"
    repaired = DoorReleaseRequest.objects.get(guid=release.guid)
    assert (repaired.release_method, repaired.created_at) == ("api", release.created_at)
    assert again == world_load()
    assert again.rosa_harbor.pk == bmx_world.rosa_harbor.pk


def test_sandbox_seed_command_is_idempotent():
    out = StringIO()
    call_command("sandbox_seed", stdout=out)
    first = counts()
    call_command("sandbox_seed", stdout=out)
    assert counts() == first
    assert first["AccessPoint"] == 139
    assert first["Tenant"] == 4
    assert "ButterflyMX" in out.getvalue()
