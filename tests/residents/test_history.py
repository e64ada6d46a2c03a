"""The door history's timeline: ButterflyMX's access log and calls merged with Foyer's own
attempts, each entry in a person's words, an opening through Foyer once, one window at a time,
and nobody else's entries."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from residents.butterflymx.client import (
    AccessLogEntry,
    Call,
    EntryMethod,
    Keychain,
    Tenant,
    Unit,
)
from residents.history import Entry, Fetched, Show, by_day, timeline
from residents.models import DoorEvent
from tests.factories import DoorEventFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 17, 16, 0, tzinfo=UTC)
BUILDING, TENANT, UNIT = 11743, 129227, 101356
FRONT_DOOR, GARAGE, GYM = 24318, 24319, 24321
DOORS = {FRONT_DOOR: "Front door", GARAGE: "Garage", GYM: "Gym"}
TENANCY = Tenant(
    id=TENANT,
    first_name="Rosa",
    last_name="Resident",
    full_name=None,
    email=None,
    building_id=BUILDING,
    unit=Unit(id=UNIT, label="4B", floor="4", building_id=BUILDING),
    inactive_after=None,
    building_name="Harbor Point",
    building_timezone="America/New_York",
)
PHOTO = "https://bmx.test/uploads/store/ac628b8b81f1c5deb851b480cf58ee39.png"


def ago(**delta) -> datetime:
    return NOW - timedelta(**delta)


def logged(entry_id, at, *, method="API", **fields) -> AccessLogEntry:
    """A row of the resident's own unit, opened by them unless told otherwise."""
    values = {
        "id": entry_id,
        "logged_at": at,
        "access_point_id": FRONT_DOOR,
        "release_status": "Unlocked",
        "name": "Rosa Resident",
        "release_type": "Tenant",
        "unit_id": UNIT,
        "tenant_id": TENANT,
        "entry_method": EntryMethod.from_data(method),
        "image_url": None,
        **fields,
    }
    return AccessLogEntry(**values)


def rang(call_id, at, status, **fields) -> Call:
    values = {
        "id": call_id,
        "building_id": BUILDING,
        "logged_at": at,
        "notification_type": "visitor",
        "recipient_id": TENANT,
        "recipient_type": "Tenant",
        "unit_id": UNIT,
        "device_id": 37130,
        "device_name": "Front entrance",
        "status": status,
        "image_url": PHOTO,
        **fields,
    }
    return Call(**values)


def attempt(at, *, door_id=FRONT_DOOR, outcome=DoorEvent.Outcome.OPENED, **fields) -> DoorEvent:
    return DoorEventFactory(
        building_id=BUILDING,
        tenant_id=TENANT,
        door_id=door_id,
        door_name=DOORS.get(door_id, "Unit 4B smart lock"),
        outcome=outcome,
        created_at=at,
        **fields,
    )


def merged(*, entries=(), calls=(), events=(), show=Show.ALL, keychain=None, **window):
    fetched = Fetched(
        entries=tuple(entries),
        calls=tuple(calls),
        entries_more=window.pop("entries_more", False),
        calls_more=window.pop("calls_more", False),
    )
    return timeline(
        tenant=TENANCY,
        doors=DOORS,
        fetched=fetched,
        events=list(events),
        events_more=window.pop("events_more", False),
        show=show,
        until=window.pop("until", None),
        now=NOW,
        keychain=keychain,
    )


def lines(result) -> list[tuple[str, str]]:
    return [(entry.title, entry.outcome) for entry in result.entries]


class TestWords:
    @pytest.mark.parametrize(
        ("fields", "title"),
        [
            ({"method": "Swipe to open"}, "Front door · you, swipe to open"),
            ({"method": "App call"}, "Front door · you, from an intercom call"),
            ({"method": "API"}, "Front door · you, with an app"),
            (
                {"method": {"access_tool": 88}, "access_point_id": GARAGE},
                "Garage · you, with your PIN or fob",
            ),
            (
                {"method": "Visitor Pass (using PIN)", "release_type": "Visitor", "name": "Maria"},
                "Front door · Maria (visitor pass, PIN)",
            ),
            (
                {
                    "method": "Visitor Pass (using QR code)",
                    "release_type": "Visitor",
                    "name": "Unknown",
                },
                "Front door · A visitor (visitor pass, QR code)",
            ),
            (
                {"method": {"keychain": 5}, "release_type": "Visitor", "name": "Duncan Idaho"},
                "Front door · Duncan Idaho (visitor pass)",
            ),
            (
                {"method": "Remote Doorman", "release_type": "Delivery", "name": "USPS"},
                "Front door · delivery (USPS)",
            ),
            ({"method": None, "release_type": "Delivery", "name": None}, "Front door · delivery"),
            # Someone else of the home, and entry methods nobody documented: said plainly.
            (
                {"method": "Face ID", "tenant_id": 5, "name": "Alex Roommate"},
                "Front door · Alex Roommate (Face ID)",
            ),
            ({"method": {"retina": 1}}, "Front door · you"),
            ({"access_point_id": 999}, "A door · you, with an app"),
        ],
    )
    def test_each_entry_method_in_words(self, fields, title):
        (entry,) = merged(entries=[logged(1, ago(hours=1), **fields)]).entries

        assert (entry.title, entry.outcome, entry.tone) == (title, "", "ok")

    def test_a_door_that_stayed_locked(self):
        (entry,) = merged(entries=[logged(1, ago(hours=1), release_status="Locked")]).entries

        assert (entry.outcome, entry.tone) == ("stayed locked", "failed")

    @pytest.mark.parametrize(
        ("status", "at", "outcome", "tone"),
        [
            ("opened_door", ago(hours=1), "you opened", "ok"),
            ("timeout_online_signal", ago(hours=1), "missed", "missed"),
            ("canceled", ago(hours=1), "missed", "missed"),
            ("initializing", ago(seconds=20), "ringing", "pending"),
            ("initializing", ago(minutes=5), "missed", "missed"),
            # The recorded list gives no status: nothing is claimed.
            (None, ago(hours=1), "", "ok"),
        ],
    )
    def test_a_call(self, status, at, outcome, tone):
        (entry,) = merged(calls=[rang(1, at, status)]).entries

        assert entry.title == "Someone rang from Front entrance"
        assert (entry.outcome, entry.tone, entry.photo) == (outcome, tone, ("call", 1))

    def test_a_pass_entry_without_a_name_takes_the_pass_name(self):
        keychain = Keychain.from_data(
            {"id": 5, "name": "Cleaner", "tenant_id": TENANT, "building_id": BUILDING}
        )
        entry = logged(1, ago(hours=1), method={"keychain": 5}, release_type="Visitor", name=None)

        (line,) = merged(entries=[entry], keychain=keychain).entries

        assert line.title == "Front door · Cleaner (visitor pass)"


class TestMerge:
    def test_newest_first_with_foyers_failures(self):
        failed = attempt(
            ago(minutes=30),
            outcome=DoorEvent.Outcome.FAILED,
            error_code=DoorEvent.ErrorCode.UNREACHABLE,
        )
        result = merged(
            entries=[logged(1, ago(hours=2), method="Swipe to open")],
            calls=[rang(2, ago(hours=1), "timeout_online_signal")],
            events=[failed],
        )

        assert lines(result) == [
            ("Front door · you, with Foyer", "didn't open · ButterflyMX unreachable"),
            ("Someone rang from Front entrance", "missed"),
            ("Front door · you, swipe to open", ""),
        ]

    def test_an_opening_through_foyer_shows_once_with_the_logs_photo(self):
        event = attempt(ago(minutes=10))
        row = logged(7, ago(minutes=10) + timedelta(seconds=2), image_url=PHOTO)

        (entry,) = merged(entries=[row], events=[event]).entries

        assert (entry.title, entry.at, entry.photo) == (
            "Front door · you, with Foyer",
            event.created_at,
            ("log", 7),
        )

    def test_the_log_confirms_an_opening_foyer_could_not(self):
        event = attempt(
            ago(minutes=10),
            outcome=DoorEvent.Outcome.UNCONFIRMED,
            error_code=DoorEvent.ErrorCode.NO_ANSWER,
        )

        (entry,) = merged(entries=[logged(7, ago(minutes=10))], events=[event]).entries

        assert (entry.outcome, entry.tone) == ("", "ok")

    def test_an_unconfirmed_opening_the_log_never_saw(self):
        event = attempt(
            ago(minutes=10),
            outcome=DoorEvent.Outcome.UNCONFIRMED,
            error_code=DoorEvent.ErrorCode.NO_ANSWER,
        )

        (entry,) = merged(events=[event]).entries

        assert (entry.outcome, entry.tone) == (
            "not confirmed · no answer from ButterflyMX",
            "pending",
        )

    @pytest.mark.parametrize(
        "row",
        [
            # Another door, another way in, too far apart in time, someone else's tenancy.
            logged(7, ago(minutes=10), access_point_id=GARAGE),
            logged(7, ago(minutes=10), method="Swipe to open"),
            logged(7, ago(minutes=13)),
            logged(7, ago(minutes=10), tenant_id=5, name="Alex Roommate"),
        ],
    )
    def test_a_row_that_is_not_the_foyer_opening_stays_its_own(self, row):
        result = merged(entries=[row], events=[attempt(ago(minutes=10))])

        assert len(result.entries) == 2

    def test_two_openings_claim_one_row_each(self):
        first, second = attempt(ago(minutes=10)), attempt(ago(minutes=9))
        rows = [logged(8, ago(minutes=9)), logged(7, ago(minutes=10))]

        result = merged(entries=rows, events=[second, first])

        assert [entry.at for entry in result.entries] == [second.created_at, first.created_at]

    def test_a_failed_attempt_never_claims_a_row(self):
        failed = attempt(ago(minutes=10), outcome=DoorEvent.Outcome.FAILED)

        result = merged(entries=[logged(7, ago(minutes=10))], events=[failed])

        assert len(result.entries) == 2

    def test_a_smart_lock_opening_matches_the_row_without_access_point(self):
        event = attempt(ago(minutes=10), door_id=115677, door_kind="device")

        result = merged(entries=[logged(7, ago(minutes=10), access_point_id=None)], events=[event])

        assert lines(result) == [("Unit 4B smart lock · you, with Foyer", "")]


class TestNobodyElse:
    def test_schedule_rows_and_other_units_are_left_out(self):
        schedule = logged(
            1,
            ago(hours=1),
            method=None,
            access_point_id=GYM,
            name=None,
            release_type=None,
            unit_id=None,
            tenant_id=None,
        )
        neighbour = logged(2, ago(hours=2), unit_id=101357, tenant_id=129301, name="Sam")
        building_wide = logged(
            3, ago(hours=3), release_type="Delivery", unit_id=None, tenant_id=None, name="USPS"
        )
        their_call = rang(4, ago(hours=4), None, recipient_id=129301, unit_id=101357)
        attendant_call = rang(
            5, ago(hours=5), None, recipient_id=None, recipient_type="Attendant", unit_id=None
        )

        result = merged(
            entries=[schedule, neighbour, building_wide], calls=[their_call, attendant_call]
        )

        assert result.entries == ()

    def test_without_the_tenancy_nothing_of_butterflymxs_shows(self):
        result = timeline(
            tenant=None,
            doors={},
            fetched=Fetched(
                entries=(logged(1, ago(hours=1)),), calls=(rang(2, ago(hours=1), None),)
            ),
            events=[attempt(ago(hours=2))],
            events_more=False,
            show=Show.ALL,
            until=None,
            now=NOW,
        )

        assert lines(result) == [("Front door · you, with Foyer", "")]


class TestFilters:
    @pytest.fixture
    def everything(self):
        return {
            "entries": [
                logged(1, ago(hours=1), method="Swipe to open"),
                logged(
                    2,
                    ago(hours=2),
                    method="Visitor Pass (using PIN)",
                    release_type="Visitor",
                    name="Maria",
                ),
                logged(
                    3, ago(hours=3), method="Remote Doorman", release_type="Delivery", name="UPS"
                ),
                logged(4, ago(hours=4), method="Face ID", tenant_id=5, name="Alex"),
            ],
            "calls": [rang(5, ago(hours=5), "canceled")],
            "events": [attempt(ago(hours=6), door_id=GARAGE)],
        }

    @pytest.mark.parametrize(
        ("show", "titles"),
        [
            (
                Show.ALL,
                [
                    "Front door · you, swipe to open",
                    "Front door · Maria (visitor pass, PIN)",
                    "Front door · delivery (UPS)",
                    "Front door · Alex (Face ID)",
                    "Someone rang from Front entrance",
                    "Garage · you, with Foyer",
                ],
            ),
            (
                Show.VISITORS,
                ["Front door · Maria (visitor pass, PIN)", "Someone rang from Front entrance"],
            ),
            (Show.DELIVERIES, ["Front door · delivery (UPS)"]),
            (Show.ME, ["Front door · you, swipe to open", "Garage · you, with Foyer"]),
        ],
    )
    def test_each_filter(self, everything, show, titles):
        assert [title for title, _ in lines(merged(show=show, **everything))] == titles

    def test_a_pass_shows_its_own_uses_by_id_or_by_name(self):
        maria = Keychain.from_data(
            {"id": 5, "name": "Maria", "tenant_id": TENANT, "building_id": BUILDING}
        )
        entries = [
            logged(1, ago(hours=1), method={"keychain": 5}, release_type="Visitor", name="Maria"),
            logged(
                2,
                ago(hours=2),
                method="Visitor Pass (using PIN)",
                release_type="Visitor",
                name="maria ",
            ),
            logged(3, ago(hours=3), method={"keychain": 6}, release_type="Visitor", name="Maria"),
            logged(
                4,
                ago(hours=4),
                method="Visitor Pass (using PIN)",
                release_type="Visitor",
                name="Ana",
            ),
            logged(5, ago(hours=5), method="Swipe to open", name="Maria"),
        ]

        result = merged(entries=entries, keychain=maria, calls=[rang(9, ago(hours=1), None)])

        assert [entry.at for entry in result.entries] == [ago(hours=1), ago(hours=2)]


class TestWindows:
    def test_the_last_page_has_no_older(self):
        result = merged(entries=[logged(1, ago(days=3))], events=[attempt(ago(days=9))])

        assert result.older is None
        assert len(result.entries) == 2

    def test_a_list_with_more_ends_the_window_at_its_oldest(self):
        """The access log goes on past 2 h ago: the call at 3 h ago and Foyer's attempt at 4 h
        ago wait for the next page, which starts at that moment."""
        result = merged(
            entries=[logged(1, ago(hours=1)), logged(2, ago(hours=2, microseconds=-500))],
            entries_more=True,
            calls=[rang(3, ago(hours=3), None)],
            events=[attempt(ago(hours=4))],
        )

        assert [entry.at for entry in result.entries] == [ago(hours=1)]
        assert result.older == ago(hours=2)

    def test_the_next_page_starts_where_the_last_ended(self):
        until = ago(hours=2)
        result = merged(
            entries=[logged(2, ago(hours=2)), logged(4, ago(hours=5))],
            calls=[rang(3, ago(hours=3), None)],
            events=[attempt(ago(hours=4))],
            until=until,
        )

        assert [entry.at for entry in result.entries] == [
            ago(hours=2),
            ago(hours=3),
            ago(hours=4),
            ago(hours=5),
        ]
        assert result.older is None

    def test_foyers_own_attempts_page_too(self):
        events = [attempt(ago(hours=hours)) for hours in (1, 2, 3)]

        result = merged(events=events, events_more=True)

        assert len(result.entries) == 2
        assert result.older == ago(hours=3)

    def test_a_full_page_within_one_second_moves_on_past_it(self):
        moment = ago(hours=1)
        rows = [logged(i, moment, method="Swipe to open") for i in range(3)]

        result = merged(entries=rows, entries_more=True, until=moment)

        assert len(result.entries) == 3
        assert result.older == moment - timedelta(seconds=1)


def test_days_are_the_buildings():
    new_york = ZoneInfo("America/New_York")
    entries = tuple(
        Entry(at=at, title=str(index))
        for index, at in enumerate(
            [
                datetime(2026, 6, 17, 3, 30, tzinfo=UTC),  # 23:30 on the 16th in New York
                datetime(2026, 6, 16, 12, 0, tzinfo=UTC),
                datetime(2026, 6, 14, 12, 0, tzinfo=UTC),
                datetime(2025, 12, 31, 12, 0, tzinfo=UTC),
            ]
        )
    )

    days = by_day(entries, zone=new_york, now=datetime(2026, 6, 17, 15, 0, tzinfo=UTC))

    assert [(day.label, [entry.title for entry in day.entries]) for day in days] == [
        ("Yesterday", ["0", "1"]),
        ("Sun 14 Jun", ["2"]),
        ("Wed 31 Dec 2025", ["3"]),
    ]
