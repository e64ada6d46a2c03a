"""Writes and upstream actions for the resident side."""

import logging
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.cache import cache
from django.utils import formats, timezone

from residents.butterflymx.client import (
    BadResponse,
    ButterflyMXError,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
    Unreachable,
    UpstreamTimeout,
    ValidationFailed,
    token_revoke,
)
from residents.crypto import token_decrypt
from residents.models import ButterflyMXConnection, DoorEvent
from residents.selectors import (
    Door,
    connection_for_user,
    doors_for_tenant,
    listing_cache_clear,
)
from residents.tokens import NotConnected, ReconnectRequired, butterflymx_call

logger = logging.getLogger(__name__)


def connection_save(*, user, social_account, token) -> ButterflyMXConnection:
    """Store the tokens of a completed connect. ``token`` holds ciphertext already."""
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
    return connection


def connection_disconnect(*, user) -> bool:
    """Revoke at ButterflyMX (best effort) and delete the tokens and the social account.

    Returns whether ButterflyMX confirmed the revocation.
    """
    connection = connection_for_user(user=user)
    if connection is None:
        return True
    revoked = True
    for ciphertext in (connection.refresh_token_ciphertext, connection.access_token_ciphertext):
        if not ciphertext:
            continue
        try:
            token_revoke(token=token_decrypt(ciphertext))
        except ButterflyMXError as exc:
            revoked = False
            logger.warning("ButterflyMX revocation failed for user %s: %s", user.pk, exc)
    listing_cache_clear(connection=connection)
    connection.social_account.delete()
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


def _rate_limit_hit(*, user) -> int | None:
    """Count an unlock against the resident's per-minute budget; seconds to wait if over."""
    window = int(time.time() // 60)
    key = f"unlock-rate:{user.pk}:{window}"
    cache.add(key, 0, timeout=70)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=70)
        count = 1
    if count > settings.UNLOCK_RATE_LIMIT_PER_MINUTE:
        return 60 - int(time.time() % 60)
    return None


def _failure(error: Exception) -> tuple[str, str, str, bool]:
    """(outcome, error code, message, reconnect) for an upstream failure."""
    failed, unconfirmed = DoorEvent.Outcome.FAILED, DoorEvent.Outcome.UNCONFIRMED
    if isinstance(error, NotConnected | ReconnectRequired | Unauthorized):
        return failed, "reconnect", "ButterflyMX needs you to reconnect before doors open.", True
    if isinstance(error, Unreachable):
        message = "Couldn't reach ButterflyMX, so the door didn't open. Try again in a moment."
        return failed, "unreachable", message, False
    if isinstance(error, UpstreamTimeout) or (
        isinstance(error, Unavailable | BadResponse) and error.status is None
    ):
        # The request went out and no answer came back: the door may have opened.
        message = "ButterflyMX didn't answer: check the door before trying again."
        return unconfirmed, "no_answer", message, False
    if isinstance(error, BadResponse):
        message = "ButterflyMX answered in a way we couldn't read: check the door."
        return unconfirmed, "bad_response", message, False
    if isinstance(error, RateLimited):
        wait = f" in {int(error.retry_after)} seconds" if error.retry_after else " in a moment"
        return failed, "rate_limited", f"ButterflyMX is busy. Try again{wait}.", False
    if isinstance(error, Forbidden):
        return failed, "forbidden", "ButterflyMX says you may not open this door.", False
    if isinstance(error, NotFound):
        message = "ButterflyMX no longer knows this door. Refresh your doors."
        return failed, "not_found", message, False
    if isinstance(error, ValidationFailed):
        detail = "; ".join(e.message for e in error.errors if e.message)
        message = f"ButterflyMX refused to open it{f': {detail}' if detail else ''}."
        return failed, "refused", message, False
    message = "ButterflyMX is having trouble. The door didn't open; try again shortly."
    return failed, "unavailable", message, False


def _zone(name: str | None):
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def door_release(
    *, user, connection, building_id: int, tenant_id: int, kind: str, door_id: int
) -> UnlockResult:
    """Open one door, once.

    The door must be in the resident's listing (DoorNotFound otherwise, before any
    upstream call). A tap on the same door within the cooldown is answered without a
    second release; exactly one release request is sent per accepted tap and it is never
    retried, except once after a 401 that a token refresh answers. Every attempt is
    recorded in the resident's history before this returns.
    """
    # Only the door's presence matters here, not how often it was used.
    listing = doors_for_tenant(
        user=user,
        connection=connection,
        building_id=building_id,
        tenant_id=tenant_id,
        ranked=False,
    )
    door = listing.door(kind, door_id)
    cooldown_key = f"unlock-cooldown:{user.pk}:{kind}:{door_id}"
    if not cache.add(cooldown_key, 1, timeout=settings.DOOR_COOLDOWN_SECONDS):
        return UnlockResult(
            door=door,
            outcome="cooldown",
            message="Already on it: this door was just asked to open.",
        )
    retry_after = _rate_limit_hit(user=user)
    if retry_after is not None:
        raise UnlockRateLimited(retry_after)

    door_arg = {"access_point_id" if kind == DoorEvent.Kind.ACCESS_POINT else "device_id": door_id}
    started = time.monotonic()
    release, error = None, None
    try:
        release = butterflymx_call(
            user=user,
            connection=connection,
            call=lambda client: client.door_release(tenant_id=tenant_id, **door_arg),
        )
    except (ButterflyMXError, NotConnected, ReconnectRequired) as exc:
        error = exc
    latency_ms = round((time.monotonic() - started) * 1000)
    tenant = listing.tenant
    event = DoorEvent(
        user=user,
        tenant_id=tenant_id,
        building_id=building_id,
        building_name=tenant.building_name or "",
        unit_label=tenant.unit.label if tenant.unit else "",
        door_kind=kind,
        door_id=door_id,
        door_name=door.name,
        door_type=door.type,
        latency_ms=latency_ms,
    )
    if error is None:
        event.outcome = DoorEvent.Outcome.OPENED
        event.release_id = release.id
        event.save()
        opened_at = formats.time_format(
            timezone.localtime(event.created_at, _zone(tenant.building_timezone)), "H:i"
        )
        return UnlockResult(
            door=door, outcome=event.outcome, message=f"Opened at {opened_at}", event=event
        )
    event.outcome, event.error_code, message, reconnect = _failure(error)
    event.save()
    logger.info("Door release %s for user %s: %s", event.outcome, user.pk, event.error_code)
    if event.error_code == "not_found":
        listing_cache_clear(connection=connection)
    return UnlockResult(
        door=door, outcome=event.outcome, message=message, event=event, reconnect=reconnect
    )
