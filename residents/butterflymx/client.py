"""The ButterflyMX API client: every call the app makes to ButterflyMX goes through here.

Hosts, client credentials and timeouts come from settings at call time. One pooled
``requests.Session`` serves the whole process; the resident's access token travels only in
the Authorization header and never reaches a log line, an exception or a repr.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from http.cookiejar import DefaultCookiePolicy
from typing import TypeVar
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3 import exceptions as urllib3_exceptions
from urllib3.exceptions import ConnectTimeoutError, InvalidHeader, ReadTimeoutError
from urllib3.util import Retry

from config import http
from residents.butterflymx.errors import (
    BadResponse,
    ButterflyMXError,
    FieldError,
    Forbidden,
    InvalidGrant,
    NotFound,
    OAuthError,
    RateLimited,
    Unauthorized,
    Unavailable,
    Unreachable,
    UpstreamTimeout,
    ValidationFailed,
)
from residents.butterflymx.types import (
    WEEKDAYS,
    AccessLogEntry,
    AccessPoint,
    Address,
    Building,
    BuildingCapabilities,
    Call,
    Device,
    DoorKind,
    DoorRelease,
    EntryMethod,
    EntryMethodKind,
    Keychain,
    KeychainType,
    Page,
    Tenant,
    TokenInfo,
    TokenSet,
    Unit,
    VirtualKey,
)

__all__ = [
    "AccessLogEntry",
    "AccessPoint",
    "Address",
    "BadResponse",
    "Building",
    "BuildingCapabilities",
    "ButterflyMXClient",
    "ButterflyMXError",
    "Call",
    "Device",
    "DoorKind",
    "DoorRelease",
    "EntryMethod",
    "EntryMethodKind",
    "FieldError",
    "Forbidden",
    "InvalidGrant",
    "Keychain",
    "KeychainType",
    "NotFound",
    "OAuthError",
    "Page",
    "Photo",
    "RateLimited",
    "Tenant",
    "TokenInfo",
    "TokenSet",
    "Unauthorized",
    "Unavailable",
    "Unit",
    "Unreachable",
    "UpstreamTimeout",
    "ValidationFailed",
    "VirtualKey",
    "photo_fetch",
    "token_info",
    "token_refresh",
    "token_revoke",
]

logger = logging.getLogger(__name__)

_Shape = TypeVar("_Shape", dict, list)
_Item = TypeVar("_Item")
ONE_SECOND = timedelta(seconds=1)

PAGE_SIZE = 100
# A safety net against an upstream whose next_page never ends, not an expected size.
MAX_PAGES = 50
# Retries of a GET after the first attempt; a door release or token call gets none.
MAX_RETRIES = 2
BACKOFF_SECONDS = 0.25
# Waiting longer than this inside a web request is worse than failing now.
MAX_WAIT_SECONDS = 2.0
RETRY_STATUSES = frozenset({429, 502, 503, 504})
_DETAIL_LENGTH = 200


class _Retry(Retry):
    """urllib3's retries, for GETs only: a release, token call, create or delete is sent
    exactly once (ButterflyMX has no idempotency key, and a delete that timed out may have
    happened, so its outcome is the caller's to check), a read that timed out is not sent
    again (the page has waited long enough), and a Retry-After longer than a page can wait
    gives up at once."""

    def increment(self, method=None, url=None, response=None, error=None, *args, **kwargs):
        retry: Retry = self
        if isinstance(error, ReadTimeoutError) or not self._is_method_retryable(method or ""):
            retry = Retry(0, read=False)
        elif response is not None and (self.get_retry_after(response) or 0) > MAX_WAIT_SECONDS:
            retry = Retry(0)
        return Retry.increment(retry, method, url, response, error, *args, **kwargs)


def _session_build() -> requests.Session:
    session = http.Session()
    # Cookies from one resident's call must never ride along on another's.
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    session.headers.update({"Accept": "application/json", "User-Agent": "Foyer"})
    retry = _Retry(
        total=MAX_RETRIES,
        allowed_methods={"GET"},
        status_forcelist=RETRY_STATUSES,
        backoff_factor=BACKOFF_SECONDS,
        backoff_jitter=BACKOFF_SECONDS,
        backoff_max=MAX_WAIT_SECONDS,
        raise_on_status=False,
    )
    # Several threads share the session (doors are fetched concurrently): a connection each.
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


_session = _session_build()


def _timeouts(read: float | None = None) -> tuple[float, float]:
    return (settings.BUTTERFLYMX_CONNECT_TIMEOUT, read or settings.BUTTERFLYMX_READ_TIMEOUT)


def _scrub(text: str, secrets: tuple[str | None, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text


def _retry_after(response: requests.Response) -> float | None:
    value = (response.headers.get("Retry-After") or "").strip()
    try:
        return Retry(0).parse_retry_after(value) if value else None
    except InvalidHeader:
        return None


def _body(response: requests.Response):
    try:
        return response.json()
    except ValueError:
        return None


def _field_errors(body) -> tuple[FieldError, ...]:
    """Read ``{"errors": [{field, code, message}]}``, including the 401 form with ``messages``."""
    if not isinstance(body, dict):
        return ()
    entries = body.get("errors")
    if not isinstance(entries, list):
        messages = body.get("messages")
        entries = messages if isinstance(messages, list) else []
    errors = []
    for entry in entries:
        if isinstance(entry, str):
            errors.append(FieldError(field=None, code=None, message=entry))
            continue
        if not isinstance(entry, dict):
            continue
        message = entry.get("message", entry.get("messages"))
        if isinstance(message, list):
            message = "; ".join(str(part) for part in message)
        errors.append(
            FieldError(
                field=entry.get("field") if isinstance(entry.get("field"), str) else None,
                code=entry.get("code") if isinstance(entry.get("code"), str) else None,
                message=message if isinstance(message, str) else None,
            )
        )
    return tuple(errors)


def _error_code_and_detail(body, errors: tuple[FieldError, ...]) -> tuple[str | None, str]:
    if errors:
        code = next((error.code for error in errors if error.code), None)
        # "base" is ButterflyMX's word for the request as a whole, not a field to name.
        details = [
            f"{error.field} {error.message}" if error.field not in (None, "base") else error.message
            for error in errors
            if error.message
        ]
        return code, "; ".join(details)
    if isinstance(body, dict):
        code = body.get("error") if isinstance(body.get("error"), str) else None
        detail = body.get("error_description", body.get("message"))
        return code, detail if isinstance(detail, str) else ""
    return None, ""


def _message(status: int, detail: str, secrets: tuple[str | None, ...]) -> str:
    message = f"ButterflyMX answered {status}"
    detail = _scrub(" ".join(detail.split()), secrets)[:_DETAIL_LENGTH]
    return f"{message}: {detail}" if detail else f"{message}."


def _api_error(response: requests.Response, secrets: tuple[str | None, ...]) -> ButterflyMXError:
    status = response.status_code
    body = _body(response)
    errors = _field_errors(body)
    code, detail = _error_code_and_detail(body, errors)
    message = _message(status, detail, secrets)
    if status == 401:
        return Unauthorized(message, status=status, code=code)
    if status == 403:
        return Forbidden(message, status=status, code=code)
    if status == 404:
        return NotFound(message, status=status, code=code)
    if status in (400, 422):
        return ValidationFailed(message, status=status, code=code, errors=errors)
    if status == 429:
        return RateLimited(message, status=status, code=code, retry_after=_retry_after(response))
    if status >= 500:
        return Unavailable(message, status=status, code=code)
    if 300 <= status < 400:
        return BadResponse(f"ButterflyMX answered with a redirect ({status}).", status=status)
    return ButterflyMXError(message, status=status, code=code)


def _oauth_error(
    response: requests.Response, secrets: tuple[str | None, ...], *, refresh: bool
) -> ButterflyMXError:
    status = response.status_code
    if status == 429 or status >= 500 or 300 <= status < 400:
        return _api_error(response, secrets)
    body = _body(response)
    code, detail = _error_code_and_detail(body, _field_errors(body))
    message = _message(status, detail, secrets)
    if code == "invalid_grant" or (refresh and code is None and status in (400, 401)):
        return InvalidGrant(message, status=status, code=code)
    return OAuthError(message, status=status, code=code)


def _send(
    method: str,
    url: str,
    *,
    read_timeout: float | None = None,
    path: str | None = None,
    **kwargs,
) -> requests.Response:
    """Send one request (GETs retried by the session); return any response that arrived
    (the caller maps error statuses) or raise for a transport failure. ``path`` is what the
    log says instead of the URL's own path."""
    path = path or urlsplit(url).path
    started = time.monotonic()
    try:
        response = _session.request(
            method, url, timeout=_timeouts(read_timeout), allow_redirects=False, **kwargs
        )
    except requests.RequestException as exc:
        error = _transport_error(exc)
        logger.info(
            "ButterflyMX %s %s failed after %.0f ms: %s",
            method,
            path,
            (time.monotonic() - started) * 1000,
            type(error).__name__,
        )
        raise error from exc
    # A door release or token call is always worth a line; a routine read only in debug.
    quiet = method == "GET" and response.status_code < 400
    logger.log(
        logging.DEBUG if quiet else logging.INFO,
        "ButterflyMX %s %s -> %s in %.0f ms",
        method,
        path,
        response.status_code,
        (time.monotonic() - started) * 1000,
    )
    return response


def _transport_error(exc: requests.RequestException) -> ButterflyMXError:
    read_timed_out = isinstance(exc, requests.ReadTimeout) or (
        isinstance(exc, requests.ConnectionError)
        and bool(exc.args)
        and isinstance(exc.args[0], ReadTimeoutError)
    )
    if read_timed_out:
        return UpstreamTimeout()
    cause = exc.args[0] if exc.args else None
    if isinstance(exc, requests.ConnectTimeout) or isinstance(
        getattr(cause, "reason", None), ConnectTimeoutError
    ):
        # Refused, unresolvable or timed out while connecting (urllib3's NewConnectionError
        # is a ConnectTimeoutError): nothing reached ButterflyMX.
        return Unreachable("ButterflyMX could not be reached.")
    if isinstance(
        exc,
        requests.ConnectionError
        | requests.exceptions.ChunkedEncodingError
        | requests.exceptions.ContentDecodingError,
    ):
        return Unavailable("ButterflyMX could not be reached or dropped the connection.")
    return ButterflyMXError(f"The ButterflyMX request could not be sent ({type(exc).__name__}).")


def _json_object(response: requests.Response) -> dict:
    body = _body(response)
    if not isinstance(body, dict):
        raise BadResponse(
            f"ButterflyMX answered {response.status_code} without a JSON object.",
            status=response.status_code,
        )
    return body


def _data(body: dict, kind: type[_Shape]) -> _Shape:
    data = body.get("data")
    if not isinstance(data, kind):
        raise BadResponse("ButterflyMX's response has no data of the expected shape.")
    return data


class ButterflyMXClient:
    """Calls the ButterflyMX API on behalf of one resident, with their access token."""

    def __init__(self, access_token: str):
        if not access_token:
            raise ValueError("An access token is required.")
        self._access_token = access_token

    def __repr__(self) -> str:
        return "ButterflyMXClient()"

    def tenants(self) -> list[Tenant]:
        """The signed-in resident's own tenancies."""
        return self._list("/v4/tenants", {"scope": "self"}, Tenant.from_data)

    def buildings(self) -> list[Building]:
        return self._list("/v4/buildings", {}, Building.from_data)

    def building(self, building_id: int) -> Building:
        building_id = int(building_id)
        building = Building.from_data(_data(self._get(f"/v4/buildings/{building_id}"), dict))
        if building.id != building_id:
            raise BadResponse("ButterflyMX answered with a different building.")
        return building

    def access_points(self, building_id: int) -> list[AccessPoint]:
        items = self._list(
            "/v4/access_points", {"q[building_id_eq]": int(building_id)}, AccessPoint.from_data
        )
        return _in_building(items, building_id, "access points")

    def devices(self, building_id: int) -> list[Device]:
        items = self._list("/v4/devices", {"q[building_id_eq]": int(building_id)}, Device.from_data)
        return _in_building(items, building_id, "devices")

    def door_release(self, *, tenant_id: int, kind: DoorKind, door_id: int) -> DoorRelease:
        """Open a door, once. Never retried: a release is not idempotent, so a timeout
        raises :class:`UpstreamTimeout` (outcome unknown) rather than trying again."""
        request = {f"{DoorKind(kind)}_id": int(door_id), "tenant_id": int(tenant_id)}
        response = self._call(
            "POST",
            "/v4/door_release_requests",
            json={"door_release_request": request},
            read_timeout=settings.BUTTERFLYMX_RELEASE_READ_TIMEOUT,
        )
        return DoorRelease.from_data(_data(response, dict))

    def access_log_page(
        self, building_id: int, *, page: int = 1, per: int = 25, until: datetime | None = None
    ) -> Page[AccessLogEntry]:
        """One page of the building's access log, newest first, logged at or before
        ``until`` (aware); a resident's token sees only their own unit's entries and the
        building's schedule events."""
        params = _until(until)
        body = self._get(
            f"/v4/buildings/{int(building_id)}/access_logs", {**params, "page": page, "per": per}
        )
        entries = _page(body, page, AccessLogEntry.from_data)
        # An unparseable filter is ignored upstream: check the times here.
        kept = tuple(entry for entry in entries.items if _at_or_before(entry.logged_at, until))
        return Page(items=kept, next_page=entries.next_page)

    def access_log(self, building_id: int, entry_id: int) -> AccessLogEntry:
        body = self._get(f"/v4/buildings/{int(building_id)}/access_logs/{int(entry_id)}")
        return AccessLogEntry.from_data(_data(body, dict))

    def calls_page(
        self, building_id: int, *, page: int = 1, per: int = 25, until: datetime | None = None
    ) -> Page[Call]:
        """One page of the intercom calls to the resident's unit, newest first, logged at or
        before ``until`` (aware)."""
        params = _until(until)
        body = self._get(
            f"/v4/buildings/{int(building_id)}/calls", {**params, "page": page, "per": per}
        )
        calls = _page(body, page, Call.from_data)
        kept = [call for call in calls.items if _at_or_before(call.logged_at, until)]
        return Page(
            items=tuple(_in_building(kept, building_id, "calls", optional=True)),
            next_page=calls.next_page,
        )

    def call(self, building_id: int, call_id: int) -> Call:
        body = self._get(f"/v4/buildings/{int(building_id)}/calls/{int(call_id)}")
        found = Call.from_data(_data(body, dict))
        if found.building_id not in (None, building_id):
            raise NotFound("ButterflyMX has no such call in this building.", status=404)
        return found

    def keychains(
        self, tenant_id: int, *, name: str | None = None, ends_at_gteq: datetime | None = None
    ) -> list[Keychain]:
        """A tenant's visitor passes, every page, optionally only those named ``name`` or
        ending at or after ``ends_at_gteq`` (aware). A recurring pass may have no ``ends_at``:
        such a pass is kept here, but ButterflyMX's own filter may already have left it out.
        Passes of other tenants, and those naming no tenant (made for a unit), are left out."""
        tenant_id = int(tenant_id)
        params: dict = {"q[tenant_id_eq]": tenant_id}
        if name is not None:
            params["q[name_eq]"] = name
        if ends_at_gteq is not None:
            params["q[ends_at_gteq]"] = _ransack_datetime(ends_at_gteq, "ends_at_gteq")
        items = self._list("/v4/keychains", params, Keychain.from_data)
        kept = [item for item in items if item.tenant_id == tenant_id]
        if len(kept) != len(items):
            logger.warning(
                "ButterflyMX returned %d keychains of other tenants than %s; dropped them",
                len(items) - len(kept),
                tenant_id,
            )
        return [
            keychain
            for keychain in kept
            if (name is None or keychain.name == name)
            and (ends_at_gteq is None or _ends_at_or_after(keychain, ends_at_gteq))
        ]

    def keychain(self, keychain_id: int) -> Keychain:
        keychain_id = int(keychain_id)
        keychain = Keychain.from_data(_data(self._get(f"/v4/keychains/{keychain_id}"), dict))
        if keychain.id != keychain_id:
            raise BadResponse("ButterflyMX answered with a different keychain.")
        return keychain

    def keychain_create_custom(
        self,
        tenant_id: int,
        *,
        name: str,
        starts_at: datetime,
        ends_at: datetime,
        access_point_ids: Iterable[int],
        device_ids: Iterable[int],
    ) -> Keychain:
        """A visitor pass open from ``starts_at`` to ``ends_at`` (aware), with no keys yet."""
        return self._keychain_create(
            "custom",
            tenant_id,
            name,
            _window(starts_at, ends_at, access_point_ids, device_ids),
        )

    def keychain_create_one_time(
        self,
        tenant_id: int,
        *,
        name: str,
        starts_at: datetime,
        ends_at: datetime,
        access_point_ids: Iterable[int],
        device_ids: Iterable[int],
    ) -> Keychain:
        """A visitor pass usable once between ``starts_at`` and ``ends_at`` (aware); ButterflyMX
        keeps it open 15 minutes after its first use."""
        return self._keychain_create(
            "one_time",
            tenant_id,
            name,
            _window(starts_at, ends_at, access_point_ids, device_ids),
        )

    def keychain_create_recurring(
        self,
        tenant_id: int,
        *,
        name: str,
        start_date: date,
        end_date: date,
        time_from: time_of_day,
        time_to: time_of_day,
        weekdays: Iterable[str],
        access_point_ids: Iterable[int],
        device_ids: Iterable[int],
    ) -> Keychain:
        """A visitor pass open from ``time_from`` to ``time_to`` on ``weekdays`` ("mon".."sun")
        between two dates. The times are naive: ButterflyMX probably reads them in the
        building's local time (its spec's example), though one source says UTC."""
        days = tuple(weekdays)
        if not days or any(day not in WEEKDAYS for day in days):
            raise ValueError(f"weekdays must be some of {', '.join(WEEKDAYS)}.")
        return self._keychain_create(
            "recurring",
            tenant_id,
            name,
            {
                "start_date": start_date.isoformat(),
                "end_date": end_date.isoformat(),
                "time_from": time_from.strftime("%H:%M"),
                "time_to": time_to.strftime("%H:%M"),
                "weekdays": [day for day in WEEKDAYS if day in days],
                **_doors(access_point_ids, device_ids),
            },
        )

    def keychain_create_delivery_pass(self, tenant_id: int, name: str) -> Keychain:
        """A delivery pass: ButterflyMX opens it now, for 30 days, on every door, with
        exactly one key. Its documented body is only the name and the tenant."""
        return self._keychain_create("delivery_pass", tenant_id, name, {})

    def keychain_delete(self, keychain_id: int) -> None:
        """Delete a visitor pass and revoke every key on it. Never retried: after an
        :class:`UpstreamTimeout` the pass may or may not be gone; read it again to know."""
        self._call("DELETE", f"/v4/keychains/{int(keychain_id)}")

    def virtual_key_create(
        self,
        keychain_id: int,
        *,
        name: str | None = None,
        email: str | None = None,
        sms_number: str | None = None,
        pin_code: str | None = None,
    ) -> VirtualKey:
        """Add a key to a visitor pass. ButterflyMX emails or texts the visitor only when
        ``email`` or ``sms_number`` is given; without ``pin_code`` it picks one (or none, for
        a QR-only key). Never retried; if this fails, the caller deletes an empty pass."""
        request: dict = {"keychain_id": int(keychain_id)}
        optional = {"name": name, "email": email, "sms_number": sms_number, "pin_code": pin_code}
        # A blank form field means "not given", not an empty name or PIN.
        request.update({key: value for key, value in optional.items() if value})
        response = self._call("POST", "/v4/virtual_keys", json=request, secrets=(pin_code,))
        return VirtualKey.from_data(_data(response, dict))

    def virtual_keys(self, keychain_id: int) -> list[VirtualKey]:
        """The keys on a visitor pass, every page, with their PINs and links: show them,
        never store them."""
        keychain_id = int(keychain_id)
        items = self._list(
            "/v4/virtual_keys", {"q[keychain_id_eq]": keychain_id}, VirtualKey.from_data
        )
        kept = [item for item in items if item.keychain_id == keychain_id]
        if len(kept) != len(items):
            logger.warning(
                "ButterflyMX returned %d virtual keys of other keychains than %s; dropped them",
                len(items) - len(kept),
                keychain_id,
            )
        return kept

    def virtual_key_delete(self, key_id: int) -> None:
        """Revoke one key. Never retried, like :meth:`keychain_delete`."""
        self._call("DELETE", f"/v4/virtual_keys/{int(key_id)}")

    def building_capabilities(self, building_id: int) -> BuildingCapabilities:
        body = self._get(f"/v4/buildings/{int(building_id)}/capabilities")
        return BuildingCapabilities.from_data(_data(body, dict))

    def integration_create(self, tenant_id: int, *, url: str, resource_type: str) -> int:
        """Ask ButterflyMX to POST to ``url`` whenever a ``resource_type`` (e.g. a call) is
        created for the tenant; returns the integration's id. The URL holds a secret: it is
        scrubbed from any error text. Sent once, like every create."""
        binding = {"actions": ["create"], "resource_type": resource_type, "resource_id": None}
        request = {
            "data": {
                "type": "integrations",
                "attributes": {
                    "integrator": "webhook",
                    "configuration": {"url": url, "method": "post"},
                    "bindings": [binding],
                },
            }
        }
        body = self._call(
            "POST", f"/v4/tenants/{int(tenant_id)}/integrations", json=request, secrets=(url,)
        )
        integration_id = _data(body, dict).get("id")
        try:
            return int(integration_id)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise BadResponse("ButterflyMX's new integration has no id.") from None

    def integration_delete(self, tenant_id: int, integration_id: int) -> None:
        """Remove a webhook integration. Never retried; a 404 means it is gone already."""
        self._call("DELETE", f"/v4/tenants/{int(tenant_id)}/integrations/{int(integration_id)}")

    def call_handled(self, *, call_guid: str, panel_id: int) -> None:
        """Tell the panel that rings ``call_guid`` that the call was handled, so that it stops
        ringing (ButterflyMX's undocumented v3 call; the ids are the webhook delivery's). Never
        retried; the guid is scrubbed from any error text."""
        request = {
            "data": {
                "type": "notifications",
                "attributes": {"call_guid": str(call_guid), "panel_id": int(panel_id)},
            }
        }
        self._call(
            "POST",
            "/v3/notifications/open_door",
            json=request,
            secrets=(call_guid,),
            read_timeout=settings.BUTTERFLYMX_RELEASE_READ_TIMEOUT,
        )

    def _keychain_create(self, kind: str, tenant_id: int, name: str, fields: dict) -> Keychain:
        """Create a visitor pass of ``kind``, sent once: with no idempotency key upstream, a
        create that timed out may have happened, so the caller lists by name before trying
        again."""
        if not name or not name.strip():
            raise ValueError("A visitor pass needs a name.")
        request = {"name": name, "tenant_id": int(tenant_id), **fields}
        response = self._call("POST", f"/v4/keychains/{kind}", json={"keychain": request})
        return Keychain.from_data(_data(response, dict))

    def _get(self, path: str, params: dict | None = None) -> dict:
        return self._call("GET", path, params=params)

    def _call(
        self, method: str, path: str, *, secrets: tuple[str | None, ...] = (), **kwargs
    ) -> dict:
        """Send one call; ``secrets`` (beyond the token) are scrubbed from any error text.
        A 204, or a delete's empty answer, is an empty dict."""
        response = _send(
            method,
            settings.BUTTERFLYMX_API_URL.rstrip("/") + path,
            headers={"Authorization": f"Bearer {self._access_token}"},
            **kwargs,
        )
        if not 200 <= response.status_code < 300:
            raise _api_error(response, (self._access_token, *secrets))
        if response.status_code == 204 or (method == "DELETE" and not response.content):
            return {}
        return _json_object(response)

    def _list(self, path: str, params: dict, parse: Callable[[dict], _Item]) -> list[_Item]:
        """Every page of a list, following ``page_info.next_page`` to the end."""
        items: list[_Item] = []
        page = 1
        for _ in range(MAX_PAGES):
            body = self._get(path, {**params, "page": page, "per": PAGE_SIZE})
            found = _page(body, page, parse)
            items.extend(found.items)
            if found.next_page is None:
                return items
            page = found.next_page
        logger.warning(
            "ButterflyMX GET %s has more than %d pages; using the first %d items",
            path,
            MAX_PAGES,
            len(items),
        )
        return items


def _page(body: dict, current: int, parse: Callable[[dict], _Item]) -> Page[_Item]:
    """A list answer's items, parsed, and the number of the page after it."""
    items = []
    for item in _data(body, list):
        if not isinstance(item, dict):
            raise BadResponse("ButterflyMX's list holds an item that is not an object.")
        items.append(parse(item))
    page_info = body.get("page_info")
    next_page = page_info.get("next_page") if isinstance(page_info, dict) else None
    return Page(
        items=tuple(items),
        next_page=None if next_page is None else _next_page(next_page, current),
    )


def _until(until: datetime | None) -> dict:
    return {} if until is None else {"q[logged_at_lteq]": _ransack_datetime(until, "until")}


def _at_or_before(moment: datetime | None, until: datetime | None) -> bool:
    # Ransack compares whole seconds: an entry within the second of ``until`` is in.
    return until is None or moment is None or moment < until.replace(microsecond=0) + ONE_SECOND


def _ends_at_or_after(keychain: Keychain, moment: datetime) -> bool:
    return keychain.ends_at is None or keychain.ends_at >= moment


def _rfc3339(value: datetime, what: str) -> str:
    if value.tzinfo is None:
        raise ValueError(f"{what} must be timezone-aware.")
    return value.isoformat(timespec="seconds")


def _ransack_datetime(value: datetime, what: str) -> str:
    if value.tzinfo is None:
        raise ValueError(f"{what} must be timezone-aware.")
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _window(
    starts_at: datetime,
    ends_at: datetime,
    access_point_ids: Iterable[int],
    device_ids: Iterable[int],
) -> dict:
    """The body of a pass open from one moment to another, through some doors."""
    return {
        "starts_at": _rfc3339(starts_at, "starts_at"),
        "ends_at": _rfc3339(ends_at, "ends_at"),
        **_doors(access_point_ids, device_ids),
    }


def _doors(access_point_ids: Iterable[int], device_ids: Iterable[int]) -> dict:
    """Both door lists, always sent: ButterflyMX may read an empty or missing list as every
    door, so a pass must name at least one."""
    doors = {
        "access_point_ids": [int(door_id) for door_id in access_point_ids],
        "device_ids": [int(door_id) for door_id in device_ids],
    }
    if not doors["access_point_ids"] and not doors["device_ids"]:
        raise ValueError("A visitor pass must name at least one access point or device.")
    return doors


def _next_page(value, current: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadResponse("ButterflyMX's page_info has an unreadable next_page.")
    try:
        next_page = int(value)
    except ValueError:
        raise BadResponse("ButterflyMX's page_info has an unreadable next_page.") from None
    if next_page <= current:
        raise BadResponse("ButterflyMX's page_info does not move forward.")
    return next_page


def _in_building(items: list, building_id: int, what: str, *, optional: bool = False) -> list:
    """Drop items of other buildings: ButterflyMX ignores a filter it cannot parse and
    answers with the unfiltered list."""
    kept = [
        item
        for item in items
        if item.building_id == building_id or (optional and item.building_id is None)
    ]
    if len(kept) != len(items):
        logger.warning(
            "ButterflyMX returned %d %s outside building %s; dropped them",
            len(items) - len(kept),
            what,
            building_id,
        )
    return kept


def _accounts_url(path: str) -> str:
    return settings.BUTTERFLYMX_ACCOUNTS_URL.rstrip("/") + path


def _client_credentials() -> dict:
    return {
        "client_id": settings.BUTTERFLYMX_CLIENT_ID,
        "client_secret": settings.BUTTERFLYMX_CLIENT_SECRET,
    }


def token_refresh(*, refresh_token: str) -> TokenSet:
    """Trade a refresh token for a new pair. ButterflyMX rotates refresh tokens, so the
    session never retries this (residents.tokens decides when the same token may be sent
    again) and the caller must store both new tokens; :class:`InvalidGrant` means the
    resident must reconnect."""
    secrets = (refresh_token, settings.BUTTERFLYMX_CLIENT_SECRET)
    response = _send(
        "POST",
        _accounts_url("/oauth/token"),
        read_timeout=settings.BUTTERFLYMX_TOKEN_READ_TIMEOUT,
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            **_client_credentials(),
        },
    )
    if response.status_code != 200:
        raise _oauth_error(response, secrets, refresh=True)
    return TokenSet.from_data(_json_object(response))


def token_revoke(*, token: str) -> None:
    """Revoke an access or refresh token (on disconnect; callers tolerate failure)."""
    secrets = (token, settings.BUTTERFLYMX_CLIENT_SECRET)
    response = _send(
        "POST",
        _accounts_url("/oauth/revoke"),
        data={"token": token, **_client_credentials()},
    )
    if not 200 <= response.status_code < 300:
        raise _oauth_error(response, secrets, refresh=False)


# An intercom photo is a camera still: a few hundred kilobytes at most.
MAX_PHOTO_BYTES = 5 * 1024 * 1024
# Only raster images: an SVG served from Foyer's own origin could carry a script.
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


@dataclass(frozen=True)
class Photo:
    content: bytes
    content_type: str


def photo_fetch(url: str) -> Photo:
    """An intercom photo from its ``image_url``: ButterflyMX serves them at public, unsigned
    addresses, so it is fetched without the resident's token, and only a raster image of a
    sensible size is taken. The address, which lets anyone see the photo, is never logged."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError("A photo is fetched over HTTP(S) only.")
    response = _send(
        "GET", url, path="(intercom photo)", headers={"Accept": "image/*"}, stream=True
    )
    with response:
        if response.status_code >= 400:
            raise _api_error(response, (url,))
        content_type = response.headers.get("Content-Type", "").partition(";")[0].strip().lower()
        if response.status_code != 200 or content_type not in PHOTO_TYPES:
            raise BadResponse("ButterflyMX's photo address did not answer with an image.")
        try:
            content = response.raw.read(MAX_PHOTO_BYTES + 1, decode_content=True)
        except (urllib3_exceptions.HTTPError, OSError) as exc:
            raise Unavailable("The photo could not be read.") from exc
    if len(content) > MAX_PHOTO_BYTES:
        raise BadResponse("ButterflyMX's photo is too large to show.")
    return Photo(content=content, content_type=content_type)


def token_info(*, access_token: str) -> TokenInfo:
    """Who the access token belongs to: ``resource_owner_id`` is the ButterflyMX user id."""
    secrets = (access_token,)
    response = _send(
        "GET",
        _accounts_url("/oauth/token/info"),
        headers={"Authorization": f"Bearer {access_token}"},
    )
    if response.status_code != 200:
        raise _api_error(response, secrets)
    return TokenInfo.from_data(_json_object(response))
