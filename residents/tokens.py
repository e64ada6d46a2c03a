"""ButterflyMX access tokens for residents: hand out a valid one, refreshing it safely."""

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from residents.butterflymx.client import (
    ButterflyMXClient,
    InvalidGrant,
    TokenSet,
    Unauthorized,
    UpstreamTimeout,
    token_refresh,
)
from residents.crypto import token_decrypt, token_encrypt
from residents.models import ButterflyMXConnection

logger = logging.getLogger(__name__)

T = TypeVar("T")

# A token this close to expiry is refreshed before use.
REFRESH_MARGIN = timedelta(seconds=60)


class ReconnectRequired(Exception):
    """ButterflyMX refused the refresh token: the resident must connect again."""


def _is_fresh(connection: ButterflyMXConnection, rejected: str | None) -> bool:
    if connection.expires_at and connection.expires_at - REFRESH_MARGIN <= timezone.now():
        return False
    return rejected is None or token_decrypt(connection.access_token_ciphertext) != rejected


def _statements_may_wait_for_a_refresh() -> None:
    """Within this transaction, let PostgreSQL's statement timeout cover a refresh: the one
    refreshing holds the row lock for up to two token calls, and the others wait on it."""
    if db_connection.vendor != "postgresql":
        return
    call = settings.BUTTERFLYMX_CONNECT_TIMEOUT + settings.BUTTERFLYMX_TOKEN_READ_TIMEOUT
    with db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, true)", [f"{round(2 * call + 5)}s"]
        )


def _token_refresh(*, refresh_token: str) -> TokenSet:
    """One refresh, and one more with the same token if ButterflyMX didn't answer in time.

    If ButterflyMX never handled the first request, the token is unspent and the second
    works; if it handled it and the answer was lost, the token is spent and the second is
    refused (InvalidGrant): only then must the resident reconnect.
    """
    try:
        return token_refresh(refresh_token=refresh_token)
    except UpstreamTimeout:
        logger.warning("ButterflyMX didn't answer a token refresh in time; trying it once more")
        return token_refresh(refresh_token=refresh_token)


def access_token_get(*, connection: ButterflyMXConnection) -> str:
    """A valid ButterflyMX access token for the connection, refreshed first when it is
    within REFRESH_MARGIN of expiry."""
    if connection.needs_reconnect:
        raise ReconnectRequired
    if _is_fresh(connection, rejected=None):
        return token_decrypt(connection.access_token_ciphertext)
    return access_token_refresh(connection=connection)


def access_token_refresh(*, connection: ButterflyMXConnection, rejected: str | None = None) -> str:
    """Refresh the connection's tokens, unless another request already has.

    ``rejected`` is a token ButterflyMX just answered 401 to. The refresh happens under a
    row lock, re-reading the row after the lock, so that concurrent requests make exactly
    one refresh call and the rotated refresh token is never lost.
    """
    refused = False
    with transaction.atomic():
        _statements_may_wait_for_a_refresh()
        locked = ButterflyMXConnection.objects.select_for_update().get(pk=connection.pk)
        if locked.needs_reconnect:
            raise ReconnectRequired
        if _is_fresh(locked, rejected):
            return token_decrypt(locked.access_token_ciphertext)
        try:
            tokens = _token_refresh(refresh_token=token_decrypt(locked.refresh_token_ciphertext))
        except InvalidGrant:
            refused = True
            locked.needs_reconnect = True
            locked.save(update_fields=["needs_reconnect"])
        else:
            now = timezone.now()
            locked.access_token_ciphertext = token_encrypt(tokens.access_token)
            if tokens.refresh_token:
                locked.refresh_token_ciphertext = token_encrypt(tokens.refresh_token)
            locked.expires_at = (
                now + timedelta(seconds=tokens.expires_in) if tokens.expires_in else None
            )
            locked.refreshed_at = now
            locked.save(
                update_fields=[
                    "access_token_ciphertext",
                    "refresh_token_ciphertext",
                    "expires_at",
                    "refreshed_at",
                ]
            )
    if refused:
        logger.info("ButterflyMX refused the refresh token of user %s", locked.user_id)
        raise ReconnectRequired
    return tokens.access_token


def butterflymx_call(
    *, connection: ButterflyMXConnection, call: Callable[[ButterflyMXClient], T]
) -> T:
    """Run ``call`` with a client for the connection; after a 401, refresh and try exactly
    once more. A request ButterflyMX answered 401 did nothing, so even a door release may be
    sent again.

    The refresh stays here rather than in the client's session: a listing's calls run in
    worker threads, and the refresh's locked write belongs to the request's own database
    connection.
    """
    token = access_token_get(connection=connection)
    try:
        return call(ButterflyMXClient(token))
    except Unauthorized:
        token = access_token_refresh(connection=connection, rejected=token)
        return call(ButterflyMXClient(token))
