"""The dashboard's plain GET pickers: building, floor, room, time range, the floor or room to
compare with, and whose weekly rhythm."""

from typing import Any

from django import forms

from occupancy.selectors import (
    CUSTOM_MAX_DAYS,
    CUSTOM_RANGE,
    DEFAULT_RANGE,
    RANGES,
    RHYTHM_SCOPES,
)


class DashboardChoiceForm(forms.Form):
    building = forms.CharField(required=False, max_length=64)
    floor = forms.CharField(required=False, max_length=64)
    room = forms.CharField(required=False, max_length=64)
    range = forms.ChoiceField(
        required=False,
        choices=[(name, chosen.label) for name, chosen in RANGES.items()]
        + [(CUSTOM_RANGE, "Chosen dates")],
    )
    start = forms.DateField(required=False)
    stop = forms.DateField(required=False)
    compare = forms.CharField(required=False, max_length=64)
    rhythm = forms.ChoiceField(required=False, choices=[(scope, scope) for scope in RHYTHM_SCOPES])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("range") != CUSTOM_RANGE or self.has_error("start") or self.has_error("stop"):
            return data
        start, stop = data.get("start"), data.get("stop")
        if start is None or stop is None:
            self.add_error(None, "Choose the first and the last day to show.")
        elif stop < start:
            self.add_error(None, "The last day comes before the first one.")
        elif (stop - start).days + 1 > CUSTOM_MAX_DAYS:
            self.add_error(None, f"Choose at most {CUSTOM_MAX_DAYS} days.")
        return data

    def choice(self) -> dict[str, Any]:
        """What was picked, falling back to the defaults for anything missing or invalid."""
        self.is_valid()
        data = self.cleaned_data
        range_name = data.get("range") or DEFAULT_RANGE
        custom = range_name == CUSTOM_RANGE and not self.non_field_errors()
        return {
            "building_id": data.get("building") or None,
            "floor_id": data.get("floor") or None,
            "room_id": data.get("room") or None,
            "range_name": range_name if custom or range_name != CUSTOM_RANGE else DEFAULT_RANGE,
            "first_day": data.get("start") if custom else None,
            "last_day": data.get("stop") if custom else None,
            "rhythm_scope": data.get("rhythm") or None,
            "compare_id": data.get("compare") or None,
        }

    @property
    def problem(self) -> str | None:
        """Why the chosen dates could not be shown, in words."""
        errors = self.non_field_errors()
        if errors:
            return str(errors[0])
        if self.errors.get("start") or self.errors.get("stop"):
            return "Enter the days as dates, such as 2026-11-01."
        return None
