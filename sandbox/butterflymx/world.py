"""The seeded ButterflyMX world: fixed ids, written idempotently to the sandbox database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction

from sandbox.butterflymx.models import (
    AccessPoint,
    Building,
    Device,
    DoorReleaseRequest,
    Person,
    Tenant,
    Unit,
)

SEEDED_AT = datetime(2024, 6, 14, 15, 4, 30, tzinfo=UTC)
AMENITY_HOURS = [
    {"day": day, "opens_at": "06:00", "closes_at": "22:00"}
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
]

HARBOR_POINT, ELM_STREET, GRAND_TOWER = 11743, 11879, 27865
# (id, name, time zone, delivery passes enabled)
BUILDINGS = [
    (HARBOR_POINT, "Harbor Point", "America/New_York", True),
    (ELM_STREET, "Elm Street Lofts", "America/Chicago", True),
    (GRAND_TOWER, "Grand Tower", "America/Los_Angeles", False),
]
# (id, building, label, floor)
UNITS = [
    (101356, HARBOR_POINT, "4B", "4"),
    (101357, HARBOR_POINT, "7A", "7"),
    (101420, ELM_STREET, "2", "1"),
    (101421, ELM_STREET, "3", "1"),
    (101500, GRAND_TOWER, "3105", "31"),
]
# (id, first name, last name, email)
PEOPLE = [
    (7001, "Rosa", "Resident", "resident@foyer.example"),
    (7002, "Sam", "Neighbor", "neighbor@foyer.example"),
    (7003, "Pat", "Tower", "pat@foyer.example"),
]
# (id, person, building, unit)
TENANTS = [
    (129227, 7001, HARBOR_POINT, 101356),
    (129228, 7001, ELM_STREET, 101420),
    (129301, 7002, HARBOR_POINT, 101357),
    (129401, 7003, GRAND_TOWER, 101500),
]
# (id, building, unit or None, name, model, serial number, type)
DEVICES = [
    (37130, HARBOR_POINT, None, "Front entrance panel", "Mini", "BMX-HP-0001", "panel"),
    (
        37131,
        HARBOR_POINT,
        None,
        "Garage controller",
        None,
        "BMX-HP-0002",
        "cloud_based_access_controller",
    ),
    (37132, HARBOR_POINT, None, "Package room keypad", "Keypad", "BMX-HP-0003", "keypad"),
    (37133, HARBOR_POINT, None, "Elevator control", None, None, "elevator_control"),
    (115677, HARBOR_POINT, 101356, "Unit 4B smart lock", None, None, "smart_lock"),
    (115678, HARBOR_POINT, 101357, "Unit 7A smart lock", None, None, "smart_lock"),
    (37201, ELM_STREET, None, "Lobby panel", "Pro", "BMX-ES-0001", "panel"),
    (37202, ELM_STREET, None, "Bike room keypad", "Keypad", "BMX-ES-0002", "keypad"),
    (37203, ELM_STREET, None, "Virtual intercom", None, None, "virtual_intercom"),
    (115690, ELM_STREET, 101421, "Unit 3 smart lock", None, None, "smart_lock"),
    (37301, GRAND_TOWER, None, "Lobby panel", "Pro", "BMX-GT-0001", "panel"),
    (37302, GRAND_TOWER, None, "Elevator bank A", None, "BMX-GT-0002", "elevator_control"),
    (37303, GRAND_TOWER, None, "Key locker", None, "BMX-GT-0003", "key_locker"),
    (37304, GRAND_TOWER, None, "Front desk", None, None, "front_desk_station"),
    (115700, GRAND_TOWER, 101500, "Unit 3105 smart lock", None, None, "smart_lock"),
]
# (id, building, name, device ids, open hours)
ACCESS_POINTS = [
    (24318, HARBOR_POINT, "Front door", [37130], None),
    (24319, HARBOR_POINT, "Garage", [37131], None),
    (24320, HARBOR_POINT, "Package room", [37132], None),
    (24321, HARBOR_POINT, "Gym", [], AMENITY_HOURS),
    (24322, HARBOR_POINT, "Roof deck", [], AMENITY_HOURS),
    (24401, ELM_STREET, "Front door", [37201], None),
    (24402, ELM_STREET, "Bike room", [37202], None),
    (24403, ELM_STREET, "Package room", [], None),
    (24404, ELM_STREET, "Courtyard gate", [], AMENITY_HOURS),
    (30001, GRAND_TOWER, "Lobby door", [37301], None),
    (30002, GRAND_TOWER, "Garage", [], None),
    (30003, GRAND_TOWER, "Package room", [37304], None),
    (30004, GRAND_TOWER, "Fitness center", [], AMENITY_HOURS),
    # Two stairwell doors on each of floors 2 to 64: enough doors for two pages of 100.
    *[
        (
            30005 + index,
            GRAND_TOWER,
            f"Stairwell {'AB'[index % 2]}, floor {index // 2 + 2}",
            [],
            None,
        )
        for index in range(126)
    ],
]
# Earlier door releases, so that each tenancy's access log has a history.
# (guid, tenant, access point or None, device or None, days before the seed time)
HISTORY = [
    ("9b0d6b5e-3f39-4d5a-9a53-7c2f3d9a0001", 129227, 24318, None, 3),
    ("9b0d6b5e-3f39-4d5a-9a53-7c2f3d9a0002", 129227, None, 115677, 2),
    ("9b0d6b5e-3f39-4d5a-9a53-7c2f3d9a0003", 129228, 24401, None, 1),
    ("9b0d6b5e-3f39-4d5a-9a53-7c2f3d9a0004", 129301, 24319, None, 1),
]


@dataclass(frozen=True)
class World:
    """The seeded objects by role, for demos and tests."""

    rosa: Person
    sam: Person
    pat: Person
    harbor_point: Building
    elm_street: Building
    grand_tower: Building
    rosa_unit: Unit  # Harbor Point 4B
    rosa_elm_unit: Unit  # Elm Street Lofts 2
    sam_unit: Unit  # Harbor Point 7A
    elm_other_unit: Unit  # Elm Street Lofts 3: nobody's here, but it has a smart lock
    pat_unit: Unit  # Grand Tower 3105
    rosa_harbor: Tenant
    rosa_elm: Tenant
    sam_harbor: Tenant
    pat_tower: Tenant
    harbor_front_door: AccessPoint
    harbor_garage: AccessPoint
    harbor_gym: AccessPoint
    elm_front_door: AccessPoint
    tower_lobby_door: AccessPoint
    harbor_panel: Device
    rosa_smart_lock: Device  # Harbor Point 4B
    sam_smart_lock: Device  # Harbor Point 7A
    elm_other_smart_lock: Device  # Elm Street Lofts 3
    elm_panel: Device
    pat_smart_lock: Device  # Grand Tower 3105

    @property
    def people(self) -> list[Person]:
        return [self.rosa, self.sam, self.pat]


def _upsert(model, rows: list[dict], *, unique_field: str = "id") -> None:
    """Create the missing rows and bring the existing ones back to their seeded values."""
    model.objects.bulk_create(
        [model(**row) for row in rows],
        update_conflicts=True,
        unique_fields=[unique_field],
        update_fields=[name for name in rows[0] if name != unique_field],
    )


def world_seed() -> World:
    """Write the world to the sandbox database (idempotent) and return its handle."""
    stamps = {"created_at": SEEDED_AT, "updated_at": SEEDED_AT}
    with transaction.atomic(using="sandbox"):
        _upsert(
            Building,
            [
                {"id": i, "name": n, "timezone": tz, "delivery_pass_enabled": d, **stamps}
                for i, n, tz, d in BUILDINGS
            ],
        )
        _upsert(
            Unit,
            [
                {"id": i, "building_id": b, "label": label, "floor": floor, **stamps}
                for i, b, label, floor in UNITS
            ],
        )
        _upsert(
            Person,
            [{"id": i, "first_name": f, "last_name": la, "email": e} for i, f, la, e in PEOPLE],
        )
        _upsert(
            Tenant,
            [
                {
                    "id": i,
                    "person_id": p,
                    "building_id": b,
                    "unit_id": u,
                    "inactive_after": None,
                    **stamps,
                }
                for i, p, b, u in TENANTS
            ],
        )
        _upsert(
            Device,
            [
                {
                    "id": i,
                    "building_id": b,
                    "unit_id": u,
                    "name": n,
                    "model": m,
                    "serial_number": s,
                    "type": t,
                    **stamps,
                }
                for i, b, u, n, m, s, t in DEVICES
            ],
        )
        _upsert(
            AccessPoint,
            [
                {"id": i, "building_id": b, "name": n, "open_hours": hours, **stamps}
                for i, b, n, _devices, hours in ACCESS_POINTS
            ],
        )
        links = AccessPoint.devices.through
        links.objects.filter(accesspoint_id__in=[row[0] for row in ACCESS_POINTS]).delete()
        links.objects.bulk_create(
            [
                links(accesspoint_id=ap_id, device_id=device_id)
                for ap_id, _b, _n, device_ids, _h in ACCESS_POINTS
                for device_id in device_ids
            ]
        )
        buildings = {tenant_id: b for tenant_id, _p, b, _u in TENANTS}
        _upsert(
            DoorReleaseRequest,
            [
                {
                    "guid": uuid.UUID(guid),
                    "tenant_id": tenant_id,
                    "building_id": buildings[tenant_id],
                    "access_point_id": ap_id,
                    "device_id": device_id,
                    "release_method": "api",
                    "created_at": SEEDED_AT - timedelta(days=days),
                    "updated_at": SEEDED_AT - timedelta(days=days),
                }
                for guid, tenant_id, ap_id, device_id, days in HISTORY
            ],
            unique_field="guid",
        )
    return world_load()


def world_load() -> World:
    """The handle on an already seeded world."""
    people = Person.objects.in_bulk()
    buildings = Building.objects.in_bulk()
    units = Unit.objects.in_bulk()
    tenants = Tenant.objects.in_bulk()
    access_points = AccessPoint.objects.in_bulk([24318, 24319, 24321, 24401, 30001])
    devices = Device.objects.in_bulk()
    return World(
        rosa=people[7001],
        sam=people[7002],
        pat=people[7003],
        harbor_point=buildings[HARBOR_POINT],
        elm_street=buildings[ELM_STREET],
        grand_tower=buildings[GRAND_TOWER],
        rosa_unit=units[101356],
        rosa_elm_unit=units[101420],
        sam_unit=units[101357],
        elm_other_unit=units[101421],
        pat_unit=units[101500],
        rosa_harbor=tenants[129227],
        rosa_elm=tenants[129228],
        sam_harbor=tenants[129301],
        pat_tower=tenants[129401],
        harbor_front_door=access_points[24318],
        harbor_garage=access_points[24319],
        harbor_gym=access_points[24321],
        elm_front_door=access_points[24401],
        tower_lobby_door=access_points[30001],
        harbor_panel=devices[37130],
        rosa_smart_lock=devices[115677],
        sam_smart_lock=devices[115678],
        elm_other_smart_lock=devices[115690],
        elm_panel=devices[37201],
        pat_smart_lock=devices[115700],
    )
