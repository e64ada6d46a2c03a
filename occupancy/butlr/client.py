"""The Butlr HTTP client: a shared client-credentials token, retries and typed errors."""

from __future__ import annotations

import logging
import random
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache
from requests.adapters import HTTPAdapter

from occupancy.butlr.detections import Detection, DetectionsQuery, detections_parse
from occupancy.butlr.errors import (
    BadRequest,
    BadResponse,
    ButlrError,
    RateLimited,
    Unauthorized,
    Unavailable,
    UpstreamTimeout,
)
from occupancy.butlr.reporting import ReportingQuery, ReportingRow, reporting_parse
from occupancy.butlr.topology import TOPOLOGY_QUERY, Topology, topology_parse

logger = logging.getLogger(__name__)

LOGIN_PATH = "/api/v2/clients/login"
GRAPHQL_PATH = "/api/v3/graphql"
REPORTING_PATH = "/api/v3/reporting"
DETECTIONS_PATH = "/api/v3/detections"

TOKEN_KEY = "butlr:token"
LOGIN_LOCK_KEY = "butlr:token:login-lock"
LOGIN_FAILED_KEY = "butlr:token:login-failed"
# While a login has just failed, other callers fail fast rather than each logging in.
LOGIN_FAILED_SECONDS = 2
_RETRY_STATUSES = frozenset({502, 503, 504})
_LOGIN_FAILURES = {
    "unauthorized": Unauthorized,
    "rate_limited": RateLimited,
    "timeout": UpstreamTimeout,
    "bad_response": BadResponse,
    "bad_request": BadRequest,
}

_session = requests.Session()
_session.mount("https://", HTTPAdapter(pool_connections=4, pool_maxsize=32))
_session.mount("http://", HTTPAdapter(pool_connections=4, pool_maxsize=32))
_session.headers.update({"Accept": "application/json", "User-Agent": "Foyer"})


class ButlrClient:
    """Talks to Butlr on behalf of the whole site, with one token shared by every process.

    Every call here is a read (Butlr's reporting, detections and GraphQL queries are POSTs
    that change nothing), so connection errors, 502/503/504 and short 429s are retried a
    bounded number of times.
    """

    def reporting(self, query: ReportingQuery) -> list[ReportingRow]:
        payload = self._post(REPORTING_PATH, query.body())
        return reporting_parse(payload, group_by=query.group_by)

    def detections(self, query: DetectionsQuery) -> list[Detection]:
        return detections_parse(self._post(DETECTIONS_PATH, query.body()))

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        payload = self._post(GRAPHQL_PATH, {"query": query, "variables": variables or {}})
        if not isinstance(payload, dict):
            raise BadResponse("Butlr's GraphQL answer is not an object")
        if payload.get("errors"):
            first = payload["errors"][0]
            message = first.get("message", "") if isinstance(first, dict) else ""
            raise BadResponse(f"Butlr's GraphQL API answered with an error: {message[:200]}")
        if "data" not in payload or payload["data"] is None:
            raise BadResponse("Butlr's GraphQL answer has no data")
        return payload["data"]

    def topology(self) -> Topology:
        return topology_parse(self.graphql(TOPOLOGY_QUERY))

    # Authenticated requests.

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        token = self._token()
        response = self._send(path, body, token=token)
        if response.status_code == 401:
            # The token was revoked or expired early: drop it, renew it once, try again.
            self._token_drop(token)
            response = self._send(path, body, token=self._token(stale=token))
            if response.status_code == 401:
                raise Unauthorized(f"Butlr rejected a fresh token on {path}")
        return _json(response, path)

    def _send(self, path: str, body: dict[str, Any], *, token: str | None) -> requests.Response:
        url = settings.BUTLR_API_URL + path
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        timeout = (settings.BUTLR_CONNECT_TIMEOUT, settings.BUTLR_READ_TIMEOUT)
        attempts = 1 + settings.BUTLR_RETRIES
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                response = _session.post(url, json=body, headers=headers, timeout=timeout)
            except requests.exceptions.ReadTimeout:
                # Not retried: a slow Butlr only gets slower when asked twice.
                logger.warning("Butlr %s timed out", path)
                raise UpstreamTimeout(f"Butlr did not answer {path} in time") from None
            except (
                requests.exceptions.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                logger.warning("Butlr %s: %s (attempt %d)", path, type(exc).__name__, attempt)
                if last:
                    raise Unavailable(f"Butlr could not be reached for {path}") from None
                _pause(attempt)
                continue
            status = response.status_code
            if status in _RETRY_STATUSES:
                logger.warning("Butlr %s answered %d (attempt %d)", path, status, attempt)
                if last:
                    raise Unavailable(f"Butlr answered {status} to {path}")
                _pause(attempt)
                continue
            if status == 429:
                retry_after = _retry_after(response)
                logger.warning("Butlr %s answered 429 (attempt %d)", path, attempt)
                if last or retry_after > settings.BUTLR_RETRY_AFTER_MAX:
                    raise RateLimited(
                        f"Butlr asked us to slow down on {path}", retry_after=retry_after
                    )
                time.sleep(retry_after)
                continue
            if status >= 500:
                logger.warning("Butlr %s answered %d", path, status)
                raise Unavailable(f"Butlr answered {status} to {path}")
            if status == 403:
                raise Unauthorized(f"Butlr refused access to {path} (403)")
            if 400 <= status < 500 and status != 401:
                raise BadRequest(f"Butlr refused the request to {path} ({status})")
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    # The shared token.

    def _token(self, *, stale: str | None = None) -> str:
        """A token valid for a while yet, logging in only if nobody else has.

        ``stale`` is a token Butlr just refused: never hand it out again. Whoever takes the
        lock (an atomic cache.add, shared by every process through Redis) logs in; the
        others keep using a token that has not quite expired, or wait for the new one.
        """
        entry = cache.get(TOKEN_KEY)
        if _fresh(entry, stale):
            return entry["access_token"]
        lock_seconds = _lock_seconds()
        deadline = time.monotonic() + lock_seconds
        while True:
            failure = cache.get(LOGIN_FAILED_KEY)
            if failure:
                if _alive(entry, stale):
                    return entry["access_token"]
                raise _LOGIN_FAILURES.get(failure, Unavailable)("Butlr login failed just now")
            if cache.add(LOGIN_LOCK_KEY, True, timeout=lock_seconds):
                try:
                    entry = cache.get(TOKEN_KEY)
                    if _fresh(entry, stale):
                        return entry["access_token"]
                    return self._login()
                finally:
                    cache.delete(LOGIN_LOCK_KEY)
            if _alive(entry, stale):
                return entry["access_token"]
            if time.monotonic() > deadline:
                raise UpstreamTimeout("Timed out waiting for another Butlr login to finish")
            time.sleep(random.uniform(0.02, 0.08))  # noqa: S311
            entry = cache.get(TOKEN_KEY)
            if _fresh(entry, stale):
                return entry["access_token"]

    def _token_drop(self, token: str) -> None:
        entry = cache.get(TOKEN_KEY)
        if entry and entry["access_token"] == token:
            cache.delete(TOKEN_KEY)

    def _login(self) -> str:
        body = {
            "client_id": settings.BUTLR_CLIENT_ID,
            "client_secret": settings.BUTLR_CLIENT_SECRET,
            "audience": settings.BUTLR_AUDIENCE,
            "grant_type": "client_credentials",
        }
        try:
            response = self._send(LOGIN_PATH, body, token=None)
            if response.status_code == 401:
                raise Unauthorized("Butlr rejected our client credentials")
            payload = _json(response, LOGIN_PATH)
            access_token = payload["access_token"]
            expires_in = float(payload["expires_in"])
            if not isinstance(access_token, str) or not access_token or expires_in <= 0:
                raise ValueError
        except ButlrError as exc:
            cache.set(LOGIN_FAILED_KEY, _failure_name(exc), timeout=LOGIN_FAILED_SECONDS)
            raise
        except (KeyError, TypeError, ValueError):
            cache.set(LOGIN_FAILED_KEY, "bad_response", timeout=LOGIN_FAILED_SECONDS)
            raise BadResponse("Butlr's login answer has no usable token") from None
        now = time.time()
        # Renew a few minutes early, but never so early that a short-lived token is useless.
        margin = min(settings.BUTLR_TOKEN_RENEW_MARGIN, expires_in / 2)
        entry = {
            "access_token": access_token,
            "renew_at": now + expires_in - margin,
            "expires_at": now + expires_in,
        }
        cache.set(TOKEN_KEY, entry, timeout=max(1, int(expires_in)))
        cache.delete(LOGIN_FAILED_KEY)
        logger.info("Logged in to Butlr; token renews in %d s", int(expires_in - margin))
        return access_token


def _fresh(entry: dict | None, stale: str | None) -> bool:
    return entry is not None and entry["access_token"] != stale and entry["renew_at"] > time.time()


def _alive(entry: dict | None, stale: str | None) -> bool:
    return (
        entry is not None
        and entry["access_token"] != stale
        and entry["expires_at"] > time.time() + 1
    )


def _lock_seconds() -> int:
    # Long enough for a login with its retries; short enough that a crashed holder
    # does not stop everyone for long.
    per_try = settings.BUTLR_CONNECT_TIMEOUT + settings.BUTLR_READ_TIMEOUT
    return max(2, int(per_try * (1 + settings.BUTLR_RETRIES)) + 1)


def _failure_name(exc: ButlrError) -> str:
    for name, kind in _LOGIN_FAILURES.items():
        if isinstance(exc, kind):
            return name
    return "unavailable"


def _pause(attempt: int) -> None:
    backoff = settings.BUTLR_RETRY_BACKOFF * 2 ** (attempt - 1)
    time.sleep(backoff * random.uniform(0.5, 1.0))  # noqa: S311


def _retry_after(response: requests.Response) -> float:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return settings.BUTLR_RETRY_BACKOFF
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return settings.BUTLR_RETRY_BACKOFF
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _json(response: requests.Response, path: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise BadResponse(f"Butlr's answer to {path} is not JSON") from None
