"""ButterflyMX access tokens for residents: hand out a valid one, refreshing it safely."""

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from residents.butterflymx.client import (
    ButterflyMXClient,
    InvalidGrant,
    Unauthorized,
    token_refresh,
)
from residents.crypto import token_decrypt, token_encrypt
from residents.models import ButterflyMXConnection

logger = logging.getLogger(__name__)

T = TypeVar("T")

# A token this close to expiry is refreshed before use.
REFRESH_MARGIN = timedelta(seconds=60)


class NotConnected(Exception):
    """The resident has not connected a ButterflyMX account."""


class ReconnectRequired(Exception):
    """ButterflyMX refused the refresh token: the resident must connect again."""


def _is_fresh(connection: ButterflyMXConnection, rejected: str | None) -> bool:
    if connection.expires_at and connection.expires_at - REFRESH_MARGIN <= timezone.now():
        return False
    return rejected is None or token_decrypt(connection.access_token_ciphertext) != rejected


def access_token_get(
    *, user, connection: ButterflyMXConnection | None = None, rejected: str | None = None
) -> str:
    """A valid ButterflyMX access token for ``user``.

    Refreshes when the token is within REFRESH_MARGIN of expiry, or when ``rejected`` (a
    token ButterflyMX just answered 401 to) is still the stored one. The refresh happens
    under a row lock, re-reading after the lock, so that concurrent requests make exactly
    one refresh call and the rotated refresh token is never lost. ``connection`` is the
    resident's connection as the caller has just read it, which saves reading it again.
    """
    if connection is None or rejected is not None:
        connection = ButterflyMXConnection.objects.filter(user=user).first()
    if connection is None:
        raise NotConnected
    if connection.needs_reconnect:
        raise ReconnectRequired
    if _is_fresh(connection, rejected):
        return token_decrypt(connection.access_token_ciphertext)
    return _access_token_refresh(connection_id=connection.pk, rejected=rejected)


def _access_token_refresh(*, connection_id: int, rejected: str | None) -> str:
    refused = False
    with transaction.atomic():
        connection = ButterflyMXConnection.objects.select_for_update().get(pk=connection_id)
        if connection.needs_reconnect:
            raise ReconnectRequired
        if _is_fresh(connection, rejected):
            return token_decrypt(connection.access_token_ciphertext)
        try:
            tokens = token_refresh(refresh_token=token_decrypt(connection.refresh_token_ciphertext))
        except InvalidGrant:
            refused = True
            connection.needs_reconnect = True
            connection.save(update_fields=["needs_reconnect"])
        else:
            now = timezone.now()
            connection.access_token_ciphertext = token_encrypt(tokens.access_token)
            if tokens.refresh_token:
                connection.refresh_token_ciphertext = token_encrypt(tokens.refresh_token)
            connection.expires_at = (
                now + timedelta(seconds=tokens.expires_in) if tokens.expires_in else None
            )
            connection.refreshed_at = now
            connection.save(
                update_fields=[
                    "access_token_ciphertext",
                    "refresh_token_ciphertext",
                    "expires_at",
                    "refreshed_at",
                ]
            )
    if refused:
        logger.info("ButterflyMX refused the refresh token of user %s", connection.user_id)
        raise ReconnectRequired
    return tokens.access_token


def butterflymx_call(
    *, user, call: Callable[[ButterflyMXClient], T], connection: ButterflyMXConnection | None = None
) -> T:
    """Run ``call`` with a client for ``user``; after a 401, refresh and try exactly once more.

    A request ButterflyMX answered 401 did nothing, so even a door release may be sent again.
    """
    token = access_token_get(user=user, connection=connection)
    try:
        return call(ButterflyMXClient(token))
    except Unauthorized:
        token = access_token_get(user=user, rejected=token)
        return call(ButterflyMXClient(token))
