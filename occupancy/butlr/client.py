"""The Butlr HTTP client: a shared client-credentials token, retries and typed errors."""

from __future__ import annotations

import logging
import random
import time
from types import TracebackType
from typing import Any, Self

import orjson
import requests
from django.conf import settings
from django.core.cache import cache
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import InvalidHeader, MaxRetryError, ReadTimeoutError, ResponseError
from urllib3.response import BaseHTTPResponse
from urllib3.util import Retry

from config import http
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
HEADERS = {"Accept": "application/json", "User-Agent": "Foyer"}
_LOGIN_FAILURES = {
    "unauthorized": Unauthorized,
    "rate_limited": RateLimited,
    "timeout": UpstreamTimeout,
    "bad_response": BadResponse,
    "bad_request": BadRequest,
}


class ReadRetry(Retry):
    """urllib3's retries as Butlr's reads need them.

    Connection errors, 502/503/504 and 429s are retried BUTLR_RETRIES times, BUTLR_RETRY_BACKOFF
    seconds apart and doubling, or as long as a Retry-After says; a Retry-After longer than
    BUTLR_RETRY_AFTER_MAX gives up at once, and a read timeout is never retried.
    """

    # Only the statuses of status_forcelist are retried, whatever else carries a Retry-After.
    RETRY_AFTER_STATUS_CODES = frozenset()

    @classmethod
    def from_settings(cls) -> ReadRetry:
        return cls(
            total=settings.BUTLR_RETRIES,
            # Butlr's reporting, detections and GraphQL queries are POSTs that change nothing.
            allowed_methods=frozenset({"POST"}),
            status_forcelist=frozenset({429, 502, 503, 504}),
            backoff_factor=settings.BUTLR_RETRY_BACKOFF,
            # The last answer goes back to the client, which raises the typed error for it.
            raise_on_status=False,
        )

    def get_backoff_time(self) -> float:
        # urllib3 retries the first time at once; wait before it too, with jitter so that
        # many threads do not come back together.
        jitter = random.uniform(0.5, 1.0)  # noqa: S311
        return self.backoff_factor * 2 ** (len(self.history) - 1) * jitter

    def get_retry_after(self, response) -> float | None:
        try:
            return super().get_retry_after(response)
        except InvalidHeader:
            return None  # unreadable: back off as usual

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if isinstance(error, ReadTimeoutError):
            # A slow Butlr only gets slower when asked twice.
            raise error
        if response is not None:
            wait = self.get_retry_after(response)
            if wait is not None and wait > settings.BUTLR_RETRY_AFTER_MAX:
                # urllib3 passes its pool along the same way; a test double has none.
                raise MaxRetryError(_pool, url, ResponseError("too long to wait"))  # type: ignore[arg-type]
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        if response is not None:  # urllib3 itself warns of the errors it retries
            logger.warning("Butlr %s answered %d; retrying", url, response.status)
        return retry


class _ReadAdapter(HTTPAdapter):
    """A pooled adapter whose retries follow the settings of the moment."""

    @property
    def max_retries(self) -> Retry:
        return ReadRetry.from_settings()

    @max_retries.setter
    def max_retries(self, value: Retry) -> None:
        """HTTPAdapter sets its own on creation; the settings decide instead."""


_session = http.Session()
_session.mount("https://", _ReadAdapter(pool_connections=4, pool_maxsize=32))
_session.mount("http://", _ReadAdapter(pool_connections=4, pool_maxsize=32))
_session.headers.update(HEADERS)


class ButlrClient:
    """Talks to Butlr on behalf of the whole site, with one token shared by every process.

    Every call but the login is a read, retried by the session's adapter (ReadRetry).
    """

    def reporting(self, query: ReportingQuery) -> list[ReportingRow]:
        payload = self._post(REPORTING_PATH, query.body())
        return reporting_parse(payload, group_by=query.group_by)

    def detections(self, query: DetectionsQuery) -> list[Detection]:
        return detections_parse(self._post(DETECTIONS_PATH, query.body()))

    def graphql(self, query: str) -> Any:
        """The ``data`` of a GraphQL answer; any error in the answer is a BadResponse."""
        data, errors = self._graphql_answer(query)
        if errors:
            raise BadResponse(f"Butlr's GraphQL API answered with an error: {_message(errors)}")
        return data

    def topology(self) -> Topology:
        """Butlr's topology; with errors next to its data, what came back, marked partial.

        Butlr's official client does the same with its topology (it uses a partial answer,
        flags it and does not cache it) but refuses an answer whose sensors list has errors:
        without it, rooms would look as if they had no sensors at all.
        """
        data, errors = self._graphql_answer(TOPOLOGY_QUERY)
        if not errors:
            return topology_parse(data)
        roots = {_error_root(error) for error in errors}
        if roots - {"sites"}:
            raise BadResponse(
                f"Butlr's topology answer has errors outside its sites: {_message(errors)}"
            )
        topology = topology_parse(data, partial=True)
        logger.warning(
            "Butlr's topology came back partial (%d errors): %s", len(errors), _message(errors)
        )
        return topology

    def _graphql_answer(self, query: str) -> tuple[Any, list[Any]]:
        """The ``data`` and ``errors`` of a GraphQL answer: errors can come with partial data."""
        payload = self._post(GRAPHQL_PATH, {"query": query})
        if not isinstance(payload, dict):
            raise BadResponse("Butlr's GraphQL answer is not an object")
        errors = payload.get("errors") or []
        if not isinstance(errors, list):
            errors = [errors]
        data = payload.get("data")
        if not isinstance(data, dict) or not data:
            if errors:
                raise BadResponse(f"Butlr's GraphQL API answered with an error: {_message(errors)}")
            raise BadResponse("Butlr's GraphQL answer has no data")
        return data, errors

    # Authenticated requests.

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        token = self._token()
        response = _call(_session.post, path, body, _bearer(token))
        if response.status_code == 401:
            # The token was revoked or expired early: drop it, renew it once, try again.
            self._token_drop(token)
            response = _call(_session.post, path, body, _bearer(self._token(stale=token)))
            if response.status_code == 401:
                raise Unauthorized(f"Butlr rejected a fresh token on {path}")
        return _json(response, path)

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
            # Never retried, so not through the session: a login is rare enough to need no
            # pooled connection, and Butlr throttles logins.
            response = _call(requests.post, LOGIN_PATH, body, HEADERS)
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


def _message(errors: list[Any]) -> str:
    first = errors[0]
    message = first.get("message") if isinstance(first, dict) else None
    return str(message or "no message")[:200]


def _error_root(error: Any) -> str | None:
    """The root field a GraphQL error is about, or None when it names none."""
    path = error.get("path") if isinstance(error, dict) else None
    if isinstance(path, list) and path and isinstance(path[0], str):
        return path[0]
    return None


def _fresh(entry: dict | None, stale: str | None) -> bool:
    return entry is not None and entry["access_token"] != stale and entry["renew_at"] > time.time()


def _alive(entry: dict | None, stale: str | None) -> bool:
    return (
        entry is not None
        and entry["access_token"] != stale
        and entry["expires_at"] > time.time() + 1
    )


def _lock_seconds() -> int:
    # Long enough for a login; short enough that a crashed holder does not stop everyone
    # for long.
    return max(2, int(settings.BUTLR_CONNECT_TIMEOUT + settings.BUTLR_READ_TIMEOUT) + 1)


def _failure_name(exc: ButlrError) -> str:
    for name, kind in _LOGIN_FAILURES.items():
        if isinstance(exc, kind):
            return name
    return "unavailable"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _call(post, path: str, body: dict[str, Any], headers: dict[str, str]) -> requests.Response:
    """POST to Butlr with the timeouts of the moment; what went wrong becomes a typed error."""
    url = settings.BUTLR_API_URL + path
    timeout = (settings.BUTLR_CONNECT_TIMEOUT, settings.BUTLR_READ_TIMEOUT)
    try:
        response = post(url, json=body, headers=headers, timeout=timeout)
    except requests.exceptions.ReadTimeout:
        logger.warning("Butlr %s timed out", path)
        raise UpstreamTimeout(f"Butlr did not answer {path} in time") from None
    except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
        logger.warning("Butlr %s: %s", path, type(exc).__name__)
        raise Unavailable(f"Butlr could not be reached for {path}") from None
    status = response.status_code
    if status == 429:
        logger.warning("Butlr %s answered 429", path)
        retry_after = ReadRetry().get_retry_after(response)
        raise RateLimited(f"Butlr asked us to slow down on {path}", retry_after=retry_after)
    if status >= 500:
        logger.warning("Butlr %s answered %d", path, status)
        raise Unavailable(f"Butlr answered {status} to {path}")
    if status == 403:
        raise Unauthorized(f"Butlr refused access to {path} (403)")
    if 400 <= status < 500 and status != 401:
        raise BadRequest(f"Butlr refused the request to {path} ({status})")
    return response


def _json(response: requests.Response, path: str) -> Any:
    # orjson: a reporting answer runs to megabytes, which it reads several times faster
    # than the standard library (and it refuses NaN, which is not JSON).
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise BadResponse(f"Butlr's answer to {path} is not JSON") from None
