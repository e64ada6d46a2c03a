"""The doors page's amenities: how busy the building's chosen amenities are, polled every
minute. Figures come only through occupancy's selectors, for the resident's own tenancies."""

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from occupancy.selectors import amenities_for_building
from residents.failures import FAILURES
from residents.models import User
from residents.selectors import DoorNotFound, connection_for_user, listing_get


class ResidentRequest(HttpRequest):
    user: User


# htmx stops polling on this status: a building without amenities has nothing to refresh.
STOP_POLLING = 286
# A building's board is built once a minute (occupancy.amenities); its markup lives as long.
AMENITIES_HTML_SECONDS = 120


@require_GET
@never_cache
@login_required
def amenities(request: ResidentRequest, building_id: int, tenant_id: int) -> HttpResponse:
    connection = connection_for_user(user=request.user)
    if connection is None or connection.needs_reconnect:
        return HttpResponse(status=STOP_POLLING)
    try:
        # The tenancy check of every resident page; the doors page has just cached it.
        listing_get(connection=connection, building_id=building_id, tenant_id=tenant_id)
    except DoorNotFound:
        raise Http404("This isn't in your ButterflyMX account.") from None
    except FAILURES:
        # The doors page says what is wrong with ButterflyMX; here nothing shows till it's back.
        return HttpResponse("")
    board = amenities_for_building(butterflymx_building_id=building_id)
    if board is None:
        return HttpResponse(status=STOP_POLLING)
    # The same board for every resident of the building this minute: rendered once.
    key = f"amenities-html:{building_id}:{board.edition}"
    html = cache.get(key)
    if html is None:
        html = render_to_string("residents/_amenities_list.html", {"board": board})
        cache.set(key, html, AMENITIES_HTML_SECONDS)
    return HttpResponse(html)
