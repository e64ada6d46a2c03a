"""Calls to Butlr for the dashboard: cached per query, shared by every manager, and falling
back to the last good answer when Butlr fails."""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Generic, TypeVar

from django import db
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from config.cache import set_each
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
from occupancy.butlr.topology import Topology, topology_dump, topology_load
from occupancy.models import TopologyRecord

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
# Butlr calls one page sends at once, at most (a cold dashboard sends about a dozen).
MAX_CALLS_AT_ONCE = 16


@dataclass(frozen=True)
class Fetched(Generic[T]):
    """An answer from Butlr, when it was received, and why it is not fresh (if it is not).

    ``value`` is None only when Butlr failed and no good answer was ever kept.
    """

    value: T | None
    as_of: datetime | None
    problem: str | None = None


@dataclass(frozen=True)
class Ask:
    """One question for Butlr, cached under ``key`` for ``seconds``: asks with the same key
    are the same question (``call`` and ``complete`` are left out of comparisons)."""

    key: str
    last_good_key: str
    seconds: int
    call: Callable[[], Any] = field(compare=False)
    complete: Callable[[Any], bool] = field(compare=False, default=lambda value: True)

    @property
    def failed_key(self) -> str:
        """Where a failure of this question alone pauses it."""
        return f"{self.key}:failed"

    @property
    def kept_keys(self) -> tuple[str, str, str]:
        """What the cache may hold for it: Butlr's pause, its answer, its own pause."""
        return OUTAGE_KEY, self.key, self.failed_key


def topology_ask() -> Ask:
    """Sites, buildings, floors, rooms and sensors, cached for minutes."""
    return Ask(
        key="occupancy:topology",
        last_good_key="occupancy:last-good:topology",
        seconds=settings.OCCUPANCY_TOPOLOGY_SECONDS,
        call=lambda: ButlrClient().topology(),
        # A partial topology (Butlr answered errors next to it) shows, but only until the
        # next try, and is kept as the last good one only when there is none: Butlr's own
        # client never caches a partial topology.
        complete=lambda topology: not topology.partial,
    )


def reporting_ask(*, query: ReportingQuery, slot: str, seconds: int | None = None) -> Ask:
    """Rows of one reporting query, cached for the length of its window or for ``seconds``.

    Callers align start and stop to window boundaries, so every manager watching the same
    floor within a window asks the same query and shares one answer. ``slot`` names what
    the query is for across windows (e.g. "now", "today:2026-11-23", "7d"): the last good
    answer for a slot is what shows while Butlr fails.
    """
    body = query.body()
    identity = {**body, "filter": _without_times(body["filter"]), "slot": slot}
    return Ask(
        key=f"occupancy:reporting:{_digest(body)}",
        last_good_key=f"occupancy:last-good:reporting:{_digest(identity)}",
        seconds=seconds or (query.window.seconds if query.window else 60),
        call=lambda: ButlrClient().reporting(query),
    )


def detections_ask(*, query: DetectionsQuery, slot: str) -> Ask:
    """Detections of one query, cached for a minute (callers align it to the minute)."""
    body = query.body()
    identity = {**body, "filter": _without_times(body["filter"]), "slot": slot}
    return Ask(
        key=f"occupancy:detections:{_digest(body)}",
        last_good_key=f"occupancy:last-good:detections:{_digest(identity)}",
        seconds=60,
        call=lambda: ButlrClient().detections(query),
    )


def topology_fetch(
    *,
    along: Callable[[Topology], Sequence[Ask]] | None = None,
    answered: dict[Ask, Fetched[Any]] | None = None,
) -> Fetched[Topology]:
    """The topology, cached for minutes.

    When the cache has none, the asks ``along`` makes of the last recorded topology go out
    together with the topology's own call: a page that needs the topology to know what to
    ask pays one round trip to Butlr, not two, whenever the buildings are as recorded. Their
    answers go into ``answered``, so that the page need not read them back from the cache.
    Every complete topology received is recorded.
    """
    ask = topology_ask()
    kept = cache.get(ask.key)
    if kept is not None:
        return kept
    record = TopologyRecord.objects.filter(pk=1).first()
    recorded = _recorded(record) if record else None
    extra: Sequence[Ask] = ()
    if along and recorded and not cache.get(OUTAGE_KEY):
        # Those already kept are read with the rest, once: their answers are for later.
        extra = along(recorded)
    fetched, *extra_answers = fetch_all([ask, *extra])
    if answered is not None:
        answered.update(zip(extra, extra_answers, strict=True))
    topology, as_of = fetched.value, fetched.as_of
    if topology is None or topology.partial or fetched.problem or as_of is None:
        return fetched
    if record is not None and as_of == record.fetched_at:
        return fetched
    fields = {"fetched_at": as_of, "data": topology_dump(topology)}
    # One UPDATE, but for the first topology ever recorded.
    if record is None or not TopologyRecord.objects.filter(pk=1).update(**fields):
        TopologyRecord.objects.update_or_create(pk=1, defaults=fields)
    return fetched


def _recorded(record: TopologyRecord) -> Topology | None:
    try:
        return topology_load(record.data)
    except ButlrError:
        return None


def reporting_fetch(
    *, query: ReportingQuery, slot: str, seconds: int | None = None
) -> Fetched[list[ReportingRow]]:
    return fetch_all([reporting_ask(query=query, slot=slot, seconds=seconds)])[0]


def detections_fetch(*, query: DetectionsQuery, slot: str) -> Fetched[list[Detection]]:
    return fetch_all([detections_ask(query=query, slot=slot)])[0]


def fetch_all(asks: Sequence[Ask]) -> list[Fetched[Any]]:
    """The answers to ``asks``, in order: from the cache, or from Butlr all at once.

    What the cache holds for them (answers, pauses) is read in one round trip. Whether
    Butlr is paused is decided for every ask before any call goes out, so a call that fails
    (and pauses Butlr) does not take the answers of the others with it.
    """
    unique = list(dict.fromkeys(asks))
    kept = cache.get_many(list(dict.fromkeys(key for ask in unique for key in ask.kept_keys)))
    answers: dict[Ask, Fetched[Any]] = {}
    missing: list[Ask] = []
    for ask in unique:
        if (fetched := _from_kept(ask, kept)) is not None:
            answers[ask] = fetched
        else:
            missing.append(ask)
    answers |= zip(missing, _at_once([partial(_asked, ask) for ask in missing]), strict=True)
    return [answers[ask] for ask in asks]


def _asked(ask: Ask) -> Fetched[Any]:
    """Butlr's answer to ``ask``: one caller asks Butlr, the others wait for its answer
    instead of asking again."""
    wait = settings.BUTLR_CONNECT_TIMEOUT + settings.BUTLR_READ_TIMEOUT
    lock = f"{ask.key}:lock"
    if not cache.add(lock, True, timeout=int(wait * (1 + settings.BUTLR_RETRIES)) + 1):
        return _answer_awaited(ask, wait)
    try:
        # The lock is let go only once the answer (or the failure) is kept: a caller that
        # found nothing before then and takes the lock after finds it here.
        fetched = _from_kept(ask, cache.get_many(list(ask.kept_keys)))
        return _call(ask) if fetched is None else fetched
    finally:
        cache.delete(lock)


def _from_kept(ask: Ask, kept: dict[str, Any]) -> Fetched[Any] | None:
    """The answer to ``ask`` from ``kept`` (what the cache held for ``ask.kept_keys``): the
    cached one, the last good one while Butlr is paused, or None."""
    if (fetched := kept.get(ask.key)) is not None:
        return fetched
    if paused := kept.get(OUTAGE_KEY) or kept.get(ask.failed_key):
        return _last_good(ask.last_good_key, paused)
    return None


def _at_once(calls: Sequence[Callable[[], T]]) -> list[T]:
    """The calls' results in order: a single call in this thread, several in threads."""
    if len(calls) < 2:
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=min(len(calls), MAX_CALLS_AT_ONCE)) as pool:
        return list(pool.map(_closing, calls))


def _closing(call: Callable[[], T]) -> T:
    """``call`` in a worker thread, closing any database connection it opened there."""
    try:
        return call()
    finally:
        db.connections.close_all()


def _call(ask: Ask) -> Fetched[Any]:
    try:
        value = ask.call()
    except ButlrError as exc:
        problem = _problem(exc)
        logger.warning("Butlr failed (%s): %s", problem, exc)
        pause = settings.OCCUPANCY_OUTAGE_SECONDS
        if isinstance(exc, RateLimited) and exc.retry_after:
            pause = max(pause, int(exc.retry_after))
        if problem in _OUTAGE_PROBLEMS:
            cache.set(OUTAGE_KEY, problem, timeout=pause)
        else:
            cache.set(ask.failed_key, problem, timeout=pause)
        return _last_good(ask.last_good_key, problem)
    fetched = Fetched(value=value, as_of=timezone.now())
    if not ask.complete(value):
        cache.set(ask.key, fetched, timeout=min(ask.seconds, settings.OCCUPANCY_OUTAGE_SECONDS))
        cache.add(ask.last_good_key, fetched, timeout=settings.OCCUPANCY_LAST_GOOD_SECONDS)
        return fetched
    # Answers run to thousands of rows: serialized once for both keys.
    set_each(
        cache,
        fetched,
        {ask.key: ask.seconds, ask.last_good_key: settings.OCCUPANCY_LAST_GOOD_SECONDS},
    )
    return fetched


def _answer_awaited(ask: Ask, wait: float) -> Fetched[Any]:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        time.sleep(random.uniform(0.03, 0.08))  # noqa: S311
        fetched = _from_kept(ask, cache.get_many(list(ask.kept_keys)))
        if fetched is not None:
            return fetched
    return _last_good(ask.last_good_key, PROBLEM_SLOW)


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
