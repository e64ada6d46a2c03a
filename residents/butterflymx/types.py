"""Typed results of the ButterflyMX API, parsed leniently from its JSON items.

Unknown fields are ignored and missing optional ones become None, so that ButterflyMX can
add fields without breaking us; a missing id is a :class:`BadResponse`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Generic, TypeVar
from urllib.parse import urlsplit

from residents.butterflymx.errors import BadResponse


def _required_int(data: dict, key: str, what: str) -> int:
    value = _optional_int(data.get(key))
    if value is None:
        raise BadResponse(f"ButterflyMX sent a {what} without a valid {key}.")
    return value


def _optional_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _optional_str(value) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _optional_datetime(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _date_or_datetime(value) -> datetime | date | None:
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return _optional_datetime(value)


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def _http_url(value) -> str | None:
    """A web address, or None: anything else is not something to fetch."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    parts = urlsplit(text)
    return text if parts.scheme in ("http", "https") and parts.netloc else None


_Item = TypeVar("_Item")


@dataclass(frozen=True)
class Unit:
    id: int
    label: str
    floor: str | None
    building_id: int

    @classmethod
    def from_data(cls, data: dict, *, building_id: int) -> Unit:
        unit_id = _required_int(data, "id", "unit")
        return cls(
            id=unit_id,
            label=_optional_str(data.get("label")) or str(unit_id),
            floor=_optional_str(data.get("floor")),
            building_id=_optional_int(data.get("building_id")) or building_id,
        )


@dataclass(frozen=True)
class Tenant:
    """A resident's tenancy: the id a door release needs, in one building and unit."""

    id: int
    first_name: str | None
    last_name: str | None
    full_name: str | None
    email: str | None
    building_id: int
    unit: Unit | None
    inactive_after: datetime | date | None
    building_name: str | None
    building_timezone: str | None

    @property
    def display_name(self) -> str:
        if self.full_name:
            return self.full_name
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or self.email or f"Tenant {self.id}"

    @classmethod
    def from_data(cls, data: dict) -> Tenant:
        building_id = _required_int(data, "building_id", "tenant")
        building = _mapping(data.get("building"))
        unit = data.get("unit")
        return cls(
            id=_required_int(data, "id", "tenant"),
            first_name=_optional_str(data.get("first_name")),
            last_name=_optional_str(data.get("last_name")),
            full_name=_optional_str(data.get("full_name")),
            email=_optional_str(data.get("email")),
            building_id=building_id,
            unit=Unit.from_data(unit, building_id=building_id) if isinstance(unit, dict) else None,
            inactive_after=_date_or_datetime(data.get("inactive_after")),
            building_name=_optional_str(data.get("building_name") or building.get("name")),
            building_timezone=_optional_str(
                data.get("building_timezone")
                or data.get("building_time_zone")
                or building.get("timezone")
                or building.get("time_zone")
            ),
        )


@dataclass(frozen=True)
class Address:
    """A building's address: ``{address, city, state, zip_code, country, county}``."""

    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    country: str | None = None
    county: str | None = None

    @classmethod
    def from_data(cls, value) -> Address | None:
        if not isinstance(value, dict):
            return None
        return cls(
            street=_optional_str(value.get("address")),
            city=_optional_str(value.get("city")),
            state=_optional_str(value.get("state")),
            zip_code=_optional_str(value.get("zip_code")),
            country=_optional_str(value.get("country")),
            county=_optional_str(value.get("county")),
        )

    def __str__(self) -> str:
        place = " ".join(part for part in (self.state, self.zip_code) if part)
        return ", ".join(part for part in (self.street, self.city, place) if part)


@dataclass(frozen=True)
class Building:
    id: int
    name: str
    # The real API says time_zone; older answers said timezone: both are read.
    timezone: str | None
    address: Address | None = None

    @classmethod
    def from_data(cls, data: dict) -> Building:
        building_id = _required_int(data, "id", "building")
        return cls(
            id=building_id,
            name=_optional_str(data.get("name")) or f"Building {building_id}",
            timezone=_optional_str(data.get("time_zone") or data.get("timezone")),
            address=Address.from_data(data.get("address")),
        )


class DoorKind(StrEnum):
    """What a door release opens, in ButterflyMX's words: the request names
    ``access_point_id`` or ``device_id``."""

    ACCESS_POINT = "access_point"
    DEVICE = "device"


@dataclass(frozen=True)
class AccessPoint:
    """A common door (entrance, garage, amenity...) that a release opens."""

    id: int
    name: str
    building_id: int
    device_ids: tuple[int, ...]
    # The recorded answers send a list (empty when the door keeps no hours); older ones null.
    open_hours: tuple[dict, ...] = ()

    @classmethod
    def from_data(cls, data: dict) -> AccessPoint:
        access_point_id = _required_int(data, "id", "access point")
        listed = data.get("device_ids")
        device_ids = listed if isinstance(listed, list) else []
        hours = data.get("open_hours")
        return cls(
            id=access_point_id,
            name=_optional_str(data.get("name")) or f"Access point {access_point_id}",
            building_id=_required_int(data, "building_id", "access point"),
            device_ids=tuple(
                device_id
                for device_id in (_optional_int(value) for value in device_ids)
                if device_id is not None
            ),
            open_hours=tuple(
                entry
                for entry in (hours if isinstance(hours, list) else [])
                if isinstance(entry, dict)
            ),
        )


@dataclass(frozen=True)
class Device:
    """A piece of hardware; ``type`` tells a unit's smart lock from a panel or keypad."""

    id: int
    name: str
    building_id: int
    type: str
    model: str | None
    serial_number: str | None
    # The unit a smart lock belongs to, when ButterflyMX says so.
    unit_id: int | None = None

    @classmethod
    def from_data(cls, data: dict) -> Device:
        device_id = _required_int(data, "id", "device")
        return cls(
            id=device_id,
            name=_optional_str(data.get("name")) or f"Device {device_id}",
            building_id=_required_int(data, "building_id", "device"),
            type=_optional_str(data.get("type")) or "unknown",
            model=_optional_str(data.get("model")),
            serial_number=_optional_str(data.get("serial_number")),
            unit_id=_optional_int(data.get("unit_id")),
        )


@dataclass(frozen=True)
class DoorRelease:
    id: int
    guid: str | None
    tenant_id: int
    access_point_id: int | None
    device_id: int | None
    release_method: str | None
    created_at: datetime | None

    @classmethod
    def from_data(cls, data: dict) -> DoorRelease:
        return cls(
            id=_required_int(data, "id", "door release"),
            guid=_optional_str(data.get("guid")),
            tenant_id=_required_int(data, "tenant_id", "door release"),
            access_point_id=_optional_int(data.get("access_point_id")),
            device_id=_optional_int(data.get("device_id")),
            release_method=_optional_str(data.get("release_method")),
            created_at=_optional_datetime(data.get("created_at")),
        )


class EntryMethodKind(StrEnum):
    """The shapes an access log entry's ``entry_method`` takes."""

    TEXT = "text"  # "Swipe to open", "API", "Visitor Pass (using PIN)", ...
    KEYCHAIN = "keychain"  # {"keychain": id}: a visitor pass
    ACCESS_TOOL = "access_tool"  # {"access_tool": id}: a resident's PIN or fob
    NONE = "none"  # null
    OTHER = "other"  # a shape ButterflyMX has not documented


@dataclass(frozen=True)
class EntryMethod:
    """How a door was opened, in whichever of its documented shapes it came."""

    kind: EntryMethodKind
    text: str | None = None
    id: int | None = None

    @classmethod
    def from_data(cls, value) -> EntryMethod:
        if value is None:
            return cls(EntryMethodKind.NONE)
        if isinstance(value, str):
            text = value.strip()
            return cls(EntryMethodKind.TEXT, text=text) if text else cls(EntryMethodKind.NONE)
        if isinstance(value, dict) and len(value) == 1:
            ((key, item),) = value.items()
            if key in (EntryMethodKind.KEYCHAIN, EntryMethodKind.ACCESS_TOOL):
                found = _optional_int(item)
                if found is not None:
                    return cls(EntryMethodKind(key), id=found)
        return cls(EntryMethodKind.OTHER)


@dataclass(frozen=True)
class AccessLogEntry:
    """One row of a building's access log, as ButterflyMX records it: who came in (or when a
    door's open hours began or ended), through which access point, and how."""

    id: int
    logged_at: datetime | None
    access_point_id: int | None
    release_status: str | None  # "Unlocked" or "Locked"
    name: str | None
    release_type: str | None  # "Tenant", "Visitor", "Delivery" or None
    unit_id: int | None
    tenant_id: int | None
    entry_method: EntryMethod
    image_url: str | None

    @classmethod
    def from_data(cls, data: dict) -> AccessLogEntry:
        unit = data.get("unit")
        return cls(
            id=_required_int(data, "id", "access log entry"),
            logged_at=_optional_datetime(data.get("logged_at")),
            access_point_id=_optional_int(data.get("access_point")),
            release_status=_optional_str(data.get("release_status")),
            name=_optional_str(data.get("name")),
            release_type=_optional_str(data.get("release_type")),
            # Recorded answers give the unit as an id; an object with an id is read too.
            unit_id=_optional_int(unit.get("id") if isinstance(unit, dict) else unit),
            tenant_id=_optional_int(data.get("tenant_id")),
            entry_method=EntryMethod.from_data(data.get("entry_method")),
            image_url=_http_url(data.get("image_url")),
        )

    @property
    def is_schedule(self) -> bool:
        """A door's open hours starting or ending: no person, only a status."""
        return (
            self.name is None
            and self.release_type is None
            and self.unit_id is None
            and self.tenant_id is None
            and self.entry_method.kind == EntryMethodKind.NONE
        )


@dataclass(frozen=True)
class Call:
    """A visitor ringing a unit from an intercom panel."""

    id: int
    building_id: int | None
    logged_at: datetime | None
    notification_type: str | None
    recipient_id: int | None
    recipient_type: str | None
    unit_id: int | None
    device_id: int | None
    device_name: str | None
    status: str | None  # initializing, opened_door, canceled, timeout_online_signal
    image_url: str | None

    @classmethod
    def from_data(cls, data: dict) -> Call:
        recipient = _mapping(data.get("recipient"))
        device = _mapping(data.get("device"))
        return cls(
            id=_required_int(data, "id", "call"),
            building_id=_optional_int(data.get("building_id")),
            logged_at=_optional_datetime(data.get("logged_at")),
            notification_type=_optional_str(data.get("notification_type")),
            recipient_id=_optional_int(recipient.get("id")),
            recipient_type=_optional_str(recipient.get("type")),
            unit_id=_optional_int(_mapping(data.get("unit")).get("id")),
            device_id=_optional_int(device.get("id")),
            device_name=_optional_str(device.get("name")),
            status=_optional_str(data.get("status")),
            image_url=_http_url(data.get("image_url")),
        )


@dataclass(frozen=True)
class Page(Generic[_Item]):
    """One page of a list, and the number of the next one (None on the last)."""

    items: tuple[_Item, ...]
    next_page: int | None


@dataclass(frozen=True)
class TokenSet:
    """Tokens from ButterflyMX's token endpoint; its repr never shows them."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_in: int | None
    scope: str | None
    created_at: int | None

    @classmethod
    def from_data(cls, data: dict) -> TokenSet:
        access_token = data.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise BadResponse("ButterflyMX's token response has no access token.")
        refresh_token = data.get("refresh_token")
        return cls(
            access_token=access_token,
            refresh_token=refresh_token if isinstance(refresh_token, str) else None,
            expires_in=_optional_int(data.get("expires_in")),
            scope=_optional_str(data.get("scope")),
            created_at=_optional_int(data.get("created_at")),
        )


@dataclass(frozen=True)
class TokenInfo:
    """Who an access token belongs to (Doorkeeper's ``/oauth/token/info``)."""

    resource_owner_id: int
    scope: tuple[str, ...]
    expires_in: int | None
    application_uid: str | None

    @classmethod
    def from_data(cls, data: dict) -> TokenInfo:
        scope = data.get("scope", data.get("scopes"))
        if isinstance(scope, str):
            scopes = tuple(scope.split())
        elif isinstance(scope, list):
            scopes = tuple(item for item in scope if isinstance(item, str))
        else:
            scopes = ()
        return cls(
            resource_owner_id=_required_int(data, "resource_owner_id", "token info"),
            scope=scopes,
            expires_in=_optional_int(data.get("expires_in", data.get("expires_in_seconds"))),
            application_uid=_optional_str(_mapping(data.get("application")).get("uid")),
        )


def _optional_date(value) -> date | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _optional_hhmm(value) -> str | None:
    """A time of day as "HH:MM", from "H:MM", "HH:MM:SS" or the full timestamp a Rails time
    column is serialised as (its date and zone say nothing about the time of day)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    parts = text.split(":")
    if 2 <= len(parts) <= 3 and all(part.isdigit() for part in parts):
        hours, minutes = int(parts[0]), int(parts[1])
    else:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        hours, minutes = parsed.hour, parsed.minute
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        return None
    return f"{hours:02d}:{minutes:02d}"


def _int_tuple(value) -> tuple[int, ...]:
    items = value if isinstance(value, list) else []
    return tuple(number for number in (_optional_int(item) for item in items) if number is not None)


# ButterflyMX's spelling of the days a recurring visitor pass opens, Monday first.
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekdays(value) -> tuple[str, ...]:
    items = value if isinstance(value, list) else []
    days = {item.strip().lower()[:3] for item in items if isinstance(item, str)}
    return tuple(day for day in WEEKDAYS if day in days)


class KeychainType(StrEnum):
    """The kinds of visitor pass, as ButterflyMX names a keychain's ``type``."""

    CUSTOM = "custom_keychain"
    ONE_TIME = "one_time_keychain"
    RECURRING = "recurring_keychain"
    DELIVERY_PASS = "delivery_pass"


@dataclass(frozen=True)
class Keychain:
    """A visitor pass: when and through which doors its virtual keys open, and for whom.

    Active, upcoming or expired follows from the dates; "used" from its keys. ``device_ids``
    as answered include the devices of its access points: never compare them with what was
    sent. ``type`` is None for a kind this code does not know."""

    id: int
    name: str
    type: KeychainType | None
    starts_at: datetime | None
    ends_at: datetime | None
    start_date: date | None
    end_date: date | None
    time_from: str | None
    time_to: str | None
    weekdays: tuple[str, ...]
    building_id: int | None
    tenant_id: int | None
    unit_id: int | None
    virtual_key_ids: tuple[int, ...]
    access_point_ids: tuple[int, ...]
    device_ids: tuple[int, ...]
    created_at: datetime | None

    @classmethod
    def from_data(cls, data: dict) -> Keychain:
        keychain_id = _required_int(data, "id", "keychain")
        kind = data.get("type")
        known = {member.value for member in KeychainType}
        return cls(
            id=keychain_id,
            name=_optional_str(data.get("name")) or f"Visitor pass {keychain_id}",
            type=KeychainType(kind) if isinstance(kind, str) and kind in known else None,
            starts_at=_optional_datetime(data.get("starts_at")),
            ends_at=_optional_datetime(data.get("ends_at")),
            start_date=_optional_date(data.get("start_date")),
            end_date=_optional_date(data.get("end_date")),
            time_from=_optional_hhmm(data.get("time_from")),
            time_to=_optional_hhmm(data.get("time_to")),
            weekdays=_weekdays(data.get("weekdays")),
            building_id=_optional_int(data.get("building_id")),
            tenant_id=_optional_int(data.get("tenant_id")),
            unit_id=_optional_int(data.get("unit_id")),
            virtual_key_ids=_int_tuple(data.get("virtual_key_ids")),
            access_point_ids=_int_tuple(data.get("access_point_ids")),
            device_ids=_int_tuple(data.get("device_ids")),
            created_at=_optional_datetime(data.get("created_at")),
        )


@dataclass(frozen=True)
class VirtualKey:
    """One code on a visitor pass. Its PIN, QR code and instructions link open doors: they are
    fetched to be shown and never stored, and the repr leaves them out."""

    id: int
    keychain_id: int | None
    name: str | None
    email: str | None
    sms_number: str | None
    sent_at: datetime | None
    first_used_at: datetime | None
    last_used_at: datetime | None
    usage_count: int | None
    pin_code: str | None = field(repr=False)
    qr_code_url: str | None = field(repr=False)
    instructions_url: str | None = field(repr=False)
    building_id: int | None

    @classmethod
    def from_data(cls, data: dict) -> VirtualKey:
        return cls(
            id=_required_int(data, "id", "virtual key"),
            keychain_id=_optional_int(data.get("keychain_id")),
            name=_optional_str(data.get("name")),
            email=_optional_str(data.get("email")),
            sms_number=_optional_str(data.get("sms_number")),
            sent_at=_optional_datetime(data.get("sent_at")),
            first_used_at=_optional_datetime(data.get("first_used_at")),
            last_used_at=_optional_datetime(data.get("last_used_at")),
            usage_count=_optional_int(data.get("usage_count")),
            pin_code=_optional_str(data.get("pin_code")) or None,
            qr_code_url=_optional_str(data.get("qr_code_url")) or None,
            instructions_url=_optional_str(data.get("instructions_url")) or None,
            building_id=_optional_int(data.get("building_id")),
        )


@dataclass(frozen=True)
class BuildingCapabilities:
    """What a building allows; only an explicit ``true`` turns a feature on."""

    delivery_pass_enabled: bool

    @classmethod
    def from_data(cls, data: dict) -> BuildingCapabilities:
        return cls(delivery_pass_enabled=data.get("delivery_pass_enabled") is True)
