"""Doorbell notifications' plumbing: a resident's devices (Web Push subscriptions), the
ButterflyMX webhooks kept on their tenancies while they have one, and sending one push.

Push endpoints and webhook secrets are capability URLs: they never reach a log line."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import IntegrityError
from django.urls import reverse
from pywebpush import WebPushException, webpush

from residents.butterflymx.client import ButterflyMXClient, NotFound
from residents.failures import FAILURES
from residents.models import ButterflyMXConnection, DoorbellWebhook, PushSubscription, User
from residents.selectors import connection_for_user, tenants_for_connection
from residents.tokens import butterflymx_call

logger = logging.getLogger(__name__)

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class InvalidSubscription(ValueError):
    """What a browser sent is not a push subscription Foyer will send to."""


def _endpoint_allowed(endpoint: str) -> bool:
    """Only the browsers' push services: Foyer POSTs to this address, so it must never be
    one of the resident's choosing inside the network."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    known = any(
        host == allowed or host.endswith(f".{allowed}") for allowed in settings.PUSH_SERVICE_HOSTS
    )
    secure = parts.scheme == "https" or (parts.scheme == "http" and host in LOOPBACK_HOSTS)
    return known and secure


def subscription_save(
    *, user: User, endpoint: str, p256dh: str, auth: str, label: str = ""
) -> PushSubscription:
    """Remember a device of the resident's, then make sure ButterflyMX tells Foyer when
    somebody rings one of their homes."""
    if not (endpoint and p256dh and auth) or len(endpoint) > 2000:
        raise InvalidSubscription("The browser sent an incomplete subscription.")
    if not _endpoint_allowed(endpoint) or len(p256dh) > 200 or len(auth) > 100:
        raise InvalidSubscription("This browser's push service is not one Foyer knows.")
    subscription, _ = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user": user, "p256dh": p256dh, "auth": auth, "label": label[:100]},
    )
    connection = connection_for_user(user=user)
    if connection is not None and not connection.needs_reconnect:
        doorbell_webhooks_ensure(connection=connection)
    logger.info("Push subscription %s saved for user %s", subscription.pk, user.pk)
    return subscription


def subscription_delete(*, user: User, subscription_id: int) -> bool:
    """Forget one of the resident's devices; with the last one gone, the webhooks go too."""
    deleted, _ = PushSubscription.objects.filter(user=user, pk=subscription_id).delete()
    if deleted and not PushSubscription.objects.filter(user=user).exists():
        connection = connection_for_user(user=user)
        if connection is not None:
            doorbell_webhooks_remove(connection=connection)
        else:
            DoorbellWebhook.objects.filter(user=user).delete()
    return bool(deleted)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def webhook_for_secret(secret: str) -> DoorbellWebhook | None:
    if not secret or len(secret) > 100:
        return None
    return DoorbellWebhook.objects.filter(secret_hash=secret_hash(secret)).first()


def doorbell_webhooks_ensure(*, connection: ButterflyMXConnection) -> int:
    """A webhook on each of the resident's tenancies that has none yet; returns how many
    tenancies still lack one (ButterflyMX failed: the next subscription or ring retries)."""
    try:
        tenants = tenants_for_connection(connection=connection)
    except FAILURES as error:
        logger.warning("Doorbell webhooks for user %s not made: %s", connection.user_id, error)
        return -1
    have = set(
        DoorbellWebhook.objects.filter(user_id=connection.user_id).values_list(
            "tenant_id", flat=True
        )
    )
    missing = 0
    for tenant in tenants:
        if tenant.id in have:
            continue
        secret = secrets.token_urlsafe(32)
        url = settings.SITE_URL + reverse("doorbell_webhook", args=[secret])

        def create(client: ButterflyMXClient, tenant_id: int = tenant.id, url: str = url) -> int:
            return client.integration_create(
                tenant_id, url=url, resource_type=settings.BUTTERFLYMX_WEBHOOK_RESOURCE_TYPE
            )

        try:
            integration_id = butterflymx_call(connection=connection, call=create)
        except FAILURES as error:
            missing += 1
            logger.warning(
                "Doorbell webhook for user %s, tenant %s not made: %s",
                connection.user_id,
                tenant.id,
                error,
            )
            continue
        try:
            DoorbellWebhook.objects.create(
                user_id=connection.user_id,
                building_id=tenant.building_id,
                tenant_id=tenant.id,
                integration_id=integration_id,
                secret_hash=secret_hash(secret),
            )
        except IntegrityError:
            # Another device of the resident's subscribed at the same moment: keep theirs.
            _integration_delete(connection, tenant.id, integration_id)
    return missing


def _integration_delete(
    connection: ButterflyMXConnection, tenant_id: int, integration_id: int
) -> bool:
    try:
        butterflymx_call(
            connection=connection,
            call=lambda client: client.integration_delete(tenant_id, integration_id),
        )
    except NotFound:
        return True
    except FAILURES as error:
        logger.warning(
            "Doorbell webhook %s of user %s not removed at ButterflyMX: %s",
            integration_id,
            connection.user_id,
            error,
        )
        return False
    return True


def doorbell_webhooks_remove(*, connection: ButterflyMXConnection) -> None:
    """Remove the resident's webhooks at ButterflyMX (best effort) and here: a delivery to a
    forgotten secret is answered 404 anyway."""
    for webhook in DoorbellWebhook.objects.filter(user_id=connection.user_id):
        _integration_delete(connection, webhook.tenant_id, webhook.integration_id)
        webhook.delete()


def doorbell_webhooks_renew(*, connection: ButterflyMXConnection) -> None:
    """After a (re)connect: the webhooks were made with the previous token's identity, so
    while the resident has a subscribed device they are removed (best effort) and made
    again with the new one. Failures are logged; the connect goes on."""
    if connection.needs_reconnect:
        return
    if not PushSubscription.objects.filter(user_id=connection.user_id).exists():
        return
    doorbell_webhooks_remove(connection=connection)
    doorbell_webhooks_ensure(connection=connection)


def push_send(*, subscription: PushSubscription, payload: dict) -> bool:
    """Send one push; a subscription its push service says is gone (404, 410) is deleted."""
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=json.dumps(payload),
            vapid_private_key=settings.VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=settings.PUSH_TTL_SECONDS,
            headers={"Urgency": "high"},
            timeout=settings.PUSH_TIMEOUT,
        )
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        if status in (404, 410):
            subscription.delete()
            logger.info(
                "Push subscription %s of user %s is gone (%s): removed",
                subscription.pk,
                subscription.user_id,
                status,
            )
        else:
            logger.warning("Push to subscription %s failed: %s", subscription.pk, status)
        return False
    except (requests.RequestException, ValueError) as error:
        logger.warning("Push to subscription %s failed: %s", subscription.pk, type(error).__name__)
        return False
    return True
