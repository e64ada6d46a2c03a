"""Writes of the sandbox ButterflyMX: OAuth grants and tokens, door releases and the access
log, visitor passes and the keypad that takes them, and intercom calls."""

import base64
import hashlib
import hmac
import itertools
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_time

from sandbox.butterflymx.errors import ApiError, OAuthError
from sandbox.butterflymx.models import (
    RING_TIMEOUT,
    AccessLog,
    AccessPoint,
    AccessToken,
    AccessTool,
    AuthorizationCode,
    Building,
    Call,
    Device,
    DoorReleaseRequest,
    Keychain,
    Person,
    Tenant,
    Unit,
    VirtualKey,
)
from sandbox.butterflymx.photos import photo_new
from sandbox.butterflymx.selectors import (
    INTERCOM_TYPES,
    access_points_for_person,
    devices_for_person,
    keychains_for_person,
    secret_hash,
    virtual_keys_for_person,
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


def _full_name(person: Person) -> str:
    return f"{person.first_name} {person.last_name}"


def _has_camera(access_point: AccessPoint | None) -> bool:
    if access_point is None:
        return False
    return any(device.type in INTERCOM_TYPES for device in access_point.devices.all())


def access_log_add(
    *,
    access_point: AccessPoint | None,
    building_id: int,
    now: datetime,
    release_method: str,
    release_type: str,
    name: str,
    tenant: Tenant,
    entry_method,
) -> AccessLog:
    """Log a door unlocked for someone; a door with an intercom camera keeps a photo."""
    return AccessLog.objects.create(
        building_id=building_id,
        logged_at=now,
        access_point=access_point,
        release_status=AccessLog.ReleaseStatus.UNLOCKED,
        name=name,
        release_type=release_type,
        unit_id=tenant.unit_id,
        tenant=tenant,
        entry_method=entry_method,
        release_method=release_method,
        photo=photo_new() if _has_camera(access_point) else "",
    )


def door_release_create(
    *,
    person: Person,
    tenant_id: int,
    access_point_id: int | None,
    device_id: int | None,
) -> DoorReleaseRequest:
    """Open one door for one of the person's tenancies and record it in the access log.

    A device opens every access point it serves, each logged; a device that serves none (a
    smart lock) is logged once, with no access point. Opening the door of the panel a call to
    this tenancy rings from answers that call.
    """
    tenant = Tenant.objects.filter(id=tenant_id, person=person).first()
    if tenant is None:
        raise ApiError(404, "not_found", "Tenant not found.", field="tenant_id")
    door: AccessPoint | Device | None
    if access_point_id is not None:
        field, label = "access_point_id", "Access point"
        # Usually a door of the tenancy's own building; only otherwise is it looked for among
        # all the person's doors, to tell another building's door (422) from a stranger's.
        door = (
            AccessPoint.objects.filter(id=access_point_id, building_id=tenant.building_id)
            .prefetch_related("devices")
            .first()
        ) or access_points_for_person(person=person).filter(id=access_point_id).first()
    else:
        field, label = "device_id", "Device"
        door = devices_for_person(person=person).filter(id=device_id).first()
    if door is None:
        raise ApiError(404, "not_found", f"{label} not found.", field=field)
    if door.building_id != tenant.building_id or (
        isinstance(door, Device) and door.unit_id not in (None, tenant.unit_id)
    ):
        raise ApiError(422, "invalid", f"{label} is not in the tenant's building.", field=field)
    if isinstance(door, AccessPoint):
        opened: list[AccessPoint | None] = [door]
        device_ids = {device.id for device in door.devices.all()}
    else:
        opened = list(door.access_points.prefetch_related("devices").order_by("id")) or [None]
        device_ids = {door.id}
    now = timezone.now()
    with transaction.atomic(using=DoorReleaseRequest.objects.db):
        release = DoorReleaseRequest.objects.create(
            tenant=tenant,
            building_id=tenant.building_id,
            access_point_id=access_point_id,
            device_id=device_id,
            release_method="api",
            created_at=now,
            updated_at=now,
        )
        for access_point in opened:
            access_log_add(
                access_point=access_point,
                building_id=tenant.building_id,
                now=now,
                release_method=AccessLog.ReleaseMethod.API,
                release_type=AccessLog.ReleaseType.TENANT,
                name=_full_name(person),
                tenant=tenant,
                entry_method="API",
            )
        calls_answer(tenant=tenant, device_ids=device_ids, now=now)
    return release


# Visitor passes: keychains and their virtual keys.

DELIVERY_PASS_LIFETIME = timedelta(days=30)
ONE_TIME_GRACE = timedelta(minutes=15)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PIN_ATTEMPTS = 50


def _blank(field: str) -> ApiError:
    return ApiError(422, "blank", f"{field} can't be blank.", field=field)


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid", message, field=field)


def _param_id(params: dict, name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31:
        return value
    raise _invalid(name, f"{name} is not a number.")


def _param_ids(params: dict, name: str) -> list[int]:
    value = params.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _invalid(name, f"{name} must be a list of ids.")
    ids = {_param_id({name: item}, name) for item in value}
    if None in ids:
        raise _invalid(name, f"{name} must be a list of ids.")
    return sorted(ids)


def _param_time(params: dict, name: str) -> datetime:
    value = params.get(name)
    if value in (None, ""):
        raise _blank(name)
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise _invalid(name, f"{name} is not a time.")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _param_date(params: dict, name: str) -> date:
    value = params.get(name)
    if value in (None, ""):
        raise _blank(name)
    try:
        parsed = parse_date(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise _invalid(name, f"{name} is not a date.")
    return parsed


def _param_clock(params: dict, name: str) -> time:
    value = params.get(name)
    if value in (None, ""):
        raise _blank(name)
    try:
        parsed = parse_time(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise _invalid(name, f"{name} is not a time of day (HH:MM).")
    return parsed


def _keychain_owner(*, person: Person, params: dict) -> Tenant:
    """The person's tenancy the pass belongs to, from tenant_id or else unit_id."""
    tenant_id = _param_id(params, "tenant_id")
    unit_id = _param_id(params, "unit_id")
    if tenant_id is None and unit_id is None:
        raise ApiError(
            422,
            "must_have_an_associated_unit_or_tenant",
            "A keychain must have an associated unit or tenant.",
            field="base",
        )
    tenants = Tenant.objects.filter(person=person).select_related("building")
    if tenant_id is not None:
        tenant = tenants.filter(id=tenant_id).first()
        if tenant is None:
            raise ApiError(404, "not_found", "Tenant not found.", field="tenant_id")
        if unit_id is not None and unit_id != tenant.unit_id:
            raise _invalid("unit_id", "The unit is not the tenant's unit.")
        return tenant
    tenant = tenants.filter(unit_id=unit_id).first()
    if tenant is None:
        raise ApiError(404, "not_found", "Unit not found.", field="unit_id")
    return tenant


def _keychain_doors(*, params: dict, tenant: Tenant) -> tuple[list[int], list[int]]:
    access_point_ids = _param_ids(params, "access_point_ids")
    device_ids = _param_ids(params, "device_ids")
    found = AccessPoint.objects.filter(id__in=access_point_ids, building_id=tenant.building_id)
    if found.count() != len(access_point_ids):
        raise _invalid("access_point_ids", "Some access points are not in the tenant's building.")
    devices = Device.objects.filter(id__in=device_ids, building_id=tenant.building_id).filter(
        Q(unit__isnull=True) | Q(unit_id=tenant.unit_id)
    )
    if devices.count() != len(device_ids):
        raise _invalid("device_ids", "Some devices are not in the tenant's building or unit.")
    return access_point_ids, device_ids


def _recipients(params: dict) -> list[str]:
    value = params.get("recipients")
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(item, str) and item.strip() for item in value
    ):
        raise _invalid("recipients", "recipients must be a list of emails or phone numbers.")
    return [item.strip() for item in value]


def _window_check(*, starts_at, ends_at, start_field: str, end_field: str) -> None:
    if starts_at >= ends_at:
        error = ApiError(
            422,
            "start_time_must_be_before_the_end_time",
            "The start time must be before the end time.",
            field=start_field,
        )
        # Two validations on the model, so both fields are reported, as Rails does.
        error.errors.append(
            {
                "field": end_field,
                "code": "end_time_must_be_after_the_start_time",
                "message": "The end time must be after the start time.",
            }
        )
        raise error


def _local_time(*, building: Building, day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=ZoneInfo(building.timezone))


def keychain_create(*, person: Person, type: str, params: dict) -> Keychain:
    """Create a visitor pass of one of the four types, with a key per recipient if any."""
    name = params.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _blank("name")
    tenant = _keychain_owner(person=person, params=params)
    building = tenant.building
    now = timezone.now()
    fields: dict = {}
    recipients = _recipients(params)
    if type == Keychain.Type.DELIVERY_PASS:
        if not building.delivery_pass_enabled:
            # ButterflyMX documents no 403: a refusal is a 422 in the errors envelope.
            raise ApiError(
                422,
                "delivery_pass_not_enabled",
                "Delivery passes are not enabled in this building.",
                field="base",
            )
        access_point_ids = list(
            AccessPoint.objects.filter(building=building).values_list("id", flat=True)
        )
        device_ids = []
        fields = {"starts_at": now, "ends_at": now + DELIVERY_PASS_LIFETIME}
        recipients = recipients[:1] or [""]
    else:
        access_point_ids, device_ids = _keychain_doors(params=params, tenant=tenant)
    if type in (Keychain.Type.CUSTOM, Keychain.Type.ONE_TIME):
        starts_at = _param_time(params, "starts_at")
        ends_at = _param_time(params, "ends_at")
        _window_check(
            starts_at=starts_at, ends_at=ends_at, start_field="starts_at", end_field="ends_at"
        )
        fields = {"starts_at": starts_at, "ends_at": ends_at}
    elif type == Keychain.Type.RECURRING:
        start_date = _param_date(params, "start_date")
        end_date = _param_date(params, "end_date")
        time_from = _param_clock(params, "time_from")
        time_to = _param_clock(params, "time_to")
        weekdays = params.get("weekdays")
        if not weekdays:
            raise _blank("weekdays")
        if not isinstance(weekdays, list) or not set(weekdays) <= set(WEEKDAYS):
            raise _invalid("weekdays", "weekdays must be a list of mon, tue, ... sun.")
        _window_check(
            starts_at=start_date,
            ends_at=end_date + timedelta(days=1),
            start_field="start_date",
            end_field="end_date",
        )
        if time_from >= time_to:
            raise ApiError(
                422, "must_be_less_than_time_to", "must be less than time_to", field="time_from"
            )
        fields = {
            "start_date": start_date,
            "end_date": end_date,
            "time_from": time_from,
            "time_to": time_to,
            "weekdays": [day for day in WEEKDAYS if day in weekdays],
            "starts_at": _local_time(building=building, day=start_date, clock=time_from),
            "ends_at": _local_time(building=building, day=end_date, clock=time_to),
        }
    with transaction.atomic(using=Keychain.objects.db):
        keychain = Keychain.objects.create(
            building=building,
            tenant=tenant,
            unit_id=tenant.unit_id,
            name=name.strip(),
            type=type,
            allow_unit_access=bool(params.get("allow_unit_access")),
            created_at=now,
            updated_at=now,
            **fields,
        )
        keychain.access_points.set(access_point_ids)
        keychain.devices.set(device_ids)
        for recipient in recipients:
            contact = {"email": recipient} if "@" in recipient else {"sms_number": recipient}
            _virtual_key_add(keychain=keychain, name="", pin_code=None, generate=True, **contact)
    return keychain


def keychain_delete(*, person: Person, keychain_id: int) -> None:
    """Delete a pass and with it every key on it."""
    deleted, _ = keychains_for_person(person=person).filter(id=keychain_id).delete()
    if not deleted:
        raise ApiError(404, "not_found", "Keychain not found.")


def pin_code_check(pin_code: str) -> None:
    """PINs are six digits, neither a run (123456, 654321) nor one digit repeated."""
    if len(pin_code) != 6:
        raise ApiError(422, "wrong_length", "PIN code must be 6 digits long.", field="pin_code")
    if not (pin_code.isascii() and pin_code.isdigit()):
        raise _invalid("pin_code", "PIN code must be digits only.")
    steps = {int(b) - int(a) for a, b in itertools.pairwise(pin_code)}
    if steps in ({0}, {1}, {-1}):
        raise ApiError(422, "low_entropy", "PIN code is too easy to guess.", field="pin_code")


def _pin_taken(*, building_id: int, pin_code: str) -> bool:
    return VirtualKey.objects.filter(keychain__building_id=building_id, pin_code=pin_code).exists()


def _pin_generate(*, building_id: int) -> str:
    for _ in range(_PIN_ATTEMPTS):
        pin_code = f"{secrets.randbelow(10**6):06d}"
        try:
            pin_code_check(pin_code)
        except ApiError:
            continue
        if not _pin_taken(building_id=building_id, pin_code=pin_code):
            return pin_code
    raise ApiError(422, "taken", "No free PIN code is left.", field="pin_code")


def _virtual_key_add(
    *,
    keychain: Keychain,
    name: str,
    pin_code: str | None,
    generate: bool,
    email: str = "",
    sms_number: str = "",
) -> VirtualKey:
    if generate:
        pin_code = _pin_generate(building_id=keychain.building_id)
    elif pin_code is not None:
        pin_code_check(pin_code)
        if _pin_taken(building_id=keychain.building_id, pin_code=pin_code):
            raise ApiError(422, "taken", "PIN code is already in use.", field="pin_code")
    now = timezone.now()
    return VirtualKey.objects.create(
        keychain=keychain,
        name=name,
        email=email,
        sms_number=sms_number,
        pin_code=pin_code,
        token=secrets.token_urlsafe(32),
        # ButterflyMX sends the visitor their key only when there is somewhere to send it.
        sent_at=now if email or sms_number else None,
        created_at=now,
        updated_at=now,
    )


def _param_text(params: dict, name: str) -> str:
    value = params.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _invalid(name, f"{name} must be text.")
    return value.strip()


def virtual_key_create(*, person: Person, params: dict) -> VirtualKey:
    """Add a key to one of the person's passes; an absent pin_code gets one generated, an
    explicit null makes a QR-only key."""
    keychain_id = _param_id(params, "keychain_id")
    if keychain_id is None:
        raise _blank("keychain_id")
    keychain = keychains_for_person(person=person).filter(id=keychain_id).first()
    if keychain is None:
        raise ApiError(404, "not_found", "Keychain not found.", field="keychain_id")
    if keychain.type == Keychain.Type.DELIVERY_PASS:
        raise _invalid("keychain_id", "A delivery pass has exactly one key.")
    pin_code = params.get("pin_code")
    if pin_code is not None and not isinstance(pin_code, str):
        pin_code = str(pin_code)
    return _virtual_key_add(
        keychain=keychain,
        name=_param_text(params, "name"),
        email=_param_text(params, "email"),
        sms_number=_param_text(params, "sms_number"),
        pin_code=pin_code,
        generate="pin_code" not in params,
    )


def virtual_key_delete(*, person: Person, virtual_key_id: int) -> None:
    deleted, _ = virtual_keys_for_person(person=person).filter(id=virtual_key_id).delete()
    if not deleted:
        raise ApiError(404, "not_found", "Virtual key not found.")


# The sandbox's keypad: a visitor at a door with a PIN or a QR code.


@dataclass(frozen=True)
class KeypadOutcome:
    opened: bool
    message: str
    log: AccessLog | None = None


def _keychain_opens(*, keychain: Keychain, access_point: AccessPoint) -> bool:
    if access_point.building_id != keychain.building_id:
        return False
    if keychain.type == Keychain.Type.DELIVERY_PASS:
        return True
    access_point_ids = {door.id for door in keychain.access_points.all()}
    device_ids = {device.id for device in keychain.devices.all()}
    # An empty door list is read as every door of the building (see UPSTREAMS.md).
    if not access_point_ids and not device_ids:
        return True
    if access_point.id in access_point_ids:
        return True
    return bool(device_ids & {device.id for device in access_point.devices.all()})


def _refusal(*, key: VirtualKey, now: datetime) -> str | None:
    """Why the key does not open at this moment, or None when it does."""
    keychain = key.keychain
    if keychain.type == Keychain.Type.RECURRING:
        local = now.astimezone(ZoneInfo(keychain.building.timezone))
        if local.date() < keychain.start_date:
            return "Not yet valid"
        if local.date() > keychain.end_date:
            return "This pass has ended"
        if WEEKDAYS[local.weekday()] not in keychain.weekdays:
            return "This pass isn't valid today"
        if not keychain.time_from <= local.time().replace(tzinfo=None) < keychain.time_to:
            return "This pass isn't valid at this time of day"
        return None
    if now < keychain.starts_at:
        return "Not yet valid"
    if now >= keychain.ends_at:
        return "This pass has ended"
    if (
        keychain.type == Keychain.Type.ONE_TIME
        and key.first_used_at is not None
        and now > key.first_used_at + ONE_TIME_GRACE
    ):
        return "This pass has already been used"
    return None


def _keypad_door(access_point_id: int) -> AccessPoint | None:
    return (
        AccessPoint.objects.select_related("building")
        .prefetch_related("devices")
        .filter(id=access_point_id)
        .first()
    )


def _access_tool_enter(*, tool: AccessTool, access_point: AccessPoint) -> KeypadOutcome:
    """A resident's own PIN or fob: it opens every door of their building."""
    tenant = tool.tenant
    if tenant.building_id != access_point.building_id:
        return KeypadOutcome(False, "This fob isn't known in this building")
    now = timezone.now()
    if tenant.inactive_after is not None and tenant.inactive_after <= now:
        return KeypadOutcome(False, "This resident has moved out")
    log = access_log_add(
        access_point=access_point,
        building_id=access_point.building_id,
        now=now,
        release_method=(
            AccessLog.ReleaseMethod.PIN_CODE
            if tool.kind == AccessTool.Kind.PIN
            else AccessLog.ReleaseMethod.FOB
        ),
        release_type=AccessLog.ReleaseType.TENANT,
        name=_full_name(tenant.person),
        tenant=tenant,
        entry_method={"access_tool": tool.id},
    )
    return KeypadOutcome(True, f"{access_point.name} is open", log)


def keypad_tap(*, access_point_id: int, access_tool_id: int | None) -> KeypadOutcome:
    """A resident holds their fob to a door's reader."""
    access_point = _keypad_door(access_point_id)
    if access_point is None:
        return KeypadOutcome(False, "Choose a door")
    tool = (
        AccessTool.objects.select_related("tenant__person")
        .filter(id=access_tool_id or 0, kind=AccessTool.Kind.FOB)
        .first()
    )
    if tool is None:
        return KeypadOutcome(False, "Choose a fob")
    return _access_tool_enter(tool=tool, access_point=access_point)


def keypad_enter(
    *, access_point_id: int, pin_code: str | None = None, token: str | None = None
) -> KeypadOutcome:
    """Someone at a door types a PIN or shows a QR code: open it and log it, or say why not.

    A PIN is first a visitor pass's, then a resident's own.
    """
    access_point = _keypad_door(access_point_id)
    if access_point is None:
        return KeypadOutcome(False, "Choose a door")
    keys = VirtualKey.objects.select_related("keychain__building", "keychain__tenant").filter(
        keychain__building_id=access_point.building_id
    )
    if token:
        key = keys.filter(token=token).first()
        wrong = "This QR code isn't a pass for this building"
    else:
        key = keys.filter(pin_code=pin_code).first() if pin_code else None
        wrong = "Wrong PIN"
    if key is None:
        tool = (
            AccessTool.objects.select_related("tenant__person")
            .filter(
                kind=AccessTool.Kind.PIN,
                pin_code=pin_code,
                tenant__building_id=access_point.building_id,
            )
            .first()
            if pin_code and not token
            else None
        )
        if tool is not None:
            return _access_tool_enter(tool=tool, access_point=access_point)
        return KeypadOutcome(False, wrong)
    keychain = key.keychain
    if not _keychain_opens(keychain=keychain, access_point=access_point):
        return KeypadOutcome(False, "This pass isn't valid at this door")
    now = timezone.now()
    reason = _refusal(key=key, now=now)
    if reason is not None:
        return KeypadOutcome(False, reason)
    delivery = keychain.type == Keychain.Type.DELIVERY_PASS
    with transaction.atomic(using=VirtualKey.objects.db):
        log = access_log_add(
            access_point=access_point,
            building_id=keychain.building_id,
            now=now,
            release_method=(
                AccessLog.ReleaseMethod.DELIVERY_PASS
                if delivery
                else AccessLog.ReleaseMethod.VISITOR_PASS
            ),
            release_type=(
                AccessLog.ReleaseType.DELIVERY if delivery else AccessLog.ReleaseType.VISITOR
            ),
            name=key.name or keychain.name,
            tenant=keychain.tenant,
            entry_method={"keychain": keychain.id} if token else "Visitor Pass (using PIN)",
        )
        VirtualKey.objects.filter(pk=key.pk).update(
            usage_count=F("usage_count") + 1,
            first_used_at=Coalesce("first_used_at", Value(now)),
            last_used_at=now,
            updated_at=now,
        )
    return KeypadOutcome(True, f"{access_point.name} is open", log)


# Intercom calls: a visitor rings a unit from a panel.


def calls_settle(*, now: datetime | None = None) -> None:
    """Give up on the calls that rang out. Every read and every event calls this first, so a
    call's stored status is right whenever anyone looks, with nothing running in between."""
    now = now or timezone.now()
    Call.objects.filter(status=Call.Status.INITIALIZING, logged_at__lte=now - RING_TIMEOUT).update(
        status=Call.Status.TIMEOUT_ONLINE_SIGNAL
    )


def calls_answer(*, tenant: Tenant, device_ids: set[int], now: datetime) -> None:
    """The called resident opened the door of the ringing panel: the calls are answered."""
    calls_settle(now=now)
    Call.objects.filter(
        recipient=tenant,
        status=Call.Status.INITIALIZING,
        device_id__in=device_ids,
        logged_at__lte=now,
    ).update(status=Call.Status.OPENED_DOOR)


def call_create(*, unit: Unit, device: Device | None = None, now: datetime | None = None) -> Call:
    """A visitor rings the unit from the panel (the building's first panel by default)."""
    now = now or timezone.now()
    calls_settle(now=now)
    panels = Device.objects.filter(building_id=unit.building_id, type__in=INTERCOM_TYPES)
    if device is None:
        device = panels.order_by("type", "id").first()
        if device is None:
            raise _invalid("device_id", "The building has no intercom panel.")
    elif not panels.filter(id=device.id).exists():
        raise _invalid("device_id", "The device is not an intercom panel of the unit's building.")
    recipient = (
        Tenant.objects.filter(unit=unit)
        .filter(Q(inactive_after__isnull=True) | Q(inactive_after__gt=now))
        .order_by("id")
        .first()
    )
    if recipient is None:
        raise _invalid("unit_id", "Nobody lives in this unit.")
    return Call.objects.create(
        building_id=unit.building_id,
        device=device,
        unit=unit,
        recipient=recipient,
        logged_at=now,
        notification_type="visitor",
        status=Call.Status.INITIALIZING,
        photo=photo_new(),
    )


def call_cancel(*, call_id: int, now: datetime | None = None) -> Call:
    """The visitor hangs up: a ringing call is canceled; an ended one stays as it ended."""
    now = now or timezone.now()
    calls_settle(now=now)
    call = Call.objects.select_related("device").filter(id=call_id).first()
    if call is None:
        raise ApiError(404, "not_found", "Call not found.")
    if not Call.objects.filter(pk=call.pk, status=Call.Status.INITIALIZING).update(
        status=Call.Status.CANCELED
    ):
        call.refresh_from_db()
        raise ApiError(
            409, "call_ended", f"The call has already ended: {call.status}.", field="status"
        )
    call.refresh_from_db()
    return call


# Newcomers: made-up residents created from the consent page, as many as people ask for.

NEWCOMER_FIRST_NAMES = ("Alex", "Jordan", "Casey", "Riley", "Morgan", "Avery", "Quinn", "Jamie")
NEWCOMER_LAST_NAMES = ("Newman", "Okafor", "Larsen", "Moreau", "Silva", "Haddad", "Tanaka")
NEWCOMER_EMAIL = "newcomer-{number}@sandbox.example"
# Newcomers' rows take ids far above the seeded ones, which the world may still add to.
NEWCOMER_FIRST_IDS = {Person: 900_001, Unit: 9_000_001, Tenant: 9_000_001, Device: 9_000_001}
# Each newcomer's unit numbers start at 101 (floor 1) and take the next one free.
NEWCOMER_FIRST_LABEL = 101


def _next_id(model) -> int:
    highest = model.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return max(highest + 1, NEWCOMER_FIRST_IDS[model])


def _unit_label_next(building_id: int) -> int:
    taken = set(Unit.objects.filter(building_id=building_id).values_list("label", flat=True))
    number = NEWCOMER_FIRST_LABEL
    while str(number) in taken:
        number += 1
    return number


def newcomer_create() -> Person:
    """A new made-up resident with a new unit (and its smart lock) in each of the demo
    buildings, Harbor Point and Elm Street Lofts: unique email newcomer-<n>@sandbox.example."""
    from sandbox.butterflymx.world import ELM_STREET, HARBOR_POINT

    attempts = 5
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic(using="sandbox"):
                return _newcomer_write(buildings=(HARBOR_POINT, ELM_STREET))
        except IntegrityError:
            # Two newcomers at once took the same number or id: the later one tries again.
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


def _newcomer_write(*, buildings: tuple[int, ...]) -> Person:
    number = Person.objects.filter(email__startswith="newcomer-").count() + 1
    while Person.objects.filter(email=NEWCOMER_EMAIL.format(number=number)).exists():
        number += 1
    first = NEWCOMER_FIRST_NAMES[(number - 1) % len(NEWCOMER_FIRST_NAMES)]
    last = NEWCOMER_LAST_NAMES[(number - 1) // len(NEWCOMER_FIRST_NAMES) % len(NEWCOMER_LAST_NAMES)]
    person = Person.objects.create(
        id=_next_id(Person),
        first_name=first,
        last_name=last,
        email=NEWCOMER_EMAIL.format(number=number),
    )
    now = timezone.now()
    stamps = {"created_at": now, "updated_at": now}
    for building_id in buildings:
        label = _unit_label_next(building_id)
        unit = Unit.objects.create(
            id=_next_id(Unit),
            building_id=building_id,
            label=str(label),
            floor=str(label // 100),
            **stamps,
        )
        Device.objects.create(
            id=_next_id(Device),
            building_id=building_id,
            unit=unit,
            name=f"Unit {label} smart lock",
            type=Device.Type.SMART_LOCK,
            **stamps,
        )
        Tenant.objects.create(
            id=_next_id(Tenant), person=person, building_id=building_id, unit=unit, **stamps
        )
    return person
