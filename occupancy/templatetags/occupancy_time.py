"""The dashboard's one way of writing a time, in the zone the page is rendered in, and the
rows of the chart's table, which begin with one."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from occupancy.selectors import Chart

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
    return _written(value, timezone.get_current_timezone(), timezone.localdate(), always_day)


def _written(value: datetime, zone: tzinfo, today: date, always_day: bool) -> str:
    local = value.astimezone(zone) if timezone.is_aware(value) else value
    if always_day or local.date() != today:
        return date_format(local, DAY_AND_CLOCK)
    # CLOCK, as date_format() writes it: digits only, the same in every language, and
    # without its cost, paid for each of hundreds of rows of the chart's table.
    return f"{local.hour:02}:{local.minute:02}"


@register.simple_tag
def chart_rows(chart: Chart, always_day: bool = False) -> SafeString:
    """The chart's table rows: each window's time, then its cells. Hundreds of rows through
    the template's loop cost more than the rest of a first dashboard; the zone and today
    are looked up once for them all."""
    zone, today = timezone.get_current_timezone(), timezone.localdate()
    return format_html_join(
        "",
        '<tr><th scope="row"><time datetime="{}">{}</time></th>{}</tr>',
        (
            (when.isoformat(), _written(when, zone, today, always_day), cells)
            for when, cells in chart.table()
        ),
    )
