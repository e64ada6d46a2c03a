"""A tenancy's door history in a person's words: ButterflyMX's access log and intercom calls
merged with Foyer's own unlock attempts, newest first, an opening made through Foyer once.

Pure functions over what was fetched; residents.selectors does the fetching and caching.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from residents.butterflymx.client import (
    AccessLogEntry,
    Call,
    EntryMethodKind,
    Keychain,
    Tenant,
)
from residents.butterflymx.types import DoorKind
from residents.models import DoorEvent

ONE_SECOND = timedelta(seconds=1)
# How far apart Foyer's record of an opening and ButterflyMX's log row of it may be.
MATCH_WINDOW = timedelta(minutes=2)
# A call still "initializing" this long after it rang was not answered.
RINGING = timedelta(seconds=60)

# Entry methods as ButterflyMX writes them, in the words the page uses.
_HOW = {
    "api": "with an app",
    "swipe to open": "swipe to open",
    "app call": "from an intercom call",
    "visitor pass (using pin)": "visitor pass, PIN",
    "visitor pass (using qr code)": "visitor pass, QR code",
    "remote doorman": "Remote Doorman",
}
_CALL_OUTCOMES = {
    "opened_door": ("you opened", "ok"),
    "canceled": ("missed", "missed"),
    "timeout_online_signal": ("missed", "missed"),
}


class Show(StrEnum):
    ALL = "all"
    VISITORS = "visitors"
    DELIVERIES = "deliveries"
    ME = "me"

    @property
    def label(self) -> str:
        return {"all": "Everything", "me": "Me"}.get(self.value, self.value.capitalize())

    @property
    def wants_calls(self) -> bool:
        return self in (Show.ALL, Show.VISITORS)

    @property
    def wants_events(self) -> bool:
        return self in (Show.ALL, Show.ME)


@dataclass(frozen=True)
class Fetched:
    """What ButterflyMX answered for one window of time: a page of each list, and whether
    each has older entries beyond it."""

    entries: tuple[AccessLogEntry, ...] = ()
    calls: tuple[Call, ...] = ()
    entries_more: bool = False
    calls_more: bool = False


@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    at: datetime
    title: str
    outcome: str = ""
    tone: str = "ok"  # ok, missed, failed or pending: how the outcome is shown
    who: str = "other"  # me, visitor, delivery, call or other: the entry's icon
    photo: tuple[str, int] | None = None  # ("log" or "call", its id) when it has a photo


@dataclass(frozen=True)
class Timeline:
    entries: tuple[Entry, ...]
    # The cursor of the next, older page, or None when this is the last.
    older: datetime | None


def _second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def is_tenancys(entry: AccessLogEntry | Call, tenant: Tenant | None) -> bool:
    """Whether an entry is this tenancy's: its unit's, or its own. ButterflyMX shows a
    resident their own unit's entries; anything else that comes back (a building-wide
    delivery, a filter ignored) is never shown, as it may be another resident's."""
    if tenant is None:
        return False
    unit_id = tenant.unit.id if tenant.unit else None
    if isinstance(entry, Call):
        mine = entry.recipient_type == "Tenant" and entry.recipient_id == tenant.id
        return mine or (unit_id is not None and entry.unit_id == unit_id)
    if entry.is_schedule:
        return False
    return entry.tenant_id == tenant.id or (unit_id is not None and entry.unit_id == unit_id)


def _how(text: str | None) -> str:
    if not text:
        return ""
    return _HOW.get(text.casefold(), text)


def _named(name: str | None) -> str | None:
    return None if not name or name.strip().casefold() in ("unknown", "") else name.strip()


def _log_entry(
    entry: AccessLogEntry,
    *,
    tenant: Tenant | None,
    doors: dict[int, str],
    keychain: Keychain | None,
) -> Entry:
    place = doors.get(entry.access_point_id or 0, "A door")
    method = entry.entry_method
    how = _how(method.text) if method.kind == EntryMethodKind.TEXT else ""
    kind = (entry.release_type or "").casefold()
    if kind == "visitor":
        if method.kind == EntryMethodKind.KEYCHAIN:
            how = "visitor pass"
        name = _named(entry.name)
        if name is None and keychain is not None and method.id == keychain.id:
            name = keychain.name
        who, words = "visitor", f"{name or 'A visitor'}" + (f" ({how})" if how else "")
    elif kind == "delivery":
        name = _named(entry.name)
        who, words = "delivery", "delivery" + (f" ({name})" if name else "")
    elif tenant is not None and entry.tenant_id == tenant.id:
        if method.kind == EntryMethodKind.ACCESS_TOOL:
            how = "with your PIN or fob"
        who, words = "me", "you" + (f", {how}" if how else "")
    else:
        # Someone else of the home, or an entry of a kind Foyer does not know: said plainly.
        who, words = "other", (_named(entry.name) or "someone") + (f" ({how})" if how else "")
    locked = (entry.release_status or "").casefold() == "locked"
    return Entry(
        at=entry.logged_at or datetime.min,
        title=f"{place} · {words}",
        outcome="stayed locked" if locked else "",
        tone="failed" if locked else "ok",
        who=who,
        photo=("log", entry.id) if entry.image_url else None,
    )


def _call_entry(call: Call, *, now: datetime) -> Entry:
    at = call.logged_at or datetime.min
    outcome, tone = _CALL_OUTCOMES.get(call.status or "", ("", "ok"))
    if call.status == "initializing":
        outcome, tone = ("ringing", "pending") if now - at < RINGING else ("missed", "missed")
    return Entry(
        at=at,
        title=f"Someone rang from {call.device_name or 'the intercom'}",
        outcome=outcome,
        tone=tone,
        who="call",
        photo=("call", call.id) if call.image_url else None,
    )


def _event_entry(event: DoorEvent, logged: AccessLogEntry | None) -> Entry:
    if logged is not None or event.outcome == DoorEvent.Outcome.OPENED:
        # The building's record confirms an opening Foyer could not (a lost answer).
        outcome, tone = "", "ok"
    else:
        failed = event.outcome == DoorEvent.Outcome.FAILED
        words = "didn't open" if failed else event.outcome_label.lower()
        reason = event.get_error_code_display() if event.error_code else ""
        outcome, tone = (
            words + (f" · {reason}" if reason else ""),
            "failed" if failed else "pending",
        )
    return Entry(
        at=event.created_at,
        title=f"{event.door_name} · you, with Foyer",
        outcome=outcome,
        tone=tone,
        who="me",
        photo=("log", logged.id) if logged is not None and logged.image_url else None,
    )


def _matches(event: DoorEvent, entry: AccessLogEntry) -> bool:
    """Whether a log row is ButterflyMX's record of this opening through Foyer."""
    if entry.entry_method.kind != EntryMethodKind.TEXT or (
        (entry.entry_method.text or "").casefold() != "api"
    ):
        return False
    if entry.tenant_id not in (None, event.tenant_id) or entry.logged_at is None:
        return False
    if event.door_kind == DoorKind.ACCESS_POINT:
        door_matches = entry.access_point_id == event.door_id
    else:
        # A unit's smart lock has no access point: its row names none.
        door_matches = entry.access_point_id is None
    return door_matches and abs(entry.logged_at - event.created_at) <= MATCH_WINDOW


def _pair(
    events: list[DoorEvent], entries: list[AccessLogEntry]
) -> tuple[list[tuple[DoorEvent, AccessLogEntry | None]], list[AccessLogEntry]]:
    """Each Foyer attempt with the log row of it, if any (the closest in time, each row used
    once), and the log rows no attempt claimed."""
    free = list(entries)
    paired = []
    for event in events:
        logged = None
        if event.outcome != DoorEvent.Outcome.FAILED:
            candidates = [entry for entry in free if _matches(event, entry)]
            if candidates:
                logged = min(
                    candidates,
                    key=lambda entry: abs((entry.logged_at or event.created_at) - event.created_at),
                )
                free.remove(logged)
        paired.append((event, logged))
    return paired, free


def _shown(
    entry: AccessLogEntry, show: Show, tenant: Tenant | None, keychain: Keychain | None
) -> bool:
    kind = (entry.release_type or "").casefold()
    if keychain is not None:
        if kind not in ("visitor", "delivery"):
            return False
        by_pass = entry.entry_method.kind == EntryMethodKind.KEYCHAIN
        if by_pass:
            return entry.entry_method.id == keychain.id
        return (_named(entry.name) or "").casefold() == keychain.name.strip().casefold()
    if show == Show.VISITORS:
        return kind == "visitor"
    if show == Show.DELIVERIES:
        return kind == "delivery"
    if show == Show.ME:
        return kind == "tenant" and tenant is not None and entry.tenant_id == tenant.id
    return True


def timeline(
    *,
    tenant: Tenant | None,
    doors: dict[int, str],
    fetched: Fetched,
    events: list[DoorEvent],
    events_more: bool,
    show: Show,
    until: datetime | None,
    now: datetime,
    keychain: Keychain | None = None,
) -> Timeline:
    """Merge one window of ButterflyMX's lists with Foyer's attempts, newest first.

    Each list that goes on beyond what was fetched ends the window at its oldest fetched
    entry: what is older than that is on the next page, fetched with that moment as ``until``
    (whole seconds, as ButterflyMX filters). ``doors`` names the building's access points.
    """
    if not (show.wants_events and keychain is None):
        events, events_more = [], False
    sources = (
        ([entry.logged_at for entry in fetched.entries], fetched.entries_more),
        ([call.logged_at for call in fetched.calls], fetched.calls_more),
        ([event.created_at for event in events], events_more),
    )
    horizons = [
        min(_second(moment) for moment in moments if moment)
        for moments, more in sources
        if more and any(moments)
    ]
    floor: datetime | None = max(horizons) if horizons else None
    older: datetime | None = floor
    if floor is not None and until is not None and floor >= _second(until):
        # A whole page within one second: show it all and move on past it.
        floor, older = None, _second(until) - ONE_SECOND

    def in_window(moment: datetime | None) -> bool:
        return moment is not None and (floor is None or _second(moment) > floor)

    entries = [
        entry
        for entry in fetched.entries
        if is_tenancys(entry, tenant) and in_window(entry.logged_at)
    ]
    paired, unclaimed = _pair([e for e in events if in_window(e.created_at)], entries)
    lines = [_event_entry(event, logged) for event, logged in paired]
    lines += [
        _log_entry(entry, tenant=tenant, doors=doors, keychain=keychain)
        for entry in unclaimed
        if _shown(entry, show, tenant, keychain)
    ]
    if keychain is None and show.wants_calls:
        lines += [
            _call_entry(call, now=now)
            for call in fetched.calls
            if is_tenancys(call, tenant) and in_window(call.logged_at)
        ]
    lines.sort(key=lambda line: line.at, reverse=True)
    return Timeline(entries=tuple(lines), older=older)


@dataclass(frozen=True)
class Day:
    label: str  # "Today", "Yesterday", "Mon 14 Jun" (with the year if not this one)
    entries: tuple[Entry, ...]


def by_day(entries: tuple[Entry, ...], *, zone: tzinfo, now: datetime) -> list[Day]:
    """The entries under a heading for each day of the building's time zone."""
    today = now.astimezone(zone).date()
    days: list[Day] = []
    for entry in entries:
        day = entry.at.astimezone(zone).date()
        if day == today:
            label = "Today"
        elif day == today - timedelta(days=1):
            label = "Yesterday"
        else:
            label = f"{day:%a} {day.day} {day:%b}" + (
                "" if day.year == today.year else f" {day.year}"
            )
        if days and days[-1].label == label:
            days[-1] = Day(label, (*days[-1].entries, entry))
        else:
            days.append(Day(label, (entry,)))
    return days
