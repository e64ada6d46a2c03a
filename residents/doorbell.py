"""Someone's at the door: finding the call that rings a resident's home, the building's
"ringing now" entry in the shared cache, the notification's payload and its Open token."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from residents.butterflymx.client import ButterflyMXClient
from residents.butterflymx.types import AccessPoint, Call, DoorKind
from residents.failures import FAILURES
from residents.history import is_tenancys
from residents.models import ButterflyMXConnection, PushSubscription
from residents.push import push_send
from residents.selectors import DoorNotFound, listing_get
from residents.tokens import butterflymx_call

logger = logging.getLogger(__name__)

# ButterflyMX rings for 40 s; a call logged longer ago than this is not ringing any more.
RING_SECONDS = 40
# How often the doors page's poll may ask ButterflyMX itself, per tenancy, when no
# delivery came (deliveries are never resent).
POLL_SECONDS = 10
# How many of the newest calls are looked at.
CALLS_LOOKED_AT = 10
OPEN_SALT = "residents.doorbell.open"
# The only things a webhook delivery's body is read for: its call's guid and panel id, which
# nothing but the optional "call handled" uses (ButterflyMX's REST API never shows them).
DELIVERY_MAX_BYTES = 16 * 1024
GUID_FORMAT = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


@dataclass(frozen=True)
class Ring:
    """A call ringing one of a resident's homes, and the door that lets the caller in."""

    call_id: int
    building_id: int
    unit_id: int | None
    recipient_id: int | None
    panel_name: str
    access_point_id: int | None
    building_name: str
    logged_at: str  # ISO 8601, so that the entry keeps in any cache
    # From the webhook delivery that signalled the call, for telling the panel it was handled.
    call_guid: str | None = None
    panel_id: int | None = None

    @property
    def ends_at(self) -> datetime:
        return datetime.fromisoformat(self.logged_at) + timedelta(seconds=RING_SECONDS)


def _ringing_key(building_id: int) -> str:
    return f"doorbell-ringing:{building_id}"


def _ringing_remember(ring: Ring) -> None:
    key = _ringing_key(ring.building_id)
    now = timezone.now()
    rings = {
        call_id: kept
        for call_id, kept in (cache.get(key) or {}).items()
        if Ring(**kept).ends_at > now
    }
    kept = rings.get(ring.call_id)
    if ring.call_guid is None and kept is not None and kept.get("call_guid"):
        # A poll found the call again: it keeps the guid its delivery brought.
        ring = replace(ring, call_guid=kept["call_guid"], panel_id=kept.get("panel_id"))
    rings[ring.call_id] = asdict(ring)
    cache.set(key, rings, RING_SECONDS)


def ringing_forget(*, building_id: int, call_id: int) -> None:
    """The call was answered through Foyer: the banner goes away."""
    key = _ringing_key(building_id)
    rings = cache.get(key) or {}
    if rings.pop(call_id, None) is not None:
        cache.set(key, rings, RING_SECONDS)


def _panel_door(access_points: list[AccessPoint], device_id: int | None) -> AccessPoint | None:
    if device_id is None:
        return None
    return next((point for point in access_points if device_id in point.device_ids), None)


def delivery_call(body: bytes) -> tuple[str | None, int | None]:
    """The call guid and panel id of a webhook delivery, when it is small, JSON and has both
    in their expected shapes; nothing else of it is ever read."""
    if not body or len(body) > DELIVERY_MAX_BYTES:
        return None, None
    try:
        payload = json.loads(body)
    except ValueError:
        return None, None
    # The call itself, as documented, or wrapped in {"event": {"data": ...}}.
    event = payload.get("event") if isinstance(payload, dict) else None
    data = event.get("data") if isinstance(event, dict) else payload
    if not isinstance(data, dict):
        return None, None
    guid, panel = data.get("guid"), data.get("panel")
    panel_id = panel.get("id") if isinstance(panel, dict) else None
    if not (isinstance(guid, str) and GUID_FORMAT.fullmatch(guid)):
        return None, None
    if not isinstance(panel_id, int) or isinstance(panel_id, bool) or not 0 < panel_id < 2**53:
        return None, None
    return guid.lower(), panel_id


def ringing_find(
    *,
    connection: ButterflyMXConnection,
    building_id: int,
    tenant_id: int,
    call_guid: str | None = None,
    panel_id: int | None = None,
) -> Ring | None:
    """Ask ButterflyMX, with the resident's token, for the newest call ringing this tenancy's
    home, and the access point of the panel it comes from; remember it for the building,
    with the guid and panel id of the delivery that signalled it, if any."""
    listing = listing_get(connection=connection, building_id=building_id, tenant_id=tenant_id)
    now = timezone.now()

    def fetch(client: ButterflyMXClient) -> tuple[Call | None, AccessPoint | None]:
        calls = client.calls_page(building_id, per=CALLS_LOOKED_AT).items
        ringing = [
            call
            for call in calls
            if call.status == "initializing"
            and is_tenancys(call, listing.tenant)
            and call.logged_at is not None
            and now - timedelta(seconds=RING_SECONDS)
            <= call.logged_at
            <= now + timedelta(seconds=5)
        ]
        if not ringing:
            return None, None
        call = max(ringing, key=lambda found: (found.logged_at, found.id))
        return call, _panel_door(client.access_points(building_id), call.device_id)

    call, access_point = butterflymx_call(connection=connection, call=fetch)
    if call is None:
        return None
    assert call.logged_at is not None
    door_id = None
    if access_point is not None:
        try:
            door_id = listing.door(DoorKind.ACCESS_POINT, access_point.id).id
        except DoorNotFound:
            door_id = None
    ring = Ring(
        call_id=call.id,
        building_id=building_id,
        unit_id=call.unit_id,
        recipient_id=call.recipient_id if call.recipient_type == "Tenant" else None,
        panel_name=call.device_name or (access_point.name if access_point else "the intercom"),
        access_point_id=door_id,
        building_name=listing.building_name or "",
        logged_at=call.logged_at.isoformat(),
        call_guid=call_guid if panel_id is not None else None,
        panel_id=panel_id if call_guid is not None else None,
    )
    _ringing_remember(ring)
    return ring


def ringing_for_tenancy(
    *, connection: ButterflyMXConnection, building_id: int, tenant_id: int
) -> Ring | None:
    """The call ringing this tenancy's home now, from the building's shared entry; when
    there is none, ButterflyMX is asked at most every POLL_SECONDS (a missed delivery)."""
    listing = listing_get(connection=connection, building_id=building_id, tenant_id=tenant_id)
    tenant = listing.tenant
    unit_id = tenant.unit.id if tenant.unit else None
    now = timezone.now()
    for kept in (cache.get(_ringing_key(building_id)) or {}).values():
        ring = Ring(**kept)
        mine = ring.recipient_id == tenant.id or (unit_id is not None and ring.unit_id == unit_id)
        if mine and ring.ends_at > now:
            return ring
    if not cache.add(f"doorbell-polled:{building_id}:{tenant_id}", 1, POLL_SECONDS):
        return None
    return ringing_find(connection=connection, building_id=building_id, tenant_id=tenant_id)


def open_token(*, user_id: int, tenant_id: int, ring: Ring) -> str:
    """What the notification's Open sends back: good for one user, tenancy, door and call,
    for DOORBELL_OPEN_SECONDS."""
    return signing.dumps(
        {
            "u": user_id,
            "b": ring.building_id,
            "t": tenant_id,
            "d": ring.access_point_id,
            "c": ring.call_id,
        },
        salt=OPEN_SALT,
    )


@dataclass(frozen=True)
class OpenRequest:
    building_id: int
    tenant_id: int
    access_point_id: int
    call_id: int


def open_token_read(*, token: str, user_id: int) -> OpenRequest:
    """The door an Open token names; signing.BadSignature if it is forged, expired or
    another user's."""
    data = signing.loads(token, salt=OPEN_SALT, max_age=settings.DOORBELL_OPEN_SECONDS)
    if not isinstance(data, dict) or data.get("u") != user_id or not data.get("d"):
        raise signing.BadSignature("Not this user's token.")
    return OpenRequest(
        building_id=int(data["b"]),
        tenant_id=int(data["t"]),
        access_point_id=int(data["d"]),
        call_id=int(data["c"]),
    )


def push_payload(*, user_id: int, tenant_id: int, ring: Ring) -> dict:
    """The notification: the panel, the building, Foyer's own addresses for the photo and the
    "Someone's at the door" page, and the Open token; never ButterflyMX's photo address."""
    args = [ring.building_id, tenant_id]
    payload: dict = {
        "title": f"Someone is at {ring.panel_name}",
        "body": ring.building_name or "Your building",
        "tag": f"call-{ring.call_id}",
        "url": reverse("doorbell_ringing", args=[*args, ring.call_id]),
        "image": reverse("history_photo", args=[*args, "call", ring.call_id]),
    }
    if ring.access_point_id is not None:
        payload["open"] = {
            "url": reverse("doorbell_open"),
            "token": open_token(user_id=user_id, tenant_id=tenant_id, ring=ring),
        }
    return payload


def doorbell_notify(
    *,
    connection: ButterflyMXConnection,
    building_id: int,
    tenant_id: int,
    call_guid: str | None = None,
    panel_id: int | None = None,
) -> int:
    """After a webhook delivery: find the ringing call and push it to each of the resident's
    devices, once per call; returns how many pushes went out."""
    ring = ringing_find(
        connection=connection,
        building_id=building_id,
        tenant_id=tenant_id,
        call_guid=call_guid,
        panel_id=panel_id,
    )
    if ring is None:
        logger.info("Doorbell for user %s: no ringing call found", connection.user_id)
        return 0
    if not cache.add(f"doorbell-pushed:{connection.user_id}:{ring.call_id}", 1, RING_SECONDS * 3):
        return 0
    payload = push_payload(user_id=connection.user_id, tenant_id=tenant_id, ring=ring)
    sent = 0
    for subscription in PushSubscription.objects.filter(user_id=connection.user_id):
        sent += push_send(subscription=subscription, payload=payload)
    logger.info(
        "Doorbell for user %s: call %s pushed to %d devices", connection.user_id, ring.call_id, sent
    )
    return sent


def _call_handled_send(*, connection: ButterflyMXConnection, ring: Ring) -> bool:
    """Best effort, sent once: tell the panel the call was handled so that it stops ringing.
    A failure is logged (never the guid) and changes nothing about the Open."""
    if not settings.BUTTERFLYMX_CALL_HANDLED_ENABLED:
        return False
    if ring.call_guid is None or ring.panel_id is None:
        return False
    guid, panel_id = ring.call_guid, ring.panel_id
    try:
        butterflymx_call(
            connection=connection,
            call=lambda client: client.call_handled(call_guid=guid, panel_id=panel_id),
        )
    except FAILURES as error:
        logger.warning(
            "Call %s of user %s not marked handled: %s",
            ring.call_id,
            connection.user_id,
            type(error).__name__,
        )
        return False
    logger.info("Call %s of user %s marked handled", ring.call_id, connection.user_id)
    return True


def doorbell_answered(
    *,
    connection: ButterflyMXConnection,
    building_id: int,
    tenant_id: int,
    access_point_id: int,
    call_id: int | None = None,
) -> Ring | None:
    """A resident's Open opened the access point: the call of theirs ringing from that
    panel (``call_id`` when the notification named it) is answered. The banner goes away
    and, when BUTTERFLYMX_CALL_HANDLED_ENABLED, the panel is told to stop ringing."""
    rings = [Ring(**kept) for kept in (cache.get(_ringing_key(building_id)) or {}).values()]
    rings = [ring for ring in rings if ring.access_point_id == access_point_id]
    if call_id is not None:
        rings = [ring for ring in rings if ring.call_id == call_id]
    elif rings:
        try:
            tenant = listing_get(
                connection=connection, building_id=building_id, tenant_id=tenant_id
            ).tenant
        except (DoorNotFound, *FAILURES):
            return None
        unit_id = tenant.unit.id if tenant.unit else None
        rings = [
            ring
            for ring in rings
            if ring.recipient_id == tenant.id or (unit_id is not None and ring.unit_id == unit_id)
        ]
    if not rings:
        return None
    ring = max(rings, key=lambda found: (found.logged_at, found.call_id))
    ringing_forget(building_id=building_id, call_id=ring.call_id)
    _call_handled_send(connection=connection, ring=ring)
    return ring
