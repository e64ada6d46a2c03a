"""Writes and upstream actions for the resident side."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from residents.butterflymx.client import (
    ButterflyMXError,
    InvalidGrant,
    token_refresh,
    token_revoke,
)
from residents.crypto import token_decrypt, token_encrypt
from residents.models import ButterflyMXConnection
from residents.selectors import connection_for_user

logger = logging.getLogger(__name__)

# A token this close to expiry is refreshed before use.
REFRESH_MARGIN = timedelta(seconds=60)


class NotConnected(Exception):
    """The resident has not connected a ButterflyMX account."""


class ReconnectRequired(Exception):
    """ButterflyMX refused the refresh token: the resident must connect again."""


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


def _is_fresh(connection: ButterflyMXConnection, rejected: str | None) -> bool:
    if connection.expires_at and connection.expires_at - REFRESH_MARGIN <= timezone.now():
        return False
    return rejected is None or token_decrypt(connection.access_token_ciphertext) != rejected


def access_token_get(*, user, rejected: str | None = None) -> str:
    """A valid ButterflyMX access token for ``user``.

    Refreshes when the token is within REFRESH_MARGIN of expiry, or when ``rejected`` (a
    token ButterflyMX just answered 401 to) is still the stored one. The refresh happens
    under a row lock, re-reading after the lock, so that concurrent requests make exactly
    one refresh call and the rotated refresh token is never lost.
    """
    connection = connection_for_user(user=user)
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
    connection.social_account.delete()
    return revoked
