"""The Butlr sandbox's fixed world: sites, buildings, floors, rooms, zones, sensors and hives.

The world is plain, deterministic Python data rather than database rows: it never changes at
run time, every process builds the same one, and ids look like Butlr's (a type prefix and a
27-character base62 string) while being derived from names, so they are stable across runs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _digest(key: str) -> bytes:
    return hashlib.sha256(f"butlr-sandbox:{key}".encode()).digest()


def _id(prefix: str, key: str) -> str:
    number = int.from_bytes(_digest(key)[:20], "big")
    chars = []
    while number:
        number, rest = divmod(number, 62)
        chars.append(_BASE62[rest])
    return f"{prefix}_{''.join(reversed(chars)).rjust(27, '0')[:27]}"


def _mac(key: str) -> str:
    tail = _digest(key)[:3].hex()
    return f"00-17-0d-00-00-{tail[0:2]}-{tail[2:4]}-{tail[4:6]}"


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    timezone: str


@dataclass(frozen=True)
class Building:
    id: str
    name: str
    site_id: str
    capacity_max: int
    capacity_mid: int


@dataclass(frozen=True)
class Floor:
    id: str
    name: str
    building_id: str
    floor_number: int
    timezone: str
    capacity_max: int
    capacity_mid: int
    area_sqft: float


@dataclass(frozen=True)
class Room:
    id: str
    name: str
    floor_id: str
    # What the room is used for; it shapes the room's daily rhythm (see sandbox.butlr.series).
    kind: str
    capacity_max: int
    capacity_mid: int
    area_sqft: float


@dataclass(frozen=True)
class Zone:
    id: str
    name: str
    floor_id: str
    room_id: str | None
    capacity_max: int
    capacity_mid: int


@dataclass(frozen=True)
class Sensor:
    id: str
    mac_address: str
    name: str
    mode: str  # "presence" (counts people in a room) or "traffic" (counts in/out at a door)
    floor_id: str
    room_id: str | None
    is_entrance: bool
    is_online: bool


@dataclass(frozen=True)
class Hive:
    id: str
    serial_number: str
    name: str
    floor_id: str
    is_online: bool


@dataclass(frozen=True)
class World:
    sites: tuple[Site, ...]
    buildings: tuple[Building, ...]
    floors: tuple[Floor, ...]
    rooms: tuple[Room, ...]
    zones: tuple[Zone, ...]
    sensors: tuple[Sensor, ...]
    hives: tuple[Hive, ...]
    _by_id: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        for items in (self.sites, self.buildings, self.floors, self.rooms, self.zones):
            self._by_id.update((item.id, item) for item in items)
        self._by_id.update((item.id, item) for item in (*self.sensors, *self.hives))

    def get(self, asset_id: str):
        """The site, building, floor, room, zone, sensor or hive with this id, or None."""
        return self._by_id.get(asset_id)

    def named(self, kind: type, name: str):
        """The one asset of a kind (Site, Building, Floor, Room...) with this name."""
        matches = [item for item in self._all(kind) if item.name == name]
        if len(matches) != 1:
            raise LookupError(f"{len(matches)} {kind.__name__} named {name!r}")
        return matches[0]

    def _all(self, kind: type) -> tuple:
        return {
            Site: self.sites,
            Building: self.buildings,
            Floor: self.floors,
            Room: self.rooms,
            Zone: self.zones,
            Sensor: self.sensors,
            Hive: self.hives,
        }[kind]

    def buildings_of(self, site_id: str) -> list[Building]:
        return [building for building in self.buildings if building.site_id == site_id]

    def floors_of(self, building_id: str) -> list[Floor]:
        return [floor for floor in self.floors if floor.building_id == building_id]

    def rooms_of(self, floor_id: str) -> list[Room]:
        return [room for room in self.rooms if room.floor_id == floor_id]

    def zones_of(self, floor_id: str) -> list[Zone]:
        return [zone for zone in self.zones if zone.floor_id == floor_id]

    def sensors_of(self, *, floor_id: str, room_id: str | None = None) -> list[Sensor]:
        return [
            sensor
            for sensor in self.sensors
            if sensor.floor_id == floor_id and (room_id is None or sensor.room_id == room_id)
        ]

    def presence_sensors_of(self, room_id: str) -> list[Sensor]:
        return [s for s in self.sensors if s.room_id == room_id and s.mode == "presence"]

    def entrances_of(self, floor_id: str) -> list[Sensor]:
        return [s for s in self.sensors if s.floor_id == floor_id and s.is_entrance]

    def hives_of(self, floor_id: str) -> list[Hive]:
        return [hive for hive in self.hives if hive.floor_id == floor_id]

    @cached_property
    def floor_building(self) -> dict[str, Building]:
        return {floor.id: self._by_id[floor.building_id] for floor in self.floors}


@dataclass(frozen=True)
class _RoomSpec:
    name: str
    kind: str
    capacity: int
    area_sqft: float
    presence_sensors: int = 1
    zones: tuple[tuple[str, int], ...] = ()
    offline_sensors: int = 0


@dataclass(frozen=True)
class _FloorSpec:
    name: str
    number: int
    rooms: tuple[_RoomSpec, ...]
    entrances: tuple[str, ...]
    offline_entrances: tuple[str, ...] = ()


@dataclass(frozen=True)
class _SiteSpec:
    name: str
    timezone: str
    building: str
    floors: tuple[_FloorSpec, ...]


_SITES = (
    _SiteSpec(
        name="Harbor Point Campus",
        timezone="America/New_York",
        building="Harbor Point",
        floors=(
            _FloorSpec(
                name="Ground floor",
                number=1,
                rooms=(
                    _RoomSpec("Lobby", "lobby", 40, 1800, presence_sensors=2),
                    _RoomSpec("Mail room", "mailroom", 8, 300),
                    _RoomSpec("Café", "cafe", 24, 900),
                ),
                entrances=("Main entrance", "Garage door"),
            ),
            _FloorSpec(
                name="Amenity floor",
                number=2,
                rooms=(
                    _RoomSpec("Gym", "gym", 20, 1500, presence_sensors=2),
                    _RoomSpec("Yoga studio", "studio", 12, 700),
                    _RoomSpec("Residents' lounge", "lounge", 30, 1400, presence_sensors=2),
                ),
                entrances=("Amenity floor elevator lobby",),
            ),
            _FloorSpec(
                name="Co-working floor",
                number=3,
                rooms=(
                    _RoomSpec(
                        "Open workspace",
                        "workspace",
                        36,
                        2400,
                        presence_sensors=3,
                        zones=(("Window desks", 16), ("Center desks", 20)),
                    ),
                    _RoomSpec("Meeting room Bay", "meeting", 8, 250),
                    _RoomSpec("Meeting room Pier", "meeting", 6, 200),
                    _RoomSpec("Phone booths", "booth", 4, 120),
                ),
                entrances=("Co-working floor elevator lobby",),
            ),
            _FloorSpec(
                name="Rooftop",
                number=4,
                rooms=(
                    _RoomSpec(
                        "Roof terrace",
                        "terrace",
                        50,
                        3000,
                        presence_sensors=2,
                        zones=(("Grill area", 16), ("Lounge chairs", 34)),
                    ),
                    _RoomSpec("Party room", "party", 24, 1000),
                ),
                entrances=("Roof stairs", "Roof elevator"),
                offline_entrances=("Roof stairs",),
            ),
            # Listed last (and numbered so) to keep the floors above as they were.
            _FloorSpec(
                name="Wellness floor",
                number=5,
                rooms=(
                    _RoomSpec("Pool", "pool", 25, 2600, presence_sensors=2),
                    _RoomSpec("Laundry room", "laundry", 10, 450),
                ),
                entrances=("Wellness floor elevator lobby",),
            ),
        ),
    ),
    _SiteSpec(
        name="Lakeside Offices",
        timezone="America/Chicago",
        building="Lakeside One",
        floors=(
            _FloorSpec(
                name="First floor",
                number=1,
                rooms=(
                    _RoomSpec("Reception", "lobby", 15, 600),
                    _RoomSpec("Cafeteria", "cafe", 60, 2200, presence_sensors=2),
                    _RoomSpec("Meeting room Heron", "meeting", 10, 320),
                ),
                entrances=("Main entrance",),
            ),
            _FloorSpec(
                name="Second floor",
                number=2,
                rooms=(
                    _RoomSpec("Open office", "workspace", 48, 3200, presence_sensors=3),
                    _RoomSpec("Meeting room Pike", "meeting", 8, 240),
                    _RoomSpec("Meeting room Walleye", "meeting", 12, 360),
                    _RoomSpec("Quiet room", "quiet", 6, 180, offline_sensors=1),
                ),
                entrances=("Stairwell", "Elevator"),
            ),
        ),
    ),
)


def _mid(capacity: int) -> int:
    return round(capacity * 0.6)


def _build() -> World:
    sites, buildings, floors, rooms, zones, sensors, hives = [], [], [], [], [], [], []
    for site_spec in _SITES:
        site = Site(
            id=_id("site", site_spec.name), name=site_spec.name, timezone=site_spec.timezone
        )
        sites.append(site)
        building_key = f"{site_spec.name}/{site_spec.building}"
        building_capacity = sum(r.capacity for f in site_spec.floors for r in f.rooms)
        building = Building(
            id=_id("building", building_key),
            name=site_spec.building,
            site_id=site.id,
            capacity_max=building_capacity,
            capacity_mid=_mid(building_capacity),
        )
        buildings.append(building)
        for floor_spec in site_spec.floors:
            floor_key = f"{building_key}/{floor_spec.name}"
            floor_capacity = sum(room.capacity for room in floor_spec.rooms)
            floor = Floor(
                id=_id("space", floor_key),
                name=floor_spec.name,
                building_id=building.id,
                floor_number=floor_spec.number,
                timezone=site.timezone,
                capacity_max=floor_capacity,
                capacity_mid=_mid(floor_capacity),
                # Corridors, stairs and walls: the floor is larger than its rooms.
                area_sqft=round(sum(room.area_sqft for room in floor_spec.rooms) * 1.35),
            )
            floors.append(floor)
            hives.append(
                Hive(
                    id=_id("hive", floor_key),
                    serial_number=_digest(f"serial:{floor_key}")[:8].hex(),
                    name=f"{floor_spec.name} hive",
                    floor_id=floor.id,
                    is_online=True,
                )
            )
            for entrance in floor_spec.entrances:
                key = f"{floor_key}/entrance/{entrance}"
                sensors.append(
                    Sensor(
                        id=_id("sensor", key),
                        mac_address=_mac(key),
                        name=entrance,
                        mode="traffic",
                        floor_id=floor.id,
                        room_id=None,
                        is_entrance=True,
                        is_online=entrance not in floor_spec.offline_entrances,
                    )
                )
            for room_spec in floor_spec.rooms:
                room_key = f"{floor_key}/{room_spec.name}"
                room = Room(
                    id=_id("room", room_key),
                    name=room_spec.name,
                    floor_id=floor.id,
                    kind=room_spec.kind,
                    capacity_max=room_spec.capacity,
                    capacity_mid=_mid(room_spec.capacity),
                    area_sqft=room_spec.area_sqft,
                )
                rooms.append(room)
                for number in range(1, room_spec.presence_sensors + 1):
                    key = f"{room_key}/sensor/{number}"
                    suffix = f" {number}" if room_spec.presence_sensors > 1 else ""
                    sensors.append(
                        Sensor(
                            id=_id("sensor", key),
                            mac_address=_mac(key),
                            name=f"{room_spec.name}{suffix}",
                            mode="presence",
                            floor_id=floor.id,
                            room_id=room.id,
                            is_entrance=False,
                            is_online=number > room_spec.offline_sensors,
                        )
                    )
                for zone_name, zone_capacity in room_spec.zones:
                    zones.append(
                        Zone(
                            id=_id("zone", f"{room_key}/{zone_name}"),
                            name=zone_name,
                            floor_id=floor.id,
                            room_id=room.id,
                            capacity_max=zone_capacity,
                            capacity_mid=_mid(zone_capacity),
                        )
                    )
    return World(
        sites=tuple(sites),
        buildings=tuple(buildings),
        floors=tuple(floors),
        rooms=tuple(rooms),
        zones=tuple(zones),
        sensors=tuple(sensors),
        hives=tuple(hives),
    )


WORLD = _build()
