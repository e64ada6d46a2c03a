"""Tests of how the dashboard writes a time: the clock today, the day and clock otherwise."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from django.utils.dateformat import format as date_format

from occupancy.templatetags.occupancy_time import CLOCK, moment

CHICAGO = ZoneInfo("America/Chicago")
# Noon in Chicago.
NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _in_chicago():
    with time_machine.travel(NOW, tick=False), timezone.override(CHICAGO):
        yield


@pytest.mark.parametrize("minutes", [0, 1, 5, 59, 65, 599, 600, 701])
def test_a_time_today_is_its_clock_as_django_writes_it(minutes):
    midnight = datetime(2026, 11, 23, tzinfo=CHICAGO)
    value = (midnight + timedelta(minutes=minutes)).astimezone(UTC)

    assert moment(value) == date_format(value.astimezone(CHICAGO), CLOCK)
    assert moment(value) == f"{minutes // 60:02}:{minutes % 60:02}"


def test_a_time_of_another_day_is_written_with_its_day():
    # 23:30 in Chicago on the 22nd is already the 23rd in UTC.
    value = datetime(2026, 11, 23, 5, 30, tzinfo=UTC)

    assert moment(value) == "Sun 22 Nov 23:30"
    assert moment(NOW, always_day=True) == "Mon 23 Nov 12:00"
    assert moment(None) == ""
