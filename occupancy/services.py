"""Calls to Butlr for the dashboard: cached per query, shared by every manager, and falling
back to the last good answer when Butlr fails."""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from occupancy.butlr.client import ButlrClient
from occupancy.butlr.detections import Detection, DetectionsQuery
from occupancy.butlr.errors import (
    BadRequest,
    ButlrError,
    RateLimited,
    Unauthorized,
    Unavailable,
    UpstreamTimeout,
)
from occupancy.butlr.reporting import ReportingQuery, ReportingRow
from occupancy.butlr.topology import Topology

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Once Butlr is down or slow, every query skips it for a short while: ten managers each
# waiting out a timeout per query would help nobody.
OUTAGE_KEY = "occupancy:butlr-outage"
# Why the figures on screen are not fresh.
PROBLEM_SLOW = "slow"
PROBLEM_DOWN = "down"
PROBLEM_BUSY = "busy"
PROBLEM_REFUSED = "refused"
PROBLEM_GARBLED = "garbled"
_PROBLEMS: tuple[tuple[type[ButlrError], str], ...] = (
    (UpstreamTimeout, PROBLEM_SLOW),
    (Unavailable, PROBLEM_DOWN),
    (RateLimited, PROBLEM_BUSY),
    (Unauthorized, PROBLEM_REFUSED),
    (BadRequest, PROBLEM_GARBLED),
)
_OUTAGE_PROBLEMS = frozenset({PROBLEM_SLOW, PROBLEM_DOWN, PROBLEM_BUSY, PROBLEM_REFUSED})


@dataclass(frozen=True)
class Fetched(Generic[T]):
    """An answer from Butlr, when it was received, and why it is not fresh (if it is not).

    ``value`` is None only when Butlr failed and no good answer was ever kept.
    """

    value: T | None
    as_of: datetime | None
    problem: str | None = None


def topology_fetch() -> Fetched[Topology]:
    """Sites, buildings, floors, rooms and sensors, cached for minutes."""
    return _fetch(
        key="occupancy:topology",
        last_good_key="occupancy:last-good:topology",
        seconds=settings.OCCUPANCY_TOPOLOGY_SECONDS,
        call=lambda: ButlrClient().topology(),
        # A partial topology (Butlr answered errors next to it) shows, but only until the
        # next try, and is kept as the last good one only when there is none: Butlr's own
        # client never caches a partial topology.
        complete=lambda topology: not topology.partial,
    )


def reporting_fetch(
    *, query: ReportingQuery, slot: str, seconds: int | None = None
) -> Fetched[list[ReportingRow]]:
    """Rows of one reporting query, cached for the length of its window or for ``seconds``.

    Callers align start and stop to window boundaries, so every manager watching the same
    floor within a window asks the same query and shares one answer. ``slot`` names what
    the query is for across windows (e.g. "now", "today:2026-11-23", "7d"): the last good
    answer for a slot is what shows while Butlr fails.
    """
    body = query.body()
    identity = {**body, "filter": _without_times(body["filter"]), "slot": slot}
    return _fetch(
        key=f"occupancy:reporting:{_digest(body)}",
        last_good_key=f"occupancy:last-good:reporting:{_digest(identity)}",
        seconds=seconds or (query.window.seconds if query.window else 60),
        call=lambda: ButlrClient().reporting(query),
    )


def detections_fetch(*, query: DetectionsQuery, slot: str) -> Fetched[list[Detection]]:
    """Detections of one query, cached for a minute (callers align it to the minute)."""
    body = query.body()
    identity = {**body, "filter": _without_times(body["filter"]), "slot": slot}
    return _fetch(
        key=f"occupancy:detections:{_digest(body)}",
        last_good_key=f"occupancy:last-good:detections:{_digest(identity)}",
        seconds=60,
        call=lambda: ButlrClient().detections(query),
    )


def _fetch(
    *,
    key: str,
    last_good_key: str,
    seconds: int,
    call: Callable[[], T],
    complete: Callable[[T], bool] = lambda value: True,
) -> Fetched[T]:
    fetched = cache.get(key)
    if fetched is not None:
        return fetched
    outage = cache.get(OUTAGE_KEY)
    if outage:
        return _last_good(last_good_key, outage)
    failed = cache.get(f"{key}:failed")
    if failed:
        return _last_good(last_good_key, failed)
    # One caller asks Butlr; the others wait for its answer instead of asking again.
    lock_key = f"{key}:lock"
    wait = settings.BUTLR_CONNECT_TIMEOUT + settings.BUTLR_READ_TIMEOUT
    if not cache.add(lock_key, True, timeout=int(wait * (1 + settings.BUTLR_RETRIES)) + 1):
        return _answer_awaited(key, last_good_key, wait)
    try:
        value = call()
    except ButlrError as exc:
        problem = _problem(exc)
        logger.warning("Butlr failed (%s): %s", problem, exc)
        pause = settings.OCCUPANCY_OUTAGE_SECONDS
        if isinstance(exc, RateLimited) and exc.retry_after:
            pause = max(pause, int(exc.retry_after))
        if problem in _OUTAGE_PROBLEMS:
            cache.set(OUTAGE_KEY, problem, timeout=pause)
        else:
            cache.set(f"{key}:failed", problem, timeout=pause)
        return _last_good(last_good_key, problem)
    finally:
        cache.delete(lock_key)
    fetched = Fetched(value=value, as_of=timezone.now())
    if not complete(value):
        cache.set(key, fetched, timeout=min(seconds, settings.OCCUPANCY_OUTAGE_SECONDS))
        cache.add(last_good_key, fetched, timeout=settings.OCCUPANCY_LAST_GOOD_SECONDS)
        return fetched
    cache.set(key, fetched, timeout=seconds)
    cache.set(last_good_key, fetched, timeout=settings.OCCUPANCY_LAST_GOOD_SECONDS)
    return fetched


def _answer_awaited(key: str, last_good_key: str, wait: float) -> Fetched[Any]:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        time.sleep(random.uniform(0.03, 0.08))  # noqa: S311
        fetched = cache.get(key)
        if fetched is not None:
            return fetched
        outage = cache.get(OUTAGE_KEY) or cache.get(f"{key}:failed")
        if outage:
            return _last_good(last_good_key, outage)
    return _last_good(last_good_key, PROBLEM_SLOW)


def _last_good(last_good_key: str, problem: str) -> Fetched[Any]:
    kept = cache.get(last_good_key)
    if kept is None:
        return Fetched(value=None, as_of=None, problem=problem)
    return Fetched(value=kept.value, as_of=kept.as_of, problem=problem)


def _problem(exc: ButlrError) -> str:
    for kind, problem in _PROBLEMS:
        if isinstance(exc, kind):
            return problem
    return PROBLEM_GARBLED


def _without_times(query_filter: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in query_filter.items() if name not in ("start", "stop")}


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:32]
