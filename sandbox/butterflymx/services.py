"""Writes of the sandbox ButterflyMX: OAuth grants and tokens, door releases."""

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from sandbox.butterflymx.errors import ApiError, OAuthError
from sandbox.butterflymx.models import (
    AccessPoint,
    AccessToken,
    AuthorizationCode,
    Device,
    DoorReleaseRequest,
    Person,
    Tenant,
)
from sandbox.butterflymx.selectors import (
    access_points_for_person,
    devices_for_person,
    secret_hash,
)

CODE_LIFETIME = timedelta(minutes=10)
PKCE_METHODS = {"S256", "plain"}


def authorization_code_create(
    *,
    person: Person,
    client_id: str,
    redirect_uri: str,
    scope: str,
    code_challenge: str,
    code_challenge_method: str,
) -> str:
    """Grant a code for the person; returns the code itself, which is stored only hashed."""
    code = secrets.token_urlsafe(32)
    now = timezone.now()
    AuthorizationCode.objects.create(
        code_hash=secret_hash(code),
        person=person,
        client_id=client_id,
        redirect_uri=redirect_uri,
        scope=scope,
        code_challenge=code_challenge,
        code_challenge_method=code_challenge_method,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    return code


def token_issue(*, person: Person, client_id: str | None = None, expires_in=None) -> dict:
    """Mint an access and refresh token pair; returns the token endpoint's response body."""
    lifetime = settings.SANDBOX_BUTTERFLYMX_TOKEN_LIFETIME if expires_in is None else expires_in
    access_token = secrets.token_urlsafe(32)
    refresh_token = secrets.token_urlsafe(32)
    now = timezone.now()
    AccessToken.objects.create(
        token_hash=secret_hash(access_token),
        refresh_token_hash=secret_hash(refresh_token),
        person=person,
        client_id=client_id or settings.SANDBOX_BUTTERFLYMX_CLIENT_ID,
        created_at=now,
        expires_at=now + timedelta(seconds=lifetime),
    )
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "refresh_token": refresh_token,
        "scope": "public",
        "created_at": int(now.timestamp()),
    }


def _pkce_matches(*, grant: AuthorizationCode, code_verifier: str) -> bool:
    if not grant.code_challenge:
        return True
    if not code_verifier:
        return False
    if grant.code_challenge_method == "S256":
        digest = hashlib.sha256(code_verifier.encode()).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        expected = code_verifier
    return hmac.compare_digest(expected.encode(), grant.code_challenge.encode())


def token_exchange_code(
    *, client_id: str, code: str, redirect_uri: str, code_verifier: str
) -> dict:
    """Trade an authorization code for tokens, once, as Doorkeeper does."""
    if not code:
        raise OAuthError("invalid_request", "Missing required parameter: code.")
    if not redirect_uri:
        raise OAuthError("invalid_request", "Missing required parameter: redirect_uri.")
    invalid = OAuthError(
        "invalid_grant",
        "The provided authorization grant is invalid, expired, revoked, does not match the "
        "redirection URI used in the authorization request, or was issued to another client.",
    )
    grant = AuthorizationCode.objects.filter(code_hash=secret_hash(code)).first()
    now = timezone.now()
    if (
        grant is None
        or grant.used_at is not None
        or grant.expires_at <= now
        or grant.client_id != client_id
        or grant.redirect_uri != redirect_uri
        or not _pkce_matches(grant=grant, code_verifier=code_verifier)
    ):
        raise invalid
    # The conditional update makes the code single-use even under concurrent exchanges.
    if not AuthorizationCode.objects.filter(pk=grant.pk, used_at__isnull=True).update(used_at=now):
        raise invalid
    return token_issue(person=grant.person, client_id=client_id)


def token_refresh(*, client_id: str, refresh_token: str) -> dict:
    """Rotate: a new access and refresh token; the old refresh token stops working at once.

    The old access token keeps working until its own expiry (it is not revoked), as
    Doorkeeper's previous-refresh-token mode allows; a client must still switch to the new
    one straight away.
    """
    if not refresh_token:
        raise OAuthError("invalid_request", "Missing required parameter: refresh_token.")
    invalid = OAuthError(
        "invalid_grant", "The refresh token is invalid, expired, revoked or was already used."
    )
    row = AccessToken.objects.filter(refresh_token_hash=secret_hash(refresh_token)).first()
    if (
        row is None
        or row.revoked_at is not None
        or row.refresh_revoked_at is not None
        or row.client_id != client_id
    ):
        raise invalid
    # Of two refreshes racing with the same token, exactly one wins this update.
    if not AccessToken.objects.filter(pk=row.pk, refresh_revoked_at__isnull=True).update(
        refresh_revoked_at=timezone.now()
    ):
        raise invalid
    return token_issue(person=row.person, client_id=client_id)


def token_revoke(*, token: str) -> None:
    """Revoke the pair an access or refresh token belongs to; unknown tokens are ignored."""
    hashed = secret_hash(token)
    now = timezone.now()
    AccessToken.objects.filter(token_hash=hashed, revoked_at__isnull=True).update(
        revoked_at=now, refresh_revoked_at=now
    )
    AccessToken.objects.filter(refresh_token_hash=hashed, revoked_at__isnull=True).update(
        revoked_at=now, refresh_revoked_at=now
    )


def door_release_create(
    *,
    person: Person,
    tenant_id: int,
    access_point_id: int | None,
    device_id: int | None,
) -> DoorReleaseRequest:
    """Open one door for one of the person's tenancies and record it in the access log."""
    tenant = Tenant.objects.filter(id=tenant_id, person=person).first()
    if tenant is None:
        raise ApiError(404, "not_found", "Tenant not found.", field="tenant_id")
    door: AccessPoint | Device | None
    if access_point_id is not None:
        field, label = "access_point_id", "Access point"
        door = access_points_for_person(person=person).filter(id=access_point_id).first()
    else:
        field, label = "device_id", "Device"
        door = devices_for_person(person=person).filter(id=device_id).first()
    if door is None:
        raise ApiError(404, "not_found", f"{label} not found.", field=field)
    if door.building_id != tenant.building_id or (
        isinstance(door, Device) and door.unit_id not in (None, tenant.unit_id)
    ):
        raise ApiError(422, "invalid", f"{label} is not in the tenant's building.", field=field)
    now = timezone.now()
    return DoorReleaseRequest.objects.create(
        tenant=tenant,
        building_id=tenant.building_id,
        access_point_id=access_point_id,
        device_id=device_id,
        release_method="api",
        created_at=now,
        updated_at=now,
    )
