"""The dashboard's one way of writing a time, in the zone the page is rendered in."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

register = template.Library()

# "09:05" today; "Sat 21 Nov 09:05" on another day. The chart's axis (static/js/dashboard.js)
# writes the same.
CLOCK = "H:i"
DAY_AND_CLOCK = "D j M H:i"


@register.filter
def moment(value: datetime | None, always_day: bool = False) -> str:
    """``value`` in the active time zone: its clock time if it is today there (and
    ``always_day`` is not set), its day and clock time otherwise."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    today = timezone.localdate()
    shape = DAY_AND_CLOCK if always_day or local.date() != today else CLOCK
    return date_format(local, shape)
