"""The seeded ButterflyMX world: fixed ids, written idempotently to the sandbox database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

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
from sandbox.butterflymx.photos import photo_for_seed

SEEDED_AT = datetime(2024, 6, 14, 15, 4, 30, tzinfo=UTC)
AMENITY_HOURS = [
    {"day": day, "opens_at": "06:00", "closes_at": "22:00"}
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
]

HARBOR_POINT, ELM_STREET, GRAND_TOWER = 11743, 11879, 27865
# A big building: 500 doors, five pages of 100.
SKYLINE_COMMONS = 31200
# (id, name, time zone, delivery passes enabled)
BUILDINGS = [
    (HARBOR_POINT, "Harbor Point", "America/New_York", True),
    (ELM_STREET, "Elm Street Lofts", "America/Chicago", True),
    (GRAND_TOWER, "Grand Tower", "America/Los_Angeles", False),
    (SKYLINE_COMMONS, "Skyline Commons", "America/Denver", False),
]
# Made-up addresses: building id -> (street, city, state, zip code, country, county)
ADDRESSES = {
    HARBOR_POINT: ("120 Harbor Point Blvd", "Brooklyn", "NY", "11201-4412", "us", None),
    ELM_STREET: ("2150 N Elm St", "Chicago", "IL", "60614-3307", "us", "Cook"),
    GRAND_TOWER: ("901 S Grand Ave", "Los Angeles", "CA", "90015-1620", "us", None),
    SKYLINE_COMMONS: ("1600 Larimer St", "Denver", "CO", "80202-1512", "us", "Denver"),
}
_ADDRESS_FIELDS = ("street", "city", "state", "zip_code", "country", "county")
# (id, building, label, floor)
UNITS = [
    (101356, HARBOR_POINT, "4B", "4"),
    (101357, HARBOR_POINT, "7A", "7"),
    (101420, ELM_STREET, "2", "1"),
    (101421, ELM_STREET, "3", "1"),
    (101500, GRAND_TOWER, "3105", "31"),
    (101600, SKYLINE_COMMONS, "1204", "12"),
    (101601, SKYLINE_COMMONS, "1205", "12"),
]
# (id, first name, last name, email)
PEOPLE = [
    (7001, "Rosa", "Resident", "resident@foyer.example"),
    (7002, "Sam", "Neighbor", "neighbor@foyer.example"),
    (7003, "Pat", "Tower", "pat@foyer.example"),
    (7004, "Lee", "Skyline", "lee@foyer.example"),
]
# (id, person, building, unit)
TENANTS = [
    (129227, 7001, HARBOR_POINT, 101356),
    (129228, 7001, ELM_STREET, 101420),
    (129301, 7002, HARBOR_POINT, 101357),
    (129401, 7003, GRAND_TOWER, 101500),
    (129501, 7004, SKYLINE_COMMONS, 101600),
    # Rosa's third home, so that the demo shows a 500-door building with her lock first.
    (129502, 7001, SKYLINE_COMMONS, 101601),
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
    (115800, SKYLINE_COMMONS, 101600, "Unit 1204 smart lock", None, None, "smart_lock"),
    (115801, SKYLINE_COMMONS, 101601, "Unit 1205 smart lock", None, None, "smart_lock"),
]
# Skyline Commons' 500 doors: five common ones, three stairwells on floors 2 to 61, a trash
# room on floors 2 to 16 and 300 storage rooms.
SKYLINE_DOOR_NAMES = [
    "Main entrance",
    "Garage",
    "Package room",
    "Bike room",
    "Pool",
    *[f"Stairwell {well}, floor {floor}" for floor in range(2, 62) for well in "ABC"],
    *[f"Trash room, floor {floor}" for floor in range(2, 17)],
    *[f"Storage room {number}" for number in range(1, 301)],
]
# (id, building, name, device ids, open hours)
ACCESS_POINTS = [
    (24318, HARBOR_POINT, "Front door", [37130], []),
    (24319, HARBOR_POINT, "Garage", [37131], []),
    (24320, HARBOR_POINT, "Package room", [37132], []),
    (24321, HARBOR_POINT, "Gym", [], AMENITY_HOURS),
    (24322, HARBOR_POINT, "Roof deck", [], AMENITY_HOURS),
    (24401, ELM_STREET, "Front door", [37201], []),
    (24402, ELM_STREET, "Bike room", [37202], []),
    (24403, ELM_STREET, "Package room", [], []),
    (24404, ELM_STREET, "Courtyard gate", [], AMENITY_HOURS),
    (30001, GRAND_TOWER, "Lobby door", [37301], []),
    (30002, GRAND_TOWER, "Garage", [], []),
    (30003, GRAND_TOWER, "Package room", [37304], []),
    (30004, GRAND_TOWER, "Fitness center", [], AMENITY_HOURS),
    # Two stairwell doors on each of floors 2 to 64: enough doors for two pages of 100.
    *[
        (
            30005 + index,
            GRAND_TOWER,
            f"Stairwell {'AB'[index % 2]}, floor {index // 2 + 2}",
            [],
            [],
        )
        for index in range(126)
    ],
    *[
        (40001 + index, SKYLINE_COMMONS, name, [], [])
        for index, name in enumerate(SKYLINE_DOOR_NAMES)
    ],
]
# The residents' own PINs and fobs: (seed key, tenant, kind, label, PIN code)
ACCESS_TOOLS = [
    ("rosa-fob", 129227, "fob", "Fob 0412", None),
    ("rosa-pin", 129227, "pin", "PIN", "731946"),
    ("sam-fob", 129301, "fob", "Fob 0733", None),
]
# Rosa's visitor pass for Maria Lopez: the front door, PIN 580314 or its QR code, for years.
MARIA_PASS = "maria-lopez"
MARIA_KEY_TOKEN = "seeded-visitor-pass-maria-lopez"
MARIA_PIN = "580314"

# The access log's history, so that each tenancy has a story:
# (seed key, how long before the seed time, access point or None, tenant or None, release
# method, release type, name, entry method). An entry method ("access_tool", seed key) or
# ("keychain", seed key) is the seeded tool's or pass's id; None names take the tenant's.
_H, _D = timedelta(hours=1), timedelta(days=1)
HISTORY = [
    (
        "maria-pin",
        5 * _D,
        24318,
        129227,
        "visitor_pass",
        "Visitor",
        "Maria Lopez",
        "Visitor Pass (using PIN)",
    ),
    (
        "maria-qr",
        4 * _D,
        24318,
        129227,
        "visitor_pass",
        "Visitor",
        "Maria Lopez",
        ("keychain", MARIA_PASS),
    ),
    ("rosa-api-front", 3 * _D, 24318, 129227, "api", "Tenant", None, "API"),
    ("rosa-api-smart-lock", 2 * _D, None, 129227, "api", "Tenant", None, "API"),
    (
        "rosa-swipe",
        2 * _D + 4 * _H,
        24318,
        129227,
        "front_door_view",
        "Tenant",
        None,
        "Swipe to open",
    ),
    (
        "rosa-app-call",
        _D + 6 * _H - timedelta(seconds=15),
        24318,
        129227,
        "call",
        "Tenant",
        None,
        "App call",
    ),
    (
        "ups-doorman",
        _D + 4 * _H,
        24318,
        129227,
        "remote_doorman",
        "Delivery",
        "UPS",
        "Remote Doorman",
    ),
    (
        "rosa-fob-garage",
        _D + 2 * _H,
        24319,
        129227,
        "fob",
        "Tenant",
        None,
        ("access_tool", "rosa-fob"),
    ),
    (
        "rosa-pin-gym",
        20 * _H,
        24321,
        129227,
        "pin_code",
        "Tenant",
        None,
        ("access_tool", "rosa-pin"),
    ),
    (
        "amazon-delivery-pin",
        6 * _H,
        24320,
        129227,
        "delivery_pass",
        "Delivery",
        "Amazon",
        "Visitor Pass (using PIN)",
    ),
    ("rosa-elm-api-front", _D, 24401, 129228, "api", "Tenant", None, "API"),
    ("sam-swipe", 2 * _D + _H, 24318, 129301, "front_door_view", "Tenant", None, "Swipe to open"),
    ("sam-api-garage", _D, 24319, 129301, "api", "Tenant", None, "API"),
    ("sam-fob-garage", 5 * _H, 24319, 129301, "fob", "Tenant", None, ("access_tool", "sam-fob")),
    ("pat-api-lobby", 2 * _D, 30001, 129401, "api", "Tenant", None, "API"),
]
# Visitors ringing from the Front entrance panel: (seed key, how long before the seed time,
# panel, tenant called, status)
CALLS = [
    ("rosa-answered-call", _D + 6 * _H, 37130, 129227, "opened_door"),
    ("rosa-missed-call", 3 * _H, 37130, 129227, "timeout_online_signal"),
    ("sam-missed-call", _D + 5 * _H, 37130, 129301, "timeout_online_signal"),
]
# How many local days back the doors with open hours log their openings and closings.
SCHEDULE_DAYS = 2


@dataclass(frozen=True)
class World:
    """The seeded objects by role, for demos and tests."""

    rosa: Person
    sam: Person
    pat: Person
    lee: Person
    harbor_point: Building
    elm_street: Building
    grand_tower: Building
    skyline_commons: Building  # 500 doors
    rosa_unit: Unit  # Harbor Point 4B
    rosa_elm_unit: Unit  # Elm Street Lofts 2
    rosa_skyline_unit: Unit  # Skyline Commons 1205
    sam_unit: Unit  # Harbor Point 7A
    elm_other_unit: Unit  # Elm Street Lofts 3: nobody's here, but it has a smart lock
    pat_unit: Unit  # Grand Tower 3105
    lee_unit: Unit  # Skyline Commons 1204
    rosa_harbor: Tenant
    rosa_elm: Tenant
    rosa_skyline: Tenant
    sam_harbor: Tenant
    pat_tower: Tenant
    lee_skyline: Tenant
    harbor_front_door: AccessPoint
    harbor_garage: AccessPoint
    harbor_package_room: AccessPoint
    harbor_gym: AccessPoint
    elm_front_door: AccessPoint
    tower_lobby_door: AccessPoint
    harbor_panel: Device
    rosa_smart_lock: Device  # Harbor Point 4B
    sam_smart_lock: Device  # Harbor Point 7A
    elm_other_smart_lock: Device  # Elm Street Lofts 3
    elm_panel: Device
    pat_smart_lock: Device  # Grand Tower 3105
    lee_smart_lock: Device  # Skyline Commons 1204
    rosa_skyline_smart_lock: Device  # Skyline Commons 1205
    rosa_fob: AccessTool  # Fob 0412, Harbor Point 4B
    rosa_pin_tool: AccessTool  # PIN 731946, Harbor Point 4B
    sam_fob: AccessTool  # Fob 0733, Harbor Point 7A
    maria_pass: Keychain  # Rosa's visitor pass for Maria Lopez, Harbor Point front door
    maria_key: VirtualKey  # its key: PIN 580314
    rosa_answered_call: Call  # opened_door, from the Front entrance panel
    rosa_missed_call: Call  # timeout_online_signal, from the Front entrance panel
    sam_missed_call: Call

    @property
    def people(self) -> list[Person]:
        return [self.rosa, self.sam, self.pat, self.lee]


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
                {
                    "id": i,
                    "name": n,
                    "timezone": tz,
                    "delivery_pass_enabled": d,
                    **dict(zip(_ADDRESS_FIELDS, ADDRESSES[i], strict=True)),
                    **stamps,
                }
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
        _history_seed()
    return world_load()


def _camera_doors() -> set[int]:
    cameras = {row[0] for row in DEVICES if row[6] in ("panel", "virtual_intercom")}
    return {row[0] for row in ACCESS_POINTS if cameras & set(row[3])}


def _schedule_rows() -> list[dict]:
    """The openings and closings of the doors with open hours, over the last local days."""
    rows = []
    zones = {i: tz for i, _n, tz, _d in BUILDINGS}
    for ap_id, building_id, _name, _devices, hours in ACCESS_POINTS:
        if not hours:
            continue
        zone = ZoneInfo(zones[building_id])
        today = SEEDED_AT.astimezone(zone).date()
        by_day = {entry["day"]: entry for entry in hours}
        for back in range(SCHEDULE_DAYS, -1, -1):
            day = today - timedelta(days=back)
            entry = by_day.get(day.strftime("%A").lower())
            if entry is None:
                continue
            for clock, status in ((entry["opens_at"], "Unlocked"), (entry["closes_at"], "Locked")):
                moment = datetime.combine(day, time.fromisoformat(clock), tzinfo=zone)
                if moment > SEEDED_AT:
                    continue
                rows.append(
                    {
                        "seed_key": f"schedule-{ap_id}-{day.isoformat()}-{status.lower()}",
                        "building_id": building_id,
                        "logged_at": moment.astimezone(UTC),
                        "access_point_id": ap_id,
                        "release_status": status,
                        "name": None,
                        "release_type": None,
                        "unit_id": None,
                        "tenant_id": None,
                        "entry_method": None,
                        "release_method": "schedule",
                        "photo": "",
                    }
                )
    return rows


def _history_seed() -> None:
    """Rosa's visitor pass, the residents' PINs and fobs, the access log and the calls."""
    stamps = {"created_at": SEEDED_AT, "updated_at": SEEDED_AT}
    tenants = {i: (p, b, u) for i, p, b, u in TENANTS}
    names = {i: f"{first} {last}" for i, first, last, _e in PEOPLE}
    _upsert(
        AccessTool,
        [
            {
                "seed_key": key,
                "tenant_id": t,
                "kind": kind,
                "label": label,
                "pin_code": pin,
                **stamps,
            }
            for key, t, kind, label, pin in ACCESS_TOOLS
        ],
        unique_field="seed_key",
    )
    _upsert(
        Keychain,
        [
            {
                "seed_key": MARIA_PASS,
                "building_id": HARBOR_POINT,
                "tenant_id": 129227,
                "unit_id": 101356,
                "name": "Maria Lopez",
                "type": Keychain.Type.CUSTOM,
                "starts_at": SEEDED_AT - 14 * _D,
                "ends_at": SEEDED_AT + 3650 * _D,
                "start_date": None,
                "end_date": None,
                "time_from": None,
                "time_to": None,
                "weekdays": [],
                "allow_unit_access": False,
                **stamps,
            }
        ],
        unique_field="seed_key",
    )
    maria = Keychain.objects.get(seed_key=MARIA_PASS)
    maria.access_points.set([24318])
    maria.devices.set([])
    ids = {
        "access_tool": dict(
            AccessTool.objects.filter(seed_key__isnull=False).values_list("seed_key", "id")
        ),
        "keychain": {MARIA_PASS: maria.id},
    }
    cameras = _camera_doors()
    rows = []
    for key, before, ap_id, tenant_id, method, kind, name, entry in HISTORY:
        person_id, building_id, unit_id = tenants[tenant_id]
        if isinstance(entry, tuple):
            entry = {entry[0]: ids[entry[0]][entry[1]]}
        rows.append(
            {
                "seed_key": key,
                "building_id": building_id,
                "logged_at": SEEDED_AT - before,
                "access_point_id": ap_id,
                "release_status": "Unlocked",
                "name": name or names[person_id],
                "release_type": kind,
                "unit_id": unit_id,
                "tenant_id": tenant_id,
                "entry_method": entry,
                "release_method": method,
                "photo": photo_for_seed(key) if ap_id in cameras else "",
            }
        )
    _upsert(AccessLog, rows + _schedule_rows(), unique_field="seed_key")
    maria_uses = sorted(SEEDED_AT - row[1] for row in HISTORY if row[6] == "Maria Lopez")
    _upsert(
        VirtualKey,
        [
            {
                "token": MARIA_KEY_TOKEN,
                "keychain_id": maria.id,
                "name": "Maria Lopez",
                "email": "",
                "sms_number": "",
                "pin_code": MARIA_PIN,
                "sent_at": None,
                "first_used_at": maria_uses[0],
                "last_used_at": maria_uses[-1],
                "usage_count": len(maria_uses),
                **stamps,
            }
        ],
        unique_field="token",
    )
    _upsert(
        Call,
        [
            {
                "seed_key": key,
                "building_id": tenants[tenant_id][1],
                "device_id": device_id,
                "unit_id": tenants[tenant_id][2],
                "recipient_id": tenant_id,
                "logged_at": SEEDED_AT - before,
                "notification_type": "visitor",
                "status": status,
                "photo": photo_for_seed(key),
            }
            for key, before, device_id, tenant_id, status in CALLS
        ],
        unique_field="seed_key",
    )


def world_load() -> World:
    """The handle on an already seeded world."""
    people = Person.objects.in_bulk()
    buildings = Building.objects.in_bulk()
    units = Unit.objects.in_bulk()
    tenants = Tenant.objects.in_bulk()
    access_points = AccessPoint.objects.in_bulk([24318, 24319, 24320, 24321, 24401, 30001])
    devices = Device.objects.in_bulk()
    tools = AccessTool.objects.in_bulk([key for key, *_rest in ACCESS_TOOLS], field_name="seed_key")
    calls = Call.objects.in_bulk([key for key, *_rest in CALLS], field_name="seed_key")
    return World(
        rosa=people[7001],
        sam=people[7002],
        pat=people[7003],
        lee=people[7004],
        harbor_point=buildings[HARBOR_POINT],
        elm_street=buildings[ELM_STREET],
        grand_tower=buildings[GRAND_TOWER],
        skyline_commons=buildings[SKYLINE_COMMONS],
        rosa_unit=units[101356],
        rosa_elm_unit=units[101420],
        rosa_skyline_unit=units[101601],
        sam_unit=units[101357],
        elm_other_unit=units[101421],
        pat_unit=units[101500],
        lee_unit=units[101600],
        rosa_harbor=tenants[129227],
        rosa_elm=tenants[129228],
        rosa_skyline=tenants[129502],
        sam_harbor=tenants[129301],
        pat_tower=tenants[129401],
        lee_skyline=tenants[129501],
        harbor_front_door=access_points[24318],
        harbor_garage=access_points[24319],
        harbor_package_room=access_points[24320],
        harbor_gym=access_points[24321],
        elm_front_door=access_points[24401],
        tower_lobby_door=access_points[30001],
        harbor_panel=devices[37130],
        rosa_smart_lock=devices[115677],
        sam_smart_lock=devices[115678],
        elm_other_smart_lock=devices[115690],
        elm_panel=devices[37201],
        pat_smart_lock=devices[115700],
        lee_smart_lock=devices[115800],
        rosa_skyline_smart_lock=devices[115801],
        rosa_fob=tools["rosa-fob"],
        rosa_pin_tool=tools["rosa-pin"],
        sam_fob=tools["sam-fob"],
        maria_pass=Keychain.objects.get(seed_key=MARIA_PASS),
        maria_key=VirtualKey.objects.get(token=MARIA_KEY_TOKEN),
        rosa_answered_call=calls["rosa-answered-call"],
        rosa_missed_call=calls["rosa-missed-call"],
        sam_missed_call=calls["sam-missed-call"],
    )
