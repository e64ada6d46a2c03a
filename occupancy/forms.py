"""The dashboard's plain GET pickers: building, floor, room, time range and weekly rhythm."""

from django import forms

from occupancy.selectors import DEFAULT_RANGE, RANGES, RHYTHM_SCOPES


class DashboardChoiceForm(forms.Form):
    building = forms.CharField(required=False, max_length=64)
    floor = forms.CharField(required=False, max_length=64)
    room = forms.CharField(required=False, max_length=64)
    range = forms.ChoiceField(
        required=False, choices=[(name, chosen.label) for name, chosen in RANGES.items()]
    )
    rhythm = forms.ChoiceField(required=False, choices=[(scope, scope) for scope in RHYTHM_SCOPES])

    def choice(self) -> dict[str, str | None]:
        """What was picked, falling back to the defaults for anything missing or invalid."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "building_id": data.get("building") or None,
            "floor_id": data.get("floor") or None,
            "room_id": data.get("room") or None,
            "range_name": data.get("range") or DEFAULT_RANGE,
            "rhythm_scope": data.get("rhythm") or None,
        }
