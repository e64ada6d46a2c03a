"""The property managers' occupancy dashboard."""

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.text import slugify
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from occupancy.forms import DashboardChoiceForm
from occupancy.roles import manager_required
from occupancy.selectors import dashboard_get, floor_chart_get, weekly_rhythm_get

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@require_GET
@manager_required
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """The whole page, or only its figures for the page's refresh every minute."""
    form = DashboardChoiceForm(request.GET)
    board = dashboard_get(**form.choice(), numbers_only=bool(request.htmx))
    template = "occupancy/dashboard.html#numbers" if request.htmx else "occupancy/dashboard.html"
    response = render(request, template, {"board": board, "range_problem": form.problem})
    patch_vary_headers(response, ("HX-Request",))
    patch_cache_control(response, private=True, no_cache=True)
    return response


@require_GET
@manager_required
def dashboard_rhythm(request: HtmxHttpRequest) -> HttpResponse:
    """The weekly rhythm, which the page asks for on its own when it was not built yet;
    without JavaScript, back to the page, which now shows it."""
    form = DashboardChoiceForm(request.GET)
    board = dashboard_get(**form.choice(), rhythm_only=True)
    if not request.htmx:
        return redirect(f"{reverse('occupancy:dashboard')}?{request.GET.urlencode()}#rhythm-title")
    response = render(request, "occupancy/dashboard.html#rhythm", {"board": board})
    patch_cache_control(response, private=True, no_cache=True)
    return response


@require_GET
@manager_required
def dashboard_csv(request: HttpRequest) -> HttpResponse:
    """The numbers of the floor's chart as shown, one row per window, in the site's time."""
    choice = DashboardChoiceForm(request.GET).choice()
    chart = floor_chart_get(
        building_id=choice["building_id"],
        floor_id=choice["floor_id"],
        range_name=choice["range_name"],
        room_id=choice["room_id"],
        first_day=choice["first_day"],
        last_day=choice["last_day"],
        compare_id=choice["compare_id"],
    )
    if chart is None:
        return _unavailable()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = slugify(f"occupancy {chart.space_name} {chart.range.slug}")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    # Room and floor names come from Butlr, where anyone who names a space may write them.
    writer.writerow([_inert(column) for column in chart.header()])
    for moment, values in chart.rows():
        writer.writerow([moment.isoformat(), *("" if value is None else value for value in values)])
    patch_cache_control(response, private=True, no_cache=True)
    return response


@require_GET
@manager_required
def weekly_csv(request: HttpRequest) -> HttpResponse:
    """The weekly rhythm as shown: a row per day of the week, a column per hour."""
    choice = DashboardChoiceForm(request.GET).choice()
    rhythm = weekly_rhythm_get(
        building_id=choice["building_id"],
        floor_id=choice["floor_id"],
        room_id=choice["room_id"],
        scope=choice["rhythm_scope"],
    )
    if rhythm is None:
        return _unavailable()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = slugify(f"weekly occupancy {rhythm.name} {rhythm.last_day.isoformat()}")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(rhythm.header())
    for row in rhythm.rows():
        writer.writerow([_inert(value) if isinstance(value, str) else value for value in row])
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _unavailable() -> HttpResponse:
    response = HttpResponse(
        "Occupancy figures are unavailable right now; please try again in a minute.\n",
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = "60"
    return response


def _inert(text: str) -> str:
    """Text a spreadsheet would run as a formula, behind a quote that keeps it text."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
