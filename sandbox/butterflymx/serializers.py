"""The JSON shapes of the ButterflyMX API's items, after the published examples."""

from datetime import UTC, datetime

from sandbox.butterflymx.models import (
    AccessPoint,
    Building,
    Device,
    DoorReleaseRequest,
    Tenant,
    Unit,
)


def time_format(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _stamps(obj) -> dict:
    return {"created_at": time_format(obj.created_at), "updated_at": time_format(obj.updated_at)}


def building_data(building: Building) -> dict:
    return {
        "id": building.id,
        "name": building.name,
        "timezone": building.timezone,
        **_stamps(building),
    }


def unit_data(unit: Unit) -> dict:
    return {
        "id": unit.id,
        "label": unit.label,
        "floor": unit.floor,
        "building_id": unit.building_id,
        **_stamps(unit),
    }


def tenant_data(tenant: Tenant) -> dict:
    person = tenant.person
    return {
        "id": tenant.id,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "full_name": f"{person.first_name} {person.last_name}",
        "email": person.email,
        "building_id": tenant.building_id,
        # Newer responses carry the building's name and time zone as well.
        "building_name": tenant.building.name,
        "building_timezone": tenant.building.timezone,
        "inactive_after": time_format(tenant.inactive_after),
        "unit": unit_data(tenant.unit),
        **_stamps(tenant),
    }


def access_point_data(access_point: AccessPoint) -> dict:
    return {
        "id": access_point.id,
        "name": access_point.name,
        "building_id": access_point.building_id,
        "device_ids": sorted(device.id for device in access_point.devices.all()),
        "open_hours": access_point.open_hours,
        **_stamps(access_point),
    }


def device_data(device: Device) -> dict:
    return {
        "id": device.id,
        "name": device.name,
        "model": device.model,
        "serial_number": device.serial_number,
        "building_id": device.building_id,
        "unit_id": device.unit_id,
        "type": device.type,
        **_stamps(device),
    }


def door_release_data(release: DoorReleaseRequest) -> dict:
    return {
        "id": release.id,
        "guid": str(release.guid),
        "tenant_id": release.tenant_id,
        "access_point_id": release.access_point_id,
        "device_id": release.device_id,
        "release_method": release.release_method,
        **_stamps(release),
    }


def access_log_data(release: DoorReleaseRequest) -> dict:
    door = release.access_point or release.device
    return {
        "id": release.id,
        "guid": str(release.guid),
        "event": "door_release",
        "logged_at": time_format(release.created_at),
        "building_id": release.building_id,
        "tenant_id": release.tenant_id,
        "unit_id": release.tenant.unit_id,
        "access_point_id": release.access_point_id,
        "device_id": release.device_id,
        "door_name": door.name if door else None,
        "release_method": release.release_method,
    }
