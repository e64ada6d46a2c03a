"""Resident pages: tenancies, doors and one-tap unlock, activity, and the connection."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from residents.butterflymx.client import (
    BadResponse,
    ButterflyMXError,
    RateLimited,
    Unauthorized,
    UpstreamTimeout,
)
from residents.models import DoorEvent
from residents.selectors import (
    DoorNotFound,
    connection_for_user,
    door_events_for_user,
    doors_for_tenant,
    listing_cache_clear,
    tenants_for_user,
)
from residents.services import UnlockRateLimited, connection_disconnect, door_release
from residents.tokens import NotConnected, ReconnectRequired

KINDS = {"access-point": DoorEvent.Kind.ACCESS_POINT, "device": DoorEvent.Kind.DEVICE}


def _upstream_error(error: ButterflyMXError) -> tuple[int, str]:
    """The status and the words for a page that ButterflyMX could not fill."""
    if isinstance(error, UpstreamTimeout):
        return 504, "ButterflyMX is taking too long to answer. Try again in a moment."
    if isinstance(error, RateLimited):
        return 503, "ButterflyMX asked us to slow down. Try again in a minute."
    if isinstance(error, BadResponse):
        return 502, "ButterflyMX sent an answer we couldn't read. Try again in a moment."
    return 503, "ButterflyMX isn't answering right now. Try again in a moment."


def _unavailable(request, connection, error: ButterflyMXError):
    status, message = _upstream_error(error)
    context = {"connection": connection, "upstream_error": message}
    return render(request, "residents/home.html", context, status=status)


def _reconnect(request, connection):
    return render(request, "residents/home.html", {"connection": connection, "reconnect": True})


@require_GET
@login_required
def home(request):
    connection = connection_for_user(user=request.user)
    if connection is None or connection.needs_reconnect:
        return render(request, "residents/home.html", {"connection": connection})
    try:
        tenants = tenants_for_user(user=request.user, connection=connection)
    except (NotConnected, ReconnectRequired, Unauthorized):
        return _reconnect(request, connection)
    except ButterflyMXError as error:
        return _unavailable(request, connection, error)
    if len(tenants) == 1:
        return redirect("doors", building_id=tenants[0].building_id, tenant_id=tenants[0].id)
    return render(request, "residents/home.html", {"connection": connection, "tenants": tenants})


def _listing_or_404(request, connection, building_id, tenant_id):
    try:
        return doors_for_tenant(
            user=request.user,
            connection=connection,
            building_id=building_id,
            tenant_id=tenant_id,
        )
    except DoorNotFound:
        raise Http404("This tenancy isn't in your ButterflyMX account.") from None


@require_GET
@login_required
def doors(request, building_id: int, tenant_id: int):
    connection = connection_for_user(user=request.user)
    if connection is None or connection.needs_reconnect:
        return render(request, "residents/home.html", {"connection": connection})
    try:
        listing = _listing_or_404(request, connection, building_id, tenant_id)
    except (NotConnected, ReconnectRequired, Unauthorized):
        return _reconnect(request, connection)
    except ButterflyMXError as error:
        return _unavailable(request, connection, error)
    context = {"listing": listing, "building_id": building_id, "tenant_id": tenant_id}
    return render(request, "residents/doors.html", context)


@require_POST
@login_required
def doors_refresh(request, building_id: int, tenant_id: int):
    connection = connection_for_user(user=request.user)
    if connection is not None:
        listing_cache_clear(connection=connection)
    return redirect("doors", building_id=building_id, tenant_id=tenant_id)


def _door_request(request, building_id, tenant_id, kind):
    """The connection and door kind of an unlock or card request, or 404."""
    if kind not in KINDS:
        raise Http404("No such kind of door.")
    connection = connection_for_user(user=request.user)
    if connection is None:
        raise Http404("No ButterflyMX account is connected.")
    return connection, KINDS[kind]


def _notice(request, message: str, *, status: int):
    """A page-level notice for an htmx unlock that could not even be attempted."""
    response = render(request, "residents/_unlock_notice.html", {"message": message}, status=status)
    return reswap(retarget(response, "#unlock-notice"), "innerHTML")


@require_GET
@login_required
def door_card(request, building_id: int, tenant_id: int, kind: str, door_id: int):
    """One door's card at rest: the card swaps back to this after showing an outcome."""
    connection, kind = _door_request(request, building_id, tenant_id, kind)
    try:
        listing = _listing_or_404(request, connection, building_id, tenant_id)
        door = listing.door(kind, door_id)
    except DoorNotFound:
        raise Http404("This door isn't in your list.") from None
    except (ButterflyMXError, NotConnected, ReconnectRequired):
        # The full page explains what is wrong.
        return HttpResponseClientRedirect(reverse("doors", args=[building_id, tenant_id]))
    context = {"door": door, "building_id": building_id, "tenant_id": tenant_id}
    return render(request, "residents/doors.html#door-card", context)


@require_POST
@login_required
def door_unlock(request, building_id: int, tenant_id: int, kind: str, door_id: int):
    connection, kind = _door_request(request, building_id, tenant_id, kind)
    try:
        result = door_release(
            user=request.user,
            connection=connection,
            building_id=building_id,
            tenant_id=tenant_id,
            kind=kind,
            door_id=door_id,
        )
    except DoorNotFound:
        raise Http404("This door isn't in your list.") from None
    except UnlockRateLimited as limited:
        message = f"That's a lot of doors at once. Wait {limited.retry_after} seconds."
        if not request.htmx:
            messages.error(request, message)
            return redirect("doors", building_id=building_id, tenant_id=tenant_id)
        response = _notice(request, message, status=429)
        response["Retry-After"] = str(limited.retry_after)
        return response
    except (NotConnected, ReconnectRequired, Unauthorized):
        # The home page offers the reconnect button.
        if request.htmx:
            return HttpResponseClientRedirect(reverse("home"))
        return redirect("home")
    except ButterflyMXError as error:
        # The listing could not be loaded, so nothing was sent.
        status, message = _upstream_error(error)
        if not request.htmx:
            messages.error(request, message)
            return redirect("doors", building_id=building_id, tenant_id=tenant_id)
        return _notice(request, message, status=status)
    if not request.htmx:
        level = messages.SUCCESS if result.outcome == DoorEvent.Outcome.OPENED else messages.WARNING
        messages.add_message(request, level, f"{result.door.name}: {result.message}")
        return redirect("doors", building_id=building_id, tenant_id=tenant_id)
    context = {
        "door": result.door,
        "result": result,
        "building_id": building_id,
        "tenant_id": tenant_id,
    }
    return render(request, "residents/doors.html#door-card", context)


@require_GET
@login_required
def activity(request):
    events = door_events_for_user(user=request.user)
    return render(request, "residents/activity.html", {"events": events})


@require_GET
@login_required
def account(request):
    connection = connection_for_user(user=request.user)
    return render(request, "residents/account.html", {"connection": connection})


@require_http_methods(["GET", "POST"])
@login_required
def disconnect(request):
    connection = connection_for_user(user=request.user)
    if connection is None:
        messages.info(request, "No ButterflyMX account is connected.")
        return redirect("account")
    if request.method == "GET":
        return render(request, "residents/disconnect.html", {"connection": connection})
    revoked = connection_disconnect(user=request.user)
    if revoked:
        messages.success(request, "ButterflyMX is disconnected. Foyer no longer holds its keys.")
    else:
        messages.warning(
            request,
            "ButterflyMX is disconnected from Foyer and its keys are deleted here. ButterflyMX "
            "didn't confirm the revocation; you can also remove Foyer in your ButterflyMX account.",
        )
    return redirect("account")
