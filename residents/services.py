"""Writes and upstream actions for the resident side."""

import contextlib
import logging
import time
from dataclasses import dataclass, replace
from datetime import date, datetime
from datetime import time as dt_time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from allauth.socialaccount.models import SocialAccount, SocialToken
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import formats, timezone

from config.cache import add_then_count
from residents.butterflymx.client import (
    ButterflyMXClient,
    ButterflyMXError,
    Keychain,
    KeychainType,
    UpstreamTimeout,
    token_revoke,
)
from residents.butterflymx.types import DoorKind
from residents.crypto import token_decrypt
from residents.failures import FAILURES, failure_for
from residents.models import ButterflyMXConnection, DoorEvent, FavouriteDoor, User
from residents.push import doorbell_webhooks_remove
from residents.selectors import (
    Door,
    PassNotFound,
    listing_cache_clear,
    listing_get,
    pass_ids_for_tenant,
    pass_remember,
)
from residents.tokens import butterflymx_call

logger = logging.getLogger(__name__)

PROVIDER_ID = "butterflymx"


def connection_save(
    *,
    user: User,
    social_account: SocialAccount,
    token: SocialToken,
    revoke_replaced: bool = True,
) -> ButterflyMXConnection:
    """Store the tokens of a completed connect. ``token`` holds ciphertext already.

    A Foyer account holds one ButterflyMX identity: any other one of the user's is removed,
    and the pair this connect replaces is revoked at ButterflyMX (best effort), unless
    ``revoke_replaced`` is off (the demo's seeding, while ButterflyMX isn't being served).
    """
    with transaction.atomic():
        previous = ButterflyMXConnection.objects.select_for_update().filter(user=user).first()
        connection, _ = ButterflyMXConnection.objects.update_or_create(
            user=user,
            defaults={
                "social_account": social_account,
                "access_token_ciphertext": token.token,
                "refresh_token_ciphertext": token.token_secret or "",
                "expires_at": token.expires_at,
                "needs_reconnect": False,
                "connected_at": timezone.now(),
                "refreshed_at": None,
            },
        )
        SocialAccount.objects.filter(user=user, provider=PROVIDER_ID).exclude(
            pk=social_account.pk
        ).delete()
    if previous is None or previous.access_token_ciphertext == token.token:
        return connection
    if revoke_replaced:
        _token_pair_revoke(
            user_id=user.pk,
            ciphertexts=(previous.refresh_token_ciphertext, previous.access_token_ciphertext),
        )
    listing_cache_clear(connection=previous)
    return connection


def _token_pair_revoke(*, user_id: int, ciphertexts: tuple[str, ...]) -> bool:
    """Revoke a pair at ButterflyMX; returns whether ButterflyMX confirmed every token."""
    revoked = True
    for ciphertext in ciphertexts:
        if not ciphertext:
            continue
        try:
            token_revoke(token=token_decrypt(ciphertext))
        except ButterflyMXError as exc:
            revoked = False
            logger.warning("ButterflyMX revocation failed for user %s: %s", user_id, exc)
    return revoked


def connection_disconnect(*, connection: ButterflyMXConnection) -> bool:
    """Revoke at ButterflyMX (best effort) and delete the tokens and every ButterflyMX
    identity of the user.

    Returns whether ButterflyMX confirmed the revocation.
    """
    # While the token still works: ButterflyMX would go on calling the doorbell webhooks.
    doorbell_webhooks_remove(connection=connection)
    revoked = _token_pair_revoke(
        user_id=connection.user_id,
        ciphertexts=(connection.refresh_token_ciphertext, connection.access_token_ciphertext),
    )
    listing_cache_clear(connection=connection)
    SocialAccount.objects.filter(user_id=connection.user_id, provider=PROVIDER_ID).delete()
    return revoked


@dataclass(frozen=True)
class UnlockResult:
    """What happened when a resident tapped a door, in words they understand."""

    door: Door
    outcome: str  # DoorEvent.Outcome, or "cooldown" / "rate_limited" (nothing sent)
    message: str
    event: DoorEvent | None = None
    retry_after: int | None = None
    reconnect: bool = False


class UnlockRateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"Too many unlocks; retry after {retry_after} s")
        self.retry_after = retry_after


def _tap_admit(*, user_id: int, cooldown_key: str) -> int | None:
    """Take the door's cooldown and count the tap against the resident's per-minute budget,
    in one cache round trip.

    Returns None when the door is within its cooldown (nothing counted), 0 when the tap may
    go, or the seconds to wait when the minute's budget is spent.
    """
    window = int(time.time() // 60)
    count = add_then_count(
        cache,
        add=(cooldown_key, settings.DOOR_COOLDOWN_SECONDS),
        count=(f"unlock-rate:{user_id}:{window}", 70),
    )
    if count is None:
        return None
    if count > settings.UNLOCK_RATE_LIMIT_PER_MINUTE:
        return 60 - int(time.time() % 60)
    return 0


def building_zone(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def door_release(
    *,
    connection: ButterflyMXConnection,
    building_id: int,
    tenant_id: int,
    kind: DoorKind,
    door_id: int,
) -> UnlockResult:
    """Open one door, once.

    The door must be in the resident's listing (DoorNotFound otherwise, before any
    upstream call). A tap on the same door within the cooldown is answered without a
    second release; exactly one release request is sent per accepted tap and it is never
    retried, except once after a 401 that a token refresh answers. Every attempt is
    recorded in the resident's history before this returns.
    """
    listing = listing_get(connection=connection, building_id=building_id, tenant_id=tenant_id)
    door = listing.door(kind, door_id)
    user_id = connection.user_id
    cooldown_key = f"unlock-cooldown:{user_id}:{kind}:{door_id}"
    opened_key = f"unlock-opened:{user_id}:{kind}:{door_id}"
    retry_after = _tap_admit(user_id=user_id, cooldown_key=cooldown_key)
    if retry_after is None:
        # A second tap after the door opened keeps saying so; one while the first is on
        # its way says that.
        opened = cache.get(opened_key)
        if opened is not None:
            return UnlockResult(door=door, outcome=DoorEvent.Outcome.OPENED, message=opened)
        return UnlockResult(
            door=door,
            outcome="cooldown",
            message="Already on it: this door was just asked to open.",
        )
    if retry_after:
        raise UnlockRateLimited(retry_after)

    tenant = listing.tenant
    # Recorded before the release goes out: if this process dies waiting for ButterflyMX,
    # the attempt stays in the history (as not confirmed) instead of vanishing.
    event = DoorEvent.objects.create(
        user_id=user_id,
        tenant_id=tenant_id,
        building_id=building_id,
        building_name=listing.building_name or "",
        unit_label=tenant.unit.label if tenant.unit else "",
        door_kind=kind,
        door_id=door_id,
        door_name=door.name,
        door_type=door.type,
        outcome=DoorEvent.Outcome.PENDING,
    )
    started = time.monotonic()
    release, failure = None, None
    try:
        release = butterflymx_call(
            connection=connection,
            call=lambda client: client.door_release(
                tenant_id=tenant_id, kind=kind, door_id=door_id
            ),
        )
    except FAILURES as error:
        failure = failure_for(error)
    event.latency_ms = round((time.monotonic() - started) * 1000)
    if failure is None:
        assert release is not None
        event.outcome = DoorEvent.Outcome.OPENED
        event.release_id = release.id
        event.save(update_fields=["outcome", "release_id", "latency_ms"])
        opened_at = formats.time_format(timezone.localtime(event.created_at, listing.zone), "H:i")
        # Without the building's zone, say which zone the time is in.
        known = "" if listing.zone_known else f" ({listing.zone.key} time)"
        message = f"Opened at {opened_at}{known}"
        cache.set(opened_key, message, timeout=settings.DOOR_COOLDOWN_SECONDS)
        return UnlockResult(door=door, outcome=event.outcome, message=message, event=event)
    event.outcome, event.error_code = failure.outcome, failure.code
    event.save(update_fields=["outcome", "error_code", "latency_ms"])
    logger.info("Door release %s for user %s: %s", event.outcome, user_id, event.error_code)
    if failure.code == DoorEvent.ErrorCode.NOT_FOUND:
        listing_cache_clear(connection=connection)
    return UnlockResult(
        door=door,
        outcome=event.outcome,
        message=failure.door_message,
        event=event,
        reconnect=failure.reconnect,
    )


def door_pin(
    *,
    connection: ButterflyMXConnection,
    building_id: int,
    tenant_id: int,
    kind: DoorKind,
    door_id: int,
    pinned: bool,
) -> Door:
    """Pin a door of the resident's listing as a favourite, or unpin it; DoorNotFound for
    any door not in it. Returns the door as it now is."""
    listing = listing_get(connection=connection, building_id=building_id, tenant_id=tenant_id)
    door = listing.door(kind, door_id)
    if pinned:
        FavouriteDoor.objects.get_or_create(
            user_id=connection.user_id, tenant_id=tenant_id, door_kind=kind, door_id=door_id
        )
    else:
        FavouriteDoor.objects.filter(
            user_id=connection.user_id, tenant_id=tenant_id, door_kind=kind, door_id=door_id
        ).delete()
    return replace(door, pinned=pinned)


# Visitor passes.

# A second submission of the same pass within this many seconds creates nothing more.
PASS_COOLDOWN_SECONDS = 10


class PassInProgress(Exception):
    """The same pass was just asked for: a double tap."""


class PassMaybeCreated(Exception):
    """ButterflyMX didn't answer a create: the pass may or may not exist."""


@dataclass(frozen=True)
class PassRequest:
    """What the resident asked for, with times already in the building's zone."""

    name: str
    kind: KeychainType
    access_point_ids: tuple[int, ...]
    device_ids: tuple[int, ...]
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    start_date: date | None = None
    end_date: date | None = None
    time_from: dt_time | None = None
    time_to: dt_time | None = None
    weekdays: tuple[str, ...] = ()
    email: str = ""
    sms_number: str = ""


def _keychain_create(client: ButterflyMXClient, tenant_id: int, request: PassRequest) -> Keychain:
    doors = {"access_point_ids": request.access_point_ids, "device_ids": request.device_ids}
    if request.kind == KeychainType.RECURRING:
        # The form makes sure of these for its kind.
        assert request.start_date is not None and request.end_date is not None
        assert request.time_from is not None and request.time_to is not None
        return client.keychain_create_recurring(
            tenant_id,
            name=request.name,
            start_date=request.start_date,
            end_date=request.end_date,
            time_from=request.time_from,
            time_to=request.time_to,
            weekdays=request.weekdays,
            **doors,
        )
    assert request.starts_at is not None and request.ends_at is not None
    create = (
        client.keychain_create_one_time
        if request.kind == KeychainType.ONE_TIME
        else client.keychain_create_custom
    )
    return create(
        tenant_id, name=request.name, starts_at=request.starts_at, ends_at=request.ends_at, **doors
    )


def _double_tap_guard(connection: ButterflyMXConnection, tenant_id: int, what: str) -> None:
    key = f"pass-cooldown:{connection.user_id}:{tenant_id}:{what}"
    if not cache.add(key, 1, timeout=PASS_COOLDOWN_SECONDS):
        raise PassInProgress


def pass_create(
    *, connection: ButterflyMXConnection, building_id: int, tenant_id: int, request: PassRequest
) -> Keychain:
    """Create a visitor pass: the keychain, then its one key. If the key can't be made the
    keychain is deleted, so that no pass that opens nothing is left. Never retried: after
    a timeout the pass may exist (PassMaybeCreated), and the list says whether it does."""
    listing_get(connection=connection, building_id=building_id, tenant_id=tenant_id)
    _double_tap_guard(connection, tenant_id, f"{request.kind}:{request.name}")

    def create(client: ButterflyMXClient) -> Keychain:
        try:
            keychain = _keychain_create(client, tenant_id, request)
        except UpstreamTimeout as error:
            raise PassMaybeCreated from error
        try:
            client.virtual_key_create(
                keychain.id,
                name=request.name,
                email=request.email or None,
                sms_number=request.sms_number or None,
            )
        except ButterflyMXError:
            with contextlib.suppress(ButterflyMXError):
                client.keychain_delete(keychain.id)
            raise
        return keychain

    keychain = butterflymx_call(connection=connection, call=create)
    pass_remember(connection=connection, tenant_id=tenant_id, keychain_id=keychain.id)
    logger.info("Visitor pass %s created for user %s", keychain.id, connection.user_id)
    return keychain


def delivery_pass_create(
    *, connection: ButterflyMXConnection, building_id: int, tenant_id: int
) -> Keychain:
    """A delivery pass in one tap: ButterflyMX opens it now for 30 days, on every door."""
    listing_get(connection=connection, building_id=building_id, tenant_id=tenant_id)
    _double_tap_guard(connection, tenant_id, "delivery")

    def create(client: ButterflyMXClient) -> Keychain:
        try:
            return client.keychain_create_delivery_pass(tenant_id, "Delivery")
        except UpstreamTimeout as error:
            raise PassMaybeCreated from error

    keychain = butterflymx_call(connection=connection, call=create)
    pass_remember(connection=connection, tenant_id=tenant_id, keychain_id=keychain.id)
    return keychain


def pass_revoke(
    *, connection: ButterflyMXConnection, building_id: int, tenant_id: int, keychain_id: int
) -> None:
    """End a pass at ButterflyMX: deleting the keychain ends every key on it."""
    if keychain_id not in pass_ids_for_tenant(
        connection=connection, building_id=building_id, tenant_id=tenant_id
    ):
        raise PassNotFound
    butterflymx_call(connection=connection, call=lambda client: client.keychain_delete(keychain_id))
    logger.info("Visitor pass %s revoked by user %s", keychain_id, connection.user_id)
