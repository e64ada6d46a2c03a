"""Reads for the resident side: the connection, tenancies, doors and door history."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.cache import cache
from django.db import transaction as db_transaction
from django.db.models import Count
from django.utils import timezone

from residents.butterflymx.client import (
    AccessLogEntry,
    AccessPoint,
    Building,
    ButterflyMXClient,
    ButterflyMXError,
    Call,
    Device,
    Keychain,
    NotFound,
    Page,
    Photo,
    Tenant,
    Unauthorized,
    VirtualKey,
    photo_fetch,
)
from residents.butterflymx.types import DoorKind
from residents.failures import FAILURES, failure_for
from residents.history import ONE_SECOND, Fetched, Show, Timeline, is_tenancys, timeline
from residents.models import ButterflyMXConnection, DoorEvent, FavouriteDoor, User
from residents.tokens import butterflymx_call

logger = logging.getLogger(__name__)

# How long a resident's tenancies and doors are served from the shared cache.
LISTING_SECONDS = 300
# How long a connection is kept in the shared cache: every change drops it at once, so this
# only bounds a change made without the ORM's signals.
CONNECTION_SECONDS = 300
# How long a tenancy's door uses and favourites are kept; every change starts anew at once.
DOOR_STATE_SECONDS = 3600
# How long the ids of a resident's tenancies are remembered, so that a forged one is refused
# without asking ButterflyMX; a tenancy gained since shows once their homes are fetched again.
TENANCIES_SECONDS = 30 * 86400
# How long a building's name and time zone are served from the shared cache (per building).
BUILDING_SECONDS = 6 * 3600
# How often a request waiting for another's fetch of the same listing looks for it.
WAIT_STEP_SECONDS = 0.05

LOCK_TYPES = {"smart_lock", "remote_lock"}

# Past this many doors, the building's doors sit behind a search and an "All doors" list,
# so that the first screen of a big building stays small.
FEW_DOORS = 12
# How many of the most used doors a big building's first screen shows.
MOST_USED = 5

T = TypeVar("T")


class DoorNotFound(Exception):
    """The tenancy or the door is not in this resident's listing."""


@dataclass(frozen=True)
class Door:
    kind: DoorKind
    id: int
    name: str
    type: str  # access_point, or the device type (smart_lock, panel, ...)
    uses: int = 0
    pinned: bool = False  # one of the resident's favourites

    @property
    def icon(self) -> str:
        """The symbol in static/icons/doors.svg that shows what kind of door this is."""
        if self.type in {"smart_lock", "remote_lock", "key_locker"}:
            return "lock"
        if self.type in {"elevator", "elevator_control"}:
            return "elevator"
        if self.type in {"panel", "virtual_intercom", "front_desk_station"}:
            return "intercom"
        if "garage" in self.name.lower():
            return "garage"
        return "door"


@dataclass(frozen=True)
class DoorListing:
    """A tenancy's doors: the building's entrances and the resident's home."""

    tenant: Tenant
    entrances: tuple[Door, ...]
    home: tuple[Door, ...]
    # From GET /v4/buildings/{id}, else the tenant's own fields; None when neither says.
    building_name: str | None = None
    time_zone: str | None = None

    @property
    def zone_known(self) -> bool:
        return _zone(self.time_zone) is not None

    @property
    def zone(self) -> ZoneInfo:
        """The building's zone, or the server's when nobody says (then zone_known is False
        and pages say which zone their times are in)."""
        return _zone(self.time_zone) or ZoneInfo(settings.TIME_ZONE)

    def door(self, kind: DoorKind, door_id: int) -> Door:
        for door in (*self.entrances, *self.home):
            if door.kind == kind and door.id == door_id:
                return door
        raise DoorNotFound


def _zone(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _connection_key(user_id: int) -> str:
    return f"bmx:connection:{user_id}"


def connection_for_user(*, user: User) -> ButterflyMXConnection | None:
    """The user's ButterflyMX connection, or None; kept in the shared cache (its tokens as
    stored, encrypted) until it changes, so that a tap or a page costs no query for it."""
    key = _connection_key(user.pk)
    kept = cache.get(key)
    if kept is not None:
        return kept[0]
    connection = (
        ButterflyMXConnection.objects.select_related("social_account").filter(user=user).first()
    )
    cache_keep(key, (connection,), CONNECTION_SECONDS)
    return connection


def cache_keep(key: str, value: Any, seconds: int) -> None:
    """Keep a value read from the database, unless it was read inside a transaction, which
    may yet be rolled back: only committed rows are kept."""
    if not db_transaction.get_connection().in_atomic_block:
        cache.set(key, value, seconds)


def cache_forget(key: str) -> None:
    """Drop a kept entry at once and, inside a transaction, again once it commits: a read
    made in between may have kept what the change replaces."""
    cache.delete(key)
    if db_transaction.get_connection().in_atomic_block:
        db_transaction.on_commit(lambda: cache.delete(key))


def connection_forget(*, user_id: int) -> None:
    cache_forget(_connection_key(user_id))


def _cache_prefix(connection: ButterflyMXConnection) -> str:
    # A new connection (reconnect, another account) starts with an empty cache.
    return f"bmx:{connection.user_id}:{connection.pk}:{connection.connected_at.timestamp():.0f}"


def listing_cache_clear(*, connection: ButterflyMXConnection) -> None:
    """Forget the resident's homes and doors (their tenancies' ids stay remembered)."""
    prefix = _cache_prefix(connection)
    known = cache.get_many([f"{prefix}:tenants", f"{prefix}:tenancies"])
    tenancies = set(known.get(f"{prefix}:tenancies", ()))
    tenancies |= {(t.building_id, t.id) for t in known.get(f"{prefix}:tenants", ())}
    cache.delete_many(
        [f"{prefix}:tenants"]
        + [_listing_key(connection, building_id, tenant_id) for building_id, tenant_id in tenancies]
    )


def _fetched_once(key: str, fetch: Callable[[], T], *, seconds: int = LISTING_SECONDS) -> T:
    """The value cached at ``key``, or fetched by one request however many ask at once.

    The others wait for it (as long as a ButterflyMX call may take) rather than each asking
    ButterflyMX the same thing; if the fetch fails, the next one waiting tries in turn.
    """
    value = cache.get(key)
    if value is not None:
        return value
    lock, mine = f"{key}:fetching", uuid.uuid4().hex
    patience = settings.BUTTERFLYMX_CONNECT_TIMEOUT + settings.BUTTERFLYMX_READ_TIMEOUT
    deadline = time.monotonic() + patience
    while not (locked := cache.add(lock, mine, timeout=int(patience) + 1)):
        if time.monotonic() > deadline:
            break  # the one fetching is stuck: fetch regardless
        time.sleep(WAIT_STEP_SECONDS)
        value = cache.get(key)
        if value is not None:
            return value
    try:
        value = fetch()
        cache.set(key, value, seconds)
        return value
    finally:
        # A fetch slower than the lock's life may find it taken by another since.
        if locked and cache.get(lock) == mine:
            cache.delete(lock)


def _tenancies_remember(prefix: str, tenants: list[Tenant]) -> None:
    cache.set(f"{prefix}:tenancies", {(t.building_id, t.id) for t in tenants}, TENANCIES_SECONDS)


def tenants_for_connection(*, connection: ButterflyMXConnection) -> list[Tenant]:
    """The resident's tenancies, from the shared cache or fetched."""
    prefix = _cache_prefix(connection)

    def fetch() -> list[Tenant]:
        tenants = butterflymx_call(connection=connection, call=lambda client: client.tenants())
        _tenancies_remember(prefix, tenants)
        return tenants

    return _fetched_once(f"{prefix}:tenants", fetch)


def _tenancy(tenants: list[Tenant], *, building_id: int, tenant_id: int) -> Tenant:
    for tenant in tenants:
        if tenant.id == tenant_id and tenant.building_id == building_id:
            return tenant
    raise DoorNotFound


def _at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls concurrently and return their results in order. If any failed, raise
    a failure: an Unauthorized first, so that the caller refreshes the token once."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        errors = [future.exception() for future in futures]
    error = next((e for e in errors if isinstance(e, Unauthorized)), None) or next(
        (e for e in errors if e is not None), None
    )
    if error is not None:
        raise error
    return [future.result() for future in futures]


def _building_key(building_id: int) -> str:
    return f"bmx:building:{int(building_id)}"


def _building_or_none(client: ButterflyMXClient, building_id: int) -> Building | None:
    """The building's name and time zone, cached for hours; None if ButterflyMX won't say
    (a missing building or a failure must not cost the resident their doors)."""
    try:
        building = client.building(building_id)
    except ButterflyMXError as error:
        logger.warning("Building %s not read from ButterflyMX: %s", building_id, error)
        return None
    cache.set(_building_key(building_id), building, BUILDING_SECONDS)
    return building


def _listing_fetch(
    *,
    client: ButterflyMXClient,
    tenants: list[Tenant] | None,
    building_id: int,
    building: Building | None,
) -> tuple[list[Tenant], list[AccessPoint], list[Device], Building | None]:
    """Tenancies (unless cached), access points, devices and the building (unless cached),
    all at once."""
    fetched_tenants, access_points, devices, fetched_building = _at_once(
        client.tenants if tenants is None else lambda: tenants,
        lambda: client.access_points(building_id),
        lambda: client.devices(building_id),
        (lambda: _building_or_none(client, building_id)) if building is None else lambda: building,
    )
    return fetched_tenants, access_points, devices, fetched_building


def _listing_key(connection: ButterflyMXConnection, building_id: int, tenant_id: int) -> str:
    return f"{_cache_prefix(connection)}:doors:{building_id}:{tenant_id}"


def listing_get(
    *, connection: ButterflyMXConnection, building_id: int, tenant_id: int
) -> DoorListing:
    """The doors a resident may open for one tenancy, in name order.

    Tenancies, access points and devices are fetched concurrently (all pages of each) and
    the sorted listing is cached for LISTING_SECONDS in the shared cache; a tenancy that is
    not the resident's raises DoorNotFound.
    """
    prefix = _cache_prefix(connection)
    key = _listing_key(connection, building_id, tenant_id)
    listing = cache.get(key)
    if listing is not None:
        return listing
    known = cache.get_many([f"{prefix}:tenants", f"{prefix}:tenancies", _building_key(building_id)])
    cached_tenants = known.get(f"{prefix}:tenants")
    cached_building = known.get(_building_key(building_id))
    if cached_tenants is not None:
        _tenancy(cached_tenants, building_id=building_id, tenant_id=tenant_id)
    elif (building_id, tenant_id) not in known.get(
        f"{prefix}:tenancies", {(building_id, tenant_id)}
    ):
        raise DoorNotFound  # not one of the tenancies ButterflyMX last listed

    def fetch() -> DoorListing:
        tenants, access_points, devices, building = butterflymx_call(
            connection=connection,
            call=lambda client: _listing_fetch(
                client=client,
                tenants=cached_tenants,
                building_id=building_id,
                building=cached_building,
            ),
        )
        if cached_tenants is None:
            cache.set(f"{prefix}:tenants", tenants, LISTING_SECONDS)
            _tenancies_remember(prefix, tenants)
        tenant = _tenancy(tenants, building_id=building_id, tenant_id=tenant_id)
        listing = _listing_sort(tenant=tenant, access_points=access_points, devices=devices)
        if building is not None and building.id != building_id:
            building = None
        zones = [building.timezone if building else None, tenant.building_timezone]
        return replace(
            listing,
            building_name=(building.name if building else None) or tenant.building_name,
            time_zone=next((zone for zone in zones if _zone(zone) is not None), None),
        )

    return _fetched_once(key, fetch)


def door_sort_key(name: str) -> tuple[str | int, ...]:
    """A door name's place in natural order: "floor 2" before "floor 10", any case."""
    # Split on digits, pieces alternate text and number, so keys always compare.
    pieces = re.split(r"(\d+)", name.casefold())
    return tuple(int(piece) if index % 2 else piece for index, piece in enumerate(pieces))


def _natural(doors: list[Door] | tuple[Door, ...]) -> tuple[Door, ...]:
    return tuple(sorted(doors, key=lambda door: (door_sort_key(door.name), door.id)))


def door_matches(door: Door, query: str) -> bool:
    """Whether every word of the query is in the door's name, in any case."""
    name = door.name.casefold()
    return all(word in name for word in query.casefold().split())


@dataclass(frozen=True)
class DoorsPage:
    """A tenancy's doors as the doors page shows them: favourites, the home, then the most
    used doors and the rest; in a big building only the most used, the rest behind a search
    and the "All doors" list."""

    listing: DoorListing
    favourites: tuple[Door, ...]
    home: tuple[Door, ...]
    entrances: tuple[Door, ...]
    all_doors: tuple[Door, ...]  # every door, in natural order

    @property
    def many(self) -> bool:
        return len(self.all_doors) > FEW_DOORS

    def matching(self, query: str) -> tuple[Door, ...]:
        return tuple(door for door in self.all_doors if door_matches(door, query))


def doors_for_tenant(
    *, connection: ButterflyMXConnection, building_id: int, tenant_id: int
) -> DoorsPage:
    """The tenancy's doors as the doors page shows them (see DoorsPage)."""
    # The listing and the door state's edition in one round trip to the cache.
    listing_key = _listing_key(connection, building_id, tenant_id)
    edition_key = _door_state_key(connection.user_id, tenant_id)
    kept = cache.get_many([listing_key, edition_key])
    listing = kept.get(listing_key) or listing_get(
        connection=connection, building_id=building_id, tenant_id=tenant_id
    )
    uses, pinned = _door_state(
        user_id=connection.user_id, tenant_id=tenant_id, edition=kept.get(edition_key)
    )

    def counted(doors: tuple[Door, ...]) -> tuple[Door, ...]:
        return tuple(
            replace(
                door,
                uses=uses.get((door.kind, door.id), 0),
                pinned=(door.kind, door.id) in pinned,
            )
            for door in doors
        )

    home, entrances = counted(listing.home), counted(listing.entrances)
    all_doors = _natural(home + entrances)
    by_use = sorted(
        (door for door in entrances if not door.pinned),
        key=lambda door: (-door.uses, door_sort_key(door.name), door.id),
    )
    if len(all_doors) > FEW_DOORS:
        by_use = [door for door in by_use if door.uses][:MOST_USED]
    return DoorsPage(
        listing=listing,
        favourites=tuple(door for door in all_doors if door.pinned),
        home=tuple(door for door in home if not door.pinned),
        entrances=tuple(by_use),
        all_doors=all_doors,
    )


def door_with_pin(*, user_id: int, tenant_id: int, door: Door) -> Door:
    """The door, marked if the resident has pinned it."""
    pinned = FavouriteDoor.objects.filter(
        user_id=user_id, tenant_id=tenant_id, door_kind=door.kind, door_id=door.id
    ).exists()
    return replace(door, pinned=pinned)


def _door_state_key(user_id: int, tenant_id: int) -> str:
    return f"doors-state:{user_id}:{tenant_id}"


def _door_state(
    *, user_id: int, tenant_id: int, edition: str | None = None
) -> tuple[dict[tuple[str, int], int], set[tuple[str, int]]]:
    """How often the resident opened each door of the tenancy, and which they pinned.

    Kept in the shared cache under the tenancy's current edition (``edition``, when the
    caller has just read it): a change starts a new edition (door_state_forget), so figures
    read before it, and stored after it, are never served.
    """
    edition_key = _door_state_key(user_id, tenant_id)
    if edition is None:
        edition = cache.get(edition_key)
    if edition is None:
        cache.add(edition_key, uuid.uuid4().hex, DOOR_STATE_SECONDS)
        edition = cache.get(edition_key)
    state_key = f"{edition_key}:{edition}"
    state = cache.get(state_key) if edition else None
    if state is None:
        state = (
            _door_uses(user_id=user_id, tenant_id=tenant_id),
            _favourites(user_id=user_id, tenant_id=tenant_id),
        )
        if edition:
            cache.set(state_key, state, DOOR_STATE_SECONDS)
    return state


def door_state_forget(*, user_id: int, tenant_id: int) -> None:
    """A door was opened or (un)pinned: the next doors page reads the database."""
    cache_forget(_door_state_key(user_id, tenant_id))


def _favourites(*, user_id: int, tenant_id: int) -> set[tuple[str, int]]:
    return set(
        FavouriteDoor.objects.filter(user_id=user_id, tenant_id=tenant_id).values_list(
            "door_kind", "door_id"
        )
    )


def _door_uses(*, user_id: int, tenant_id: int) -> dict[tuple[str, int], int]:
    return {
        (row["door_kind"], row["door_id"]): row["uses"]
        for row in DoorEvent.objects.filter(
            user_id=user_id, tenant_id=tenant_id, outcome=DoorEvent.Outcome.OPENED
        )
        .values("door_kind", "door_id")
        .annotate(uses=Count("id"))
    }


def _is_home_device(device: Device, tenant: Tenant) -> bool:
    if device.unit_id is not None:
        return tenant.unit is not None and device.unit_id == tenant.unit.id
    # Without a unit on the device, a lock ButterflyMX lists for this resident is theirs.
    return device.type in LOCK_TYPES


def _listing_sort(
    *, tenant: Tenant, access_points: list[AccessPoint], devices: list[Device]
) -> DoorListing:
    """Sort the doors into the building's entrances and the resident's home, in natural
    name order.

    A building device behind an access point (the panel of the front door, say) is left
    out: opening the access point is the same thing, by the name residents know.
    """
    behind_access_points = {
        device_id for access_point in access_points for device_id in access_point.device_ids
    }
    home, building = [], []
    for device in devices:
        door = Door(kind=DoorKind.DEVICE, id=device.id, name=device.name, type=device.type)
        if _is_home_device(device, tenant):
            home.append(door)
        elif device.unit_id is None and device.id not in behind_access_points:
            building.append(door)
    entrances = [
        Door(kind=DoorKind.ACCESS_POINT, id=ap.id, name=ap.name, type="access_point")
        for ap in access_points
    ]

    return DoorListing(tenant=tenant, entrances=_natural(entrances + building), home=_natural(home))


# Visitor passes.

# Passes that ended longer ago than this are not listed.
ENDED_PASSES_DAYS = 3


class PassNotFound(Exception):
    """The visitor pass is not one of this tenancy's."""


@dataclass(frozen=True)
class VisitorPass:
    """A visitor pass as the resident sees it: when, which doors, and whether it was used."""

    keychain: Keychain
    state: str  # "active", "upcoming" or "ended"
    doors: tuple[str, ...]
    uses: int
    last_used_at: datetime | None


def _pass_state(keychain: Keychain, now: datetime) -> str:
    if keychain.ends_at is not None and keychain.ends_at <= now:
        return "ended"
    if keychain.starts_at is not None and keychain.starts_at > now:
        return "upcoming"
    return "active"


def _pass_ids_key(connection: ButterflyMXConnection, tenant_id: int) -> str:
    return f"{_cache_prefix(connection)}:passes:{tenant_id}"


def passes_for_tenant(
    *, connection: ButterflyMXConnection, building_id: int, tenant_id: int
) -> list[VisitorPass]:
    """The tenancy's visitor passes: active and upcoming first, then those ended in the last
    few days, each with its doors by name and how often its keys were used."""
    listing = listing_get(connection=connection, building_id=building_id, tenant_id=tenant_id)
    now = timezone.now()
    since = now - timedelta(days=ENDED_PASSES_DAYS)

    def fetch(client: ButterflyMXClient) -> list[tuple[Keychain, list[VirtualKey]]]:
        keychains = client.keychains(tenant_id, ends_at_gteq=since)
        with ThreadPoolExecutor(max_workers=4) as pool:
            keys = list(pool.map(lambda keychain: client.virtual_keys(keychain.id), keychains))
        return list(zip(keychains, keys, strict=True))

    fetched = butterflymx_call(connection=connection, call=fetch)
    cache.set(
        _pass_ids_key(connection, tenant_id),
        {keychain.id for keychain, _ in fetched},
        LISTING_SECONDS,
    )
    names = {(door.kind, door.id): door.name for door in (*listing.entrances, *listing.home)}
    passes = []
    for keychain, keys in fetched:
        if keychain.ends_at is not None and keychain.ends_at < since:
            continue
        doors = [names.get((DoorKind.ACCESS_POINT, i)) for i in keychain.access_point_ids]
        used = [key.last_used_at for key in keys if key.last_used_at is not None]
        passes.append(
            VisitorPass(
                keychain=keychain,
                state=_pass_state(keychain, now),
                doors=tuple(name for name in doors if name),
                uses=sum(key.usage_count or 0 for key in keys),
                last_used_at=max(used) if used else None,
            )
        )
    order = {"active": 0, "upcoming": 1, "ended": 2}
    return sorted(
        passes,
        key=lambda p: (order[p.state], p.keychain.starts_at or now, p.keychain.id),
    )


def pass_ids_for_tenant(
    *, connection: ButterflyMXConnection, building_id: int, tenant_id: int
) -> set[int]:
    """The ids of the tenancy's passes, so that another's id is refused without asking
    ButterflyMX about it."""
    ids = cache.get(_pass_ids_key(connection, tenant_id))
    if ids is None:
        passes_for_tenant(connection=connection, building_id=building_id, tenant_id=tenant_id)
        ids = cache.get(_pass_ids_key(connection, tenant_id)) or set()
    return ids


def pass_remember(*, connection: ButterflyMXConnection, tenant_id: int, keychain_id: int) -> None:
    key = _pass_ids_key(connection, tenant_id)
    ids = cache.get(key)
    if ids is not None:
        cache.set(key, ids | {keychain_id}, LISTING_SECONDS)


def pass_get(
    *, connection: ButterflyMXConnection, building_id: int, tenant_id: int, keychain_id: int
) -> Keychain:
    """One of the tenancy's passes; another's id is refused without asking ButterflyMX."""
    if keychain_id not in pass_ids_for_tenant(
        connection=connection, building_id=building_id, tenant_id=tenant_id
    ):
        raise PassNotFound
    keychain = butterflymx_call(
        connection=connection, call=lambda client: client.keychain(keychain_id)
    )
    if keychain.tenant_id != tenant_id:
        raise PassNotFound
    return keychain


def pass_share_get(
    *, connection: ButterflyMXConnection, building_id: int, tenant_id: int, keychain_id: int
) -> tuple[Keychain, list[VirtualKey]]:
    """A pass and its keys, with the PINs and links to share: shown, never stored."""
    keychain = pass_get(
        connection=connection, building_id=building_id, tenant_id=tenant_id, keychain_id=keychain_id
    )
    keys = butterflymx_call(
        connection=connection, call=lambda client: client.virtual_keys(keychain_id)
    )
    return keychain, keys


# How long whether a building takes delivery passes is remembered.
CAPABILITIES_SECONDS = 3600


def delivery_passes_allowed(*, connection: ButterflyMXConnection, building_id: int) -> bool:
    key = f"bmx:capabilities:{building_id}"
    allowed = cache.get(key)
    if allowed is None:
        allowed = butterflymx_call(
            connection=connection,
            call=lambda client: client.building_capabilities(building_id).delivery_pass_enabled,
        )
        cache.set(key, allowed, CAPABILITIES_SECONDS)
    return allowed


# Door history.

# How long a window of a resident's door history is served from the shared cache.
HISTORY_SECONDS = 30
# Entries fetched from each list for one page of history.
HISTORY_PAGE = 25


class PhotoNotFound(Exception):
    """The photo is not one of this tenancy's entries, or there is none."""


@dataclass(frozen=True)
class History:
    timeline: Timeline
    listing: DoorListing | None  # None when ButterflyMX could not be asked
    keychain: Keychain | None  # the pass whose uses are shown, if one was chosen
    unavailable: str = ""  # why ButterflyMX's record is missing, in a resident's words
    reconnect: bool = False  # ButterflyMX no longer takes Foyer's access for this resident


def _history_fetch(
    *, connection: ButterflyMXConnection, building_id: int, until: datetime | None, calls: bool
) -> Fetched:
    """One window of the building's access log (and calls), as the resident's token sees it:
    both lists at once, cached briefly and fetched once however many ask."""
    moment = until.isoformat() if until else "now"
    key = f"{_cache_prefix(connection)}:history:{building_id}:{moment}:{int(calls)}"

    def fetch(client: ButterflyMXClient) -> Fetched:
        def entries() -> Page[AccessLogEntry]:
            return client.access_log_page(building_id, per=HISTORY_PAGE, until=until)

        def rings() -> Page[Call]:
            return client.calls_page(building_id, per=HISTORY_PAGE, until=until)

        if not calls:
            logged = entries()
            return Fetched(entries=logged.items, entries_more=logged.next_page is not None)
        logged, rang = _at_once(entries, rings)
        return Fetched(
            entries=logged.items,
            calls=rang.items,
            entries_more=logged.next_page is not None,
            calls_more=rang.next_page is not None,
        )

    return _fetched_once(
        key,
        lambda: butterflymx_call(connection=connection, call=fetch),
        seconds=HISTORY_SECONDS,
    )


def _own_attempts(
    *, connection: ButterflyMXConnection, building_id: int, tenant_id: int, until: datetime | None
) -> tuple[list[DoorEvent], bool]:
    """The resident's own attempts through Foyer in the window, and whether there are older."""
    attempts = DoorEvent.objects.filter(
        user_id=connection.user_id, building_id=building_id, tenant_id=tenant_id
    )
    if until is not None:
        # As ButterflyMX's filter: the whole second of ``until`` is in.
        attempts = attempts.filter(created_at__lt=until.replace(microsecond=0) + ONE_SECOND)
    found = list(attempts.order_by("-created_at", "-id")[: HISTORY_PAGE + 1])
    return found[:HISTORY_PAGE], len(found) > HISTORY_PAGE


def history_for_tenant(
    *,
    connection: ButterflyMXConnection,
    building_id: int,
    tenant_id: int,
    show: Show = Show.ALL,
    until: datetime | None = None,
    keychain_id: int | None = None,
) -> History:
    """One page of a tenancy's door history, newest first, up to ``until`` (the previous
    page's ``older``). Foyer's own attempts show even when ButterflyMX fails or wants the
    resident to reconnect; a tenancy or a pass that is not the resident's raises DoorNotFound
    or PassNotFound."""
    events: list[DoorEvent] = []
    events_more = False
    if show.wants_events and keychain_id is None:
        events, events_more = _own_attempts(
            connection=connection, building_id=building_id, tenant_id=tenant_id, until=until
        )
    listing, keychain, fetched, unavailable = None, None, Fetched(), ""
    reconnect = connection.needs_reconnect
    try:
        if not reconnect:
            listing = listing_get(
                connection=connection, building_id=building_id, tenant_id=tenant_id
            )
            if keychain_id is not None:
                keychain = pass_get(
                    connection=connection,
                    building_id=building_id,
                    tenant_id=tenant_id,
                    keychain_id=keychain_id,
                )
            fetched = _history_fetch(
                connection=connection,
                building_id=building_id,
                until=until,
                calls=show.wants_calls and keychain_id is None,
            )
    except FAILURES as error:
        failure = failure_for(error)
        reconnect = failure.reconnect
        unavailable = "" if reconnect else failure.page_message
    doors = {door.id: door.name for door in listing.entrances} if listing else {}
    return History(
        timeline=timeline(
            tenant=listing.tenant if listing else None,
            doors=doors,
            fetched=fetched,
            events=events,
            events_more=events_more,
            show=show,
            until=until,
            now=timezone.now(),
            keychain=keychain,
        ),
        listing=listing,
        keychain=keychain,
        unavailable=unavailable,
        reconnect=reconnect,
    )


def history_photo(
    *,
    connection: ButterflyMXConnection,
    building_id: int,
    tenant_id: int,
    source: str,
    item_id: int,
) -> Photo:
    """The intercom photo of one of the tenancy's history entries (``source`` "log" or
    "call"), asked of ButterflyMX with the resident's token, so that nobody else's shows."""
    listing = listing_get(connection=connection, building_id=building_id, tenant_id=tenant_id)

    def fetch(client: ButterflyMXClient) -> AccessLogEntry | Call:
        if source == "call":
            return client.call(building_id, item_id)
        return client.access_log(building_id, item_id)

    try:
        item = butterflymx_call(connection=connection, call=fetch)
    except NotFound:
        raise PhotoNotFound from None
    if not item.image_url or not is_tenancys(item, listing.tenant):
        raise PhotoNotFound
    return photo_fetch(item.image_url)
