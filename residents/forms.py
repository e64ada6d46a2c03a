"""The resident's forms: a new visitor pass, and the door history's filters."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from residents.butterflymx.types import WEEKDAYS, DoorKind, KeychainType
from residents.history import Show
from residents.selectors import DoorListing
from residents.services import PassRequest

WHEN_CHOICES = [
    ("hours", "Today, for a few hours"),
    ("range", "From a date and time to another"),
    ("once", "One entry only"),
    ("weekly", "Every week, on some days"),
]
WEEKDAY_LABELS = dict(zip(WEEKDAYS, ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], strict=True))
LOCK_TYPES = {"smart_lock", "remote_lock"}
# Fields ButterflyMX names in its errors, and the form field each belongs beside.
UPSTREAM_FIELDS = {
    "name": "name",
    "starts_at": "starts_at",
    "ends_at": "ends_at",
    "start_date": "start_date",
    "end_date": "end_date",
    "time_from": "time_from",
    "time_to": "time_to",
    "weekdays": "weekdays",
    "access_point_ids": "doors",
    "device_ids": "doors",
    "email": "email",
    "sms_number": "phone",
}


class PassForm(forms.Form):
    name = forms.CharField(label="Visitor's name", max_length=100)
    when = forms.ChoiceField(
        label="When", choices=WHEN_CHOICES, initial="hours", widget=forms.RadioSelect
    )
    hours = forms.IntegerField(label="For how many hours", min_value=1, max_value=24, initial=4)
    starts_at = forms.DateTimeField(
        label="From", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label="Until", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    weekdays = forms.MultipleChoiceField(
        label="On",
        required=False,
        choices=list(WEEKDAY_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    time_from = forms.TimeField(
        label="From", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    time_to = forms.TimeField(
        label="Until", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    start_date = forms.DateField(
        label="First day", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label="Last day", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    doors = forms.MultipleChoiceField(label="Doors", widget=forms.CheckboxSelectMultiple)
    email = forms.EmailField(
        label="Visitor's email (ButterflyMX sends them the pass)", required=False
    )
    phone = forms.CharField(
        label="Visitor's mobile number (ButterflyMX texts them the pass)",
        required=False,
        max_length=20,
    )

    def __init__(self, *args, listing: DoorListing, zone: ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        # The building's entrances by default; the resident's own lock only if asked.
        entrances = [(f"{d.kind}:{d.id}", d.name) for d in listing.entrances]
        locks = [(f"{d.kind}:{d.id}", d.name) for d in listing.home if d.type in LOCK_TYPES]
        doors = self.fields["doors"]
        assert isinstance(doors, forms.MultipleChoiceField)
        doors.choices = entrances + locks
        doors.initial = [value for value, _ in entrances if value.startswith(DoorKind.ACCESS_POINT)]

    def _aware(self, moment: datetime) -> datetime:
        # The browser sends the building's wall-clock time, whatever the phone's zone.
        return moment.replace(tzinfo=self.zone) if timezone.is_naive(moment) else moment

    def clean(self):
        super().clean()
        data = self.cleaned_data
        when = data.get("when")
        if when in ("range", "once"):
            for name in ("starts_at", "ends_at"):
                if not data.get(name):
                    self.add_error(name, "Say when.")
        if when == "weekly":
            for name in ("weekdays", "time_from", "time_to", "start_date", "end_date"):
                if not data.get(name):
                    self.add_error(name, "Say when.")
        return data

    def pass_request(self) -> PassRequest:
        """The valid form as what Foyer asks ButterflyMX for."""
        data = self.cleaned_data
        access_points: list[int] = []
        devices: list[int] = []
        for value in data["doors"]:
            kind, door_id = value.split(":")
            (access_points if kind == DoorKind.ACCESS_POINT else devices).append(int(door_id))
        common = {
            "name": data["name"],
            "access_point_ids": tuple(access_points),
            "device_ids": tuple(devices),
            "email": data.get("email") or "",
            "sms_number": data.get("phone") or "",
        }
        when = data["when"]
        if when == "weekly":
            return PassRequest(
                kind=KeychainType.RECURRING,
                start_date=data["start_date"],
                end_date=data["end_date"],
                time_from=data["time_from"],
                time_to=data["time_to"],
                weekdays=tuple(data["weekdays"]),
                **common,
            )
        if when == "hours":
            starts_at = timezone.now().astimezone(self.zone).replace(second=0, microsecond=0)
            ends_at = starts_at + timedelta(hours=data["hours"])
        else:
            starts_at, ends_at = self._aware(data["starts_at"]), self._aware(data["ends_at"])
        kind = KeychainType.ONE_TIME if when == "once" else KeychainType.CUSTOM
        return PassRequest(kind=kind, starts_at=starts_at, ends_at=ends_at, **common)


class HistoryForm(forms.Form):
    """What the history page shows: a filter, a pass's uses, and where the page starts (the
    ``before`` of the "Older" link). All optional: an empty query is the newest page."""

    show = forms.TypedChoiceField(
        choices=[(show.value, show.label) for show in Show],
        coerce=Show,
        required=False,
        empty_value=Show.ALL,
    )
    before = forms.DateTimeField(required=False)
    keychain = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
