"""The JSON shapes of the ButterflyMX API's items, after the published examples."""

import copy
from datetime import UTC, datetime

from django.urls import reverse
from django.utils import timezone

from sandbox.butterflymx.models import (
    AccessLog,
    AccessPoint,
    Building,
    Call,
    Device,
    DoorReleaseRequest,
    Keychain,
    Tenant,
    Unit,
    VirtualKey,
)


def time_format(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _stamps(obj) -> dict:
    return {"created_at": time_format(obj.created_at), "updated_at": time_format(obj.updated_at)}


def building_data(building: Building) -> dict:
    return {
        "id": building.id,
        "name": building.name,
        "time_zone": building.timezone,
        "address": {
            "address": building.street,
            "city": building.city,
            "state": building.state,
            "zip_code": building.zip_code,
            "country": building.country,
            "county": building.county,
        },
        **_stamps(building),
    }


def unit_data(unit: Unit) -> dict:
    """A tenant's unit, as recorded: no building id (the tenant carries it)."""
    return {
        "id": unit.id,
        "label": unit.label,
        "floor": unit.floor,
        **_stamps(unit),
    }


# What the recorded tenants say of how a resident wants to hear from ButterflyMX; the
# sandbox has no settings for it, so every tenant answers the same plausible values.
_NOTIFICATION_PREFERENCE = {
    "email": True,
    "sms": False,
    "do_not_disturb": False,
    "preferences": {
        "door_opens": {"push": True, "email": False, "sms": None},
        "messages": {"push": True, "email": False, "sms": False},
    },
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
        "contact_preference": "mobile_app",
        # Seeded people have accepted their invitations: registered, no pending invitation.
        "registration_status": "registered",
        "invitation": None,
        "unit": unit_data(tenant.unit),
        "notification_preference": copy.deepcopy(_NOTIFICATION_PREFERENCE),
        **_stamps(tenant),
    }


def access_point_data(access_point: AccessPoint) -> dict:
    return {
        "id": access_point.id,
        "name": access_point.name,
        "building_id": access_point.building_id,
        "device_ids": sorted(device.id for device in access_point.devices.all()),
        # Always a list, as recorded: empty when the door keeps no hours.
        "open_hours": access_point.open_hours or [],
        **_stamps(access_point),
    }


def device_data(device: Device) -> dict:
    return {
        "id": device.id,
        "name": device.name,
        "model": device.model,
        "serial_number": device.serial_number,
        "building_id": device.building_id,
        # Not in the recorded answer: the sandbox's own addition, so that a unit's smart lock
        # is told from the neighbours' (ButterflyMX itself lists only the resident's).
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


def photo_url(photo: str, *, request) -> str | None:
    if not photo:
        return None
    return request.build_absolute_uri(reverse("sandbox_bmx_photo", args=[photo]))


def access_log_data(log: AccessLog, *, request) -> dict:
    """Exactly the ten fields of ButterflyMX's access log entry."""
    return {
        "id": log.id,
        "logged_at": time_format(log.logged_at),
        "access_point": log.access_point_id,
        "release_status": log.release_status,
        "name": log.name,
        "release_type": log.release_type,
        "unit": log.unit_id,
        "tenant_id": log.tenant_id,
        "entry_method": log.entry_method,
        "image_url": photo_url(log.photo, request=request),
    }


def call_data(call: Call, *, request) -> dict:
    return {
        "id": call.id,
        "building_id": call.building_id,
        "logged_at": time_format(call.logged_at),
        "notification_type": call.notification_type,
        "recipient": {"id": call.recipient_id, "type": "Tenant"},
        "unit": {"id": call.unit_id},
        "device": {"id": call.device_id, "name": call.device.name},
        "status": call.status_at(timezone.now()),
        "image_url": photo_url(call.photo, request=request),
    }


def capabilities_data(building: Building) -> dict:
    return {"delivery_pass_enabled": building.delivery_pass_enabled}


def keychain_data(keychain: Keychain) -> dict:
    access_points = list(keychain.access_points.all())
    # The answer's device_ids include the devices of the pass's access points.
    device_ids = {device.id for device in keychain.devices.all()}
    device_ids.update(device.id for door in access_points for device in door.devices.all())
    data = {
        "id": keychain.id,
        "name": keychain.name,
        "type": keychain.type,
        "starts_at": time_format(keychain.starts_at),
        "ends_at": time_format(keychain.ends_at),
        "building_id": keychain.building_id,
        "tenant_id": keychain.tenant_id,
        "unit_id": keychain.unit_id,
        "allow_unit_access": keychain.allow_unit_access,
        "virtual_key_ids": sorted(key.id for key in keychain.virtual_keys.all()),
        "access_point_ids": sorted(door.id for door in access_points),
        "device_ids": sorted(device_ids),
        **_stamps(keychain),
    }
    if keychain.type == Keychain.Type.RECURRING:
        data |= {
            "start_date": keychain.start_date.isoformat(),
            "end_date": keychain.end_date.isoformat(),
            "time_from": keychain.time_from.strftime("%H:%M"),
            "time_to": keychain.time_to.strftime("%H:%M"),
            "weekdays": keychain.weekdays,
        }
    return data


def virtual_key_data(key: VirtualKey, *, request) -> dict:
    return {
        "id": key.id,
        "keychain_id": key.keychain_id,
        "building_id": key.keychain.building_id,
        "name": key.name or None,
        "email": key.email or None,
        "sms_number": key.sms_number or None,
        "sent_at": time_format(key.sent_at),
        "first_used_at": time_format(key.first_used_at),
        "last_used_at": time_format(key.last_used_at),
        "usage_count": key.usage_count,
        "pin_code": key.pin_code,
        "qr_code_url": request.build_absolute_uri(
            reverse("sandbox_bmx_virtual_key_qr_code", args=[key.token])
        ),
        "instructions_url": request.build_absolute_uri(
            reverse("sandbox_bmx_virtual_key_instructions", args=[key.token])
        ),
        **_stamps(key),
    }
