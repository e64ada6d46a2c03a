"""Resident pages: tenancies, doors and one-tap unlock, visitor passes, door history, and
the connection."""

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC
from functools import wraps
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget
from django_htmx.middleware import HtmxDetails

from residents.butterflymx.errors import ValidationFailed
from residents.butterflymx.types import DoorKind
from residents.cards import door_cards
from residents.doorbell import (
    delivery_call,
    doorbell_answered,
    open_token_read,
    ringing_for_tenancy,
)
from residents.failures import FAILURES, failure_for, pass_field_words, seconds
from residents.forms import UPSTREAM_FIELDS, HistoryForm, PassForm
from residents.history import Show, by_day
from residents.models import ButterflyMXConnection, DoorEvent, User
from residents.push import (
    InvalidSubscription,
    subscription_delete,
    subscription_save,
    webhook_for_secret,
)
from residents.selectors import (
    Door,
    DoorListing,
    DoorNotFound,
    PassNotFound,
    PhotoNotFound,
    connection_for_user,
    delivery_passes_allowed,
    door_with_pin,
    doors_for_tenant,
    history_for_tenant,
    history_photo,
    listing_cache_clear,
    listing_get,
    pass_share_get,
    passes_for_tenant,
    tenants_for_connection,
)
from residents.services import (
    PassInProgress,
    PassMaybeCreated,
    UnlockRateLimited,
    UnlockResult,
    connection_disconnect,
    delivery_pass_create,
    door_pin,
    door_release,
    pass_create,
    pass_revoke,
)
from residents.tasks import doorbell_ring

MAYBE_CREATED = (
    "ButterflyMX didn't answer in time, so the pass may or may not have been made. Here is "
    "the list as ButterflyMX has it now: check it before making the pass again."
)


class HtmxHttpRequest(HttpRequest):
    """A signed-in resident's request, as django-htmx and login_required leave it."""

    htmx: HtmxDetails
    user: User


def notice(request: HtmxHttpRequest, message: str, *, status: int) -> HttpResponse:
    """A small page-level notice that htmx puts in the layout's notice area."""
    response = render(request, "_notice.html", {"message": message}, status=status)
    return reswap(retarget(response, "#notice"), "innerHTML")


def _home(
    request: HtmxHttpRequest,
    connection: ButterflyMXConnection | None,
    *,
    reconnect: bool = False,
    upstream_error: str = "",
    status: int = 200,
    retry_url: str = "",
) -> HttpResponse:
    """The home page, which explains what stands between the resident and their doors."""
    if request.htmx:
        if upstream_error:
            return notice(request, upstream_error, status=status)
        return HttpResponseClientRedirect(reverse("home"))
    context = {
        "connection": connection,
        "reconnect": reconnect,
        "upstream_error": upstream_error,
        "retry_url": retry_url,
    }
    return render(request, "residents/home.html", context, status=status)


def butterflymx_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A resident view that needs ButterflyMX: it receives the resident's connection, and
    whatever ButterflyMX failure it lets through is answered in the resident's words.

    Pages that only read send a resident without a usable connection home; a tap still
    reaches its view, so that the attempt is recorded.
    """

    @wraps(view)
    @login_required
    def wrapped(request: HtmxHttpRequest, *args, **kwargs) -> HttpResponse:
        connection = connection_for_user(user=request.user)
        if connection is None or (connection.needs_reconnect and request.method == "GET"):
            return _home(request, connection)
        try:
            return view(request, connection, *args, **kwargs)
        except (DoorNotFound, PassNotFound):
            raise Http404("This isn't in your ButterflyMX account.") from None
        except FAILURES as error:
            failure = failure_for(error)
        if failure.reconnect:
            return _home(request, connection, reconnect=True)
        if "tenant_id" in kwargs:
            kwargs = {key: kwargs[key] for key in ("building_id", "tenant_id")}
            retry_url = reverse("doors", kwargs=kwargs)
        else:
            retry_url = request.path
        return _home(
            request,
            connection,
            status=failure.status,
            upstream_error=failure.page_message,
            retry_url=retry_url,
        )

    return wrapped


@require_GET
@never_cache
@butterflymx_view
def home(request: HtmxHttpRequest, connection: ButterflyMXConnection) -> HttpResponse:
    tenants = tenants_for_connection(connection=connection)
    if len(tenants) == 1:
        return redirect("doors", building_id=tenants[0].building_id, tenant_id=tenants[0].id)
    return render(request, "residents/home.html", {"connection": connection, "tenants": tenants})


@require_GET
@never_cache
@butterflymx_view
def doors(
    request: HtmxHttpRequest, connection: ButterflyMXConnection, building_id: int, tenant_id: int
) -> HttpResponse:
    """The doors page; with ``q``, only the doors whose names match (the search's htmx
    request gets the list alone); with ``all``, a big building's every door."""
    page = doors_for_tenant(connection=connection, building_id=building_id, tenant_id=tenant_id)
    query = request.GET.get("q", "").strip()[:100]
    matches = page.matching(query) if query else None
    show_all = "all" in request.GET
    template = "residents/doors.html"
    if request.htmx and request.htmx.target in {"door-results", "all-doors-list"}:
        template = f"residents/doors.html#{request.htmx.target}"
        show_all = request.htmx.target == "all-doors-list"
    if matches is not None:
        shown: tuple[Door, ...] = matches
    else:
        shown = page.favourites + page.home + page.entrances
        if show_all:
            shown += page.all_doors
    context = {
        "page": page,
        "listing": page.listing,
        "query": query,
        "matches": matches,
        "show_all": show_all,
        "cards": door_cards(request, building_id=building_id, tenant_id=tenant_id, doors=shown),
        "building_id": building_id,
        "tenant_id": tenant_id,
    }
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@require_POST
@never_cache
@login_required
def doors_refresh(request: HtmxHttpRequest, building_id: int, tenant_id: int) -> HttpResponse:
    connection = connection_for_user(user=request.user)
    if connection is not None:
        listing_cache_clear(connection=connection)
    return redirect("doors", building_id=building_id, tenant_id=tenant_id)


@require_GET
@never_cache
@butterflymx_view
def door_card(
    request: HtmxHttpRequest,
    connection: ButterflyMXConnection,
    building_id: int,
    tenant_id: int,
    kind: DoorKind,
    door_id: int,
) -> HttpResponse:
    """One door's card at rest: the card swaps back to this after showing an outcome."""
    listing = listing_get(connection=connection, building_id=building_id, tenant_id=tenant_id)
    door = listing.door(kind, door_id)
    context = {
        "door": door_with_pin(user_id=connection.user_id, tenant_id=tenant_id, door=door),
        "building_id": building_id,
        "tenant_id": tenant_id,
    }
    return render(request, "residents/doors.html#door-card", context)


@require_POST
@never_cache
@butterflymx_view
def door_unlock(
    request: HtmxHttpRequest,
    connection: ButterflyMXConnection,
    building_id: int,
    tenant_id: int,
    kind: DoorKind,
    door_id: int,
) -> HttpResponse:
    try:
        result = door_release(
            connection=connection,
            building_id=building_id,
            tenant_id=tenant_id,
            kind=kind,
            door_id=door_id,
        )
    except UnlockRateLimited as limited:
        message = f"That's a lot of doors at once. Wait {seconds(limited.retry_after)}."
        if not request.htmx:
            messages.error(request, message)
            return redirect("doors", building_id=building_id, tenant_id=tenant_id)
        # On the card that was tapped: the page's notice area may be off-screen.
        listing = listing_get(connection=connection, building_id=building_id, tenant_id=tenant_id)
        door = listing.door(kind, door_id)
        context = {
            "door": replace(door, pinned=request.POST.get("pinned") == "1"),
            "result": UnlockResult(door=door, outcome="rate_limited", message=message),
            "building_id": building_id,
            "tenant_id": tenant_id,
        }
        response = render(request, "residents/doors.html#door-card", context, status=429)
        response["Retry-After"] = str(limited.retry_after)
        return reswap(retarget(response, "closest li"), "outerHTML")
    if kind == DoorKind.ACCESS_POINT and result.outcome == DoorEvent.Outcome.OPENED:
        # The banner's and the "Someone's at the door" page's Open: the call is answered.
        doorbell_answered(
            connection=connection,
            building_id=building_id,
            tenant_id=tenant_id,
            access_point_id=door_id,
        )
    if not request.htmx:
        level = messages.SUCCESS if result.outcome == DoorEvent.Outcome.OPENED else messages.WARNING
        messages.add_message(request, level, f"{result.door.name}: {result.message}")
        return redirect("doors", building_id=building_id, tenant_id=tenant_id)
    context = {
        # The star as the tapped card showed it: a tap reads nothing more than it must.
        "door": replace(result.door, pinned=request.POST.get("pinned") == "1"),
        "result": result,
        "building_id": building_id,
        "tenant_id": tenant_id,
    }
    return render(request, "residents/doors.html#door-card", context)


@require_POST
@never_cache
@butterflymx_view
def door_favourite(
    request: HtmxHttpRequest,
    connection: ButterflyMXConnection,
    building_id: int,
    tenant_id: int,
    kind: DoorKind,
    door_id: int,
) -> HttpResponse:
    """Pin a door as a favourite (``pin=1``) or unpin it; htmx swaps the card."""
    door = door_pin(
        connection=connection,
        building_id=building_id,
        tenant_id=tenant_id,
        kind=kind,
        door_id=door_id,
        pinned=request.POST.get("pin") == "1",
    )
    if not request.htmx:
        return redirect("doors", building_id=building_id, tenant_id=tenant_id)
    context = {"door": door, "building_id": building_id, "tenant_id": tenant_id}
    return render(request, "residents/doors.html#door-card", context)


@require_GET
@never_cache
@login_required
def account(request: HtmxHttpRequest) -> HttpResponse:
    connection = connection_for_user(user=request.user)
    return render(request, "residents/account.html", {"connection": connection})


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def disconnect(request: HtmxHttpRequest) -> HttpResponse:
    connection = connection_for_user(user=request.user)
    if connection is None:
        messages.info(request, "No ButterflyMX account is connected.")
        return redirect("account")
    if request.method == "GET":
        return render(request, "residents/disconnect.html", {"connection": connection})
    if connection_disconnect(connection=connection):
        messages.success(request, "ButterflyMX is disconnected. Foyer no longer holds its keys.")
    else:
        messages.warning(
            request,
            "ButterflyMX is disconnected from Foyer and its keys are deleted here. ButterflyMX "
            "didn't confirm the revocation; you can also remove Foyer in your ButterflyMX account.",
        )
    return redirect("account")


# Visitor passes.


def _building_zone(listing: DoorListing) -> ZoneInfo:
    # The building's zone from ButterflyMX, else the server's (and the page says which).
    return listing.zone


def _pass_page(building_id: int, tenant_id: int, name: str = "visitors", **kwargs) -> str:
    return reverse(name, kwargs={"building_id": building_id, "tenant_id": tenant_id, **kwargs})


@require_GET
@never_cache
@butterflymx_view
def visitors(
    request: HtmxHttpRequest, connection: ButterflyMXConnection, building_id: int, tenant_id: int
) -> HttpResponse:
    listing = listing_get(connection=connection, building_id=building_id, tenant_id=tenant_id)
    passes = passes_for_tenant(connection=connection, building_id=building_id, tenant_id=tenant_id)
    context = {
        "listing": listing,
        "passes": passes,
        "zone": _building_zone(listing),
        "delivery": delivery_passes_allowed(connection=connection, building_id=building_id),
        "building_id": building_id,
        "tenant_id": tenant_id,
    }
    # The list refreshes itself every minute while it is open, so a pass shows as used.
    template = "residents/visitors.html#pass-list" if request.htmx else "residents/visitors.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_http_methods(["GET", "POST"])
@never_cache
@butterflymx_view
def visitor_new(
    request: HtmxHttpRequest, connection: ButterflyMXConnection, building_id: int, tenant_id: int
) -> HttpResponse:
    listing = listing_get(connection=connection, building_id=building_id, tenant_id=tenant_id)
    zone = _building_zone(listing)
    form = PassForm(request.POST or None, listing=listing, zone=zone)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                keychain = pass_create(
                    connection=connection,
                    building_id=building_id,
                    tenant_id=tenant_id,
                    request=form.pass_request(),
                )
            except PassInProgress:
                messages.info(request, "That pass is being made already.")
                return redirect(_pass_page(building_id, tenant_id))
            except PassMaybeCreated:
                messages.warning(request, MAYBE_CREATED)
                return redirect(_pass_page(building_id, tenant_id))
            except ValidationFailed as refused:
                for error in refused.errors:
                    form.add_error(UPSTREAM_FIELDS.get(error.field or ""), pass_field_words(error))
            else:
                messages.success(request, f"The pass for {keychain.name} is ready to share.")
                return redirect(
                    _pass_page(building_id, tenant_id, "visitor", keychain_id=keychain.id)
                )
        status = 422
    context = {
        "form": form,
        "listing": listing,
        "zone": zone,
        "building_id": building_id,
        "tenant_id": tenant_id,
    }
    return render(request, "residents/visitor_new.html", context, status=status)


@require_POST
@never_cache
@butterflymx_view
def visitor_delivery(
    request: HtmxHttpRequest, connection: ButterflyMXConnection, building_id: int, tenant_id: int
) -> HttpResponse:
    try:
        keychain = delivery_pass_create(
            connection=connection, building_id=building_id, tenant_id=tenant_id
        )
    except PassInProgress:
        messages.info(request, "That delivery pass is being made already.")
    except PassMaybeCreated:
        messages.warning(request, MAYBE_CREATED)
    except ValidationFailed as refused:
        for error in refused.errors:
            messages.error(request, pass_field_words(error))
    else:
        return redirect(_pass_page(building_id, tenant_id, "visitor", keychain_id=keychain.id))
    return redirect(_pass_page(building_id, tenant_id))


@require_GET
@never_cache
@butterflymx_view
def visitor(
    request: HtmxHttpRequest,
    connection: ButterflyMXConnection,
    building_id: int,
    tenant_id: int,
    keychain_id: int,
) -> HttpResponse:
    """The pass to share: its PIN, QR code and link, fetched now and stored nowhere."""
    listing = listing_get(connection=connection, building_id=building_id, tenant_id=tenant_id)
    keychain, keys = pass_share_get(
        connection=connection, building_id=building_id, tenant_id=tenant_id, keychain_id=keychain_id
    )
    names = {door.id: door.name for door in listing.entrances}
    context = {
        "keychain": keychain,
        "keys": keys,
        "doors": [names[i] for i in keychain.access_point_ids if i in names],
        "zone": _building_zone(listing),
        "building_name": listing.building_name or "your building",
        "building_id": building_id,
        "tenant_id": tenant_id,
    }
    return render(request, "residents/visitor.html", context)


@require_http_methods(["GET", "POST"])
@never_cache
@butterflymx_view
def visitor_revoke(
    request: HtmxHttpRequest,
    connection: ButterflyMXConnection,
    building_id: int,
    tenant_id: int,
    keychain_id: int,
) -> HttpResponse:
    if request.method == "GET":
        keychain, _ = pass_share_get(
            connection=connection,
            building_id=building_id,
            tenant_id=tenant_id,
            keychain_id=keychain_id,
        )
        context = {"keychain": keychain, "building_id": building_id, "tenant_id": tenant_id}
        return render(request, "residents/visitor_revoke.html", context)
    pass_revoke(
        connection=connection, building_id=building_id, tenant_id=tenant_id, keychain_id=keychain_id
    )
    messages.success(request, "The pass is revoked: its PIN and QR code no longer open doors.")
    return redirect(_pass_page(building_id, tenant_id))


# Door history.


@require_GET
@never_cache
@butterflymx_view
def history_home(request: HtmxHttpRequest, connection: ButterflyMXConnection) -> HttpResponse:
    """The history of the home the resident last opened a door of, or of their first."""
    tenants = tenants_for_connection(connection=connection)
    if not tenants:
        return redirect("home")
    last = DoorEvent.objects.filter(user_id=connection.user_id).order_by("-created_at").first()
    chosen = next(
        (
            t
            for t in tenants
            if last and (t.building_id, t.id) == (last.building_id, last.tenant_id)
        ),
        tenants[0],
    )
    return redirect("history", building_id=chosen.building_id, tenant_id=chosen.id)


@require_GET
@never_cache
@login_required
def history(request: HtmxHttpRequest, building_id: int, tenant_id: int) -> HttpResponse:
    """A tenancy's door history. Unlike the doors, it shows what Foyer has of it even while
    ButterflyMX fails or wants the resident to reconnect."""
    connection = connection_for_user(user=request.user)
    if connection is None:
        return _home(request, connection)
    form = HistoryForm(request.GET)
    if not form.is_valid():
        context = {"building_id": building_id, "tenant_id": tenant_id, "form": form}
        return render(request, "residents/history.html", context, status=400)
    show, before, keychain_id = (form.cleaned_data[name] for name in ("show", "before", "keychain"))
    try:
        found = history_for_tenant(
            connection=connection,
            building_id=building_id,
            tenant_id=tenant_id,
            show=show,
            until=before,
            keychain_id=keychain_id,
        )
    except (DoorNotFound, PassNotFound):
        raise Http404("This isn't in your ButterflyMX account.") from None
    older = ""
    if found.timeline.older is not None:
        query = {"before": found.timeline.older.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        query |= {"keychain": keychain_id} if keychain_id else {"show": show.value}
        older = f"?{urlencode(query)}"
    zone = _building_zone(found.listing) if found.listing else ZoneInfo(settings.TIME_ZONE)
    context = {
        "history": found,
        "days": by_day(found.timeline.entries, zone=zone, now=timezone.now()),
        "listing": found.listing,
        "zone": zone,
        "show": show,
        "filters": list(Show),
        "before": before,
        "older": older,
        "building_id": building_id,
        "tenant_id": tenant_id,
    }
    return render(request, "residents/history.html", context)


@require_GET
@butterflymx_view
def history_photo_view(
    request: HtmxHttpRequest,
    connection: ButterflyMXConnection,
    building_id: int,
    tenant_id: int,
    source: str,
    item_id: int,
) -> HttpResponse:
    """An intercom photo of the resident's own history, passed on from ButterflyMX: its
    public address never reaches the page, and nobody else's photo can be asked for."""
    try:
        photo = history_photo(
            connection=connection,
            building_id=building_id,
            tenant_id=tenant_id,
            source=source,
            item_id=item_id,
        )
    except PhotoNotFound:
        raise Http404("No such photo in your history.") from None
    except FAILURES as error:
        failure = failure_for(error)
        return HttpResponse(failure.page_message, status=failure.status, content_type="text/plain")
    response = HttpResponse(photo.content, content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Doorbell notifications.


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from the site's root so that it may control every page."""
    path = finders.find("js/sw.js")
    if not path:
        raise Http404("No service worker.")
    with open(path, "rb") as script:
        response = HttpResponse(script.read(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


def _json_body(request: HttpRequest) -> dict | None:
    if request.content_type != "application/json":
        return None
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


@require_POST
@never_cache
@login_required
def push_subscribe(request: HtmxHttpRequest) -> HttpResponse:
    """Remember this device for doorbell notifications (the account page's script posts its
    push subscription here, with the CSRF header)."""
    if not settings.PUSH_ENABLED:
        return JsonResponse({"error": "Notifications are off on this Foyer."}, status=503)
    body = _json_body(request)
    keys = body.get("keys") if body else None
    if body is None or not isinstance(keys, dict):
        return JsonResponse({"error": "Send the browser's push subscription."}, status=400)
    endpoint, p256dh, auth = body.get("endpoint"), keys.get("p256dh"), keys.get("auth")
    label = body.get("label", "")
    if not (
        isinstance(endpoint, str)
        and isinstance(p256dh, str)
        and isinstance(auth, str)
        and isinstance(label, str)
    ):
        return JsonResponse({"error": "Send the browser's push subscription."}, status=400)
    try:
        subscription = subscription_save(
            user=request.user, endpoint=endpoint, p256dh=p256dh, auth=auth, label=label
        )
    except InvalidSubscription as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse({"id": subscription.pk}, status=201)


@require_POST
@never_cache
@login_required
def push_unsubscribe(request: HtmxHttpRequest, subscription_id: int) -> HttpResponse:
    if subscription_delete(user=request.user, subscription_id=subscription_id):
        messages.success(request, "That device no longer gets doorbell notifications.")
    return redirect("account")


@csrf_exempt
@require_POST
def doorbell_webhook(request: HttpRequest, secret: str) -> HttpResponse:
    """Where ButterflyMX says something rang. Unsigned and in another id space, so it is
    only a signal: of a small body only the call's guid and panel id are read (for telling
    the panel the call was handled), the work happens in the background."""
    webhook = webhook_for_secret(secret)
    if webhook is None:
        return HttpResponse(status=404)
    call_guid, panel_id = delivery_call(request.body)
    doorbell_ring.enqueue(webhook.pk, call_guid, panel_id)
    return HttpResponse(status=200)


@csrf_exempt
@require_POST
@never_cache
def doorbell_open(request: HtmxHttpRequest) -> HttpResponse:
    """The notification's Open. The signed token is this endpoint's CSRF protection: it is
    accepted only in a JSON body (no other site's page can send one without a preflight),
    only from the signed-in resident it names, for the door and the 40 s it names."""
    body = _json_body(request)
    token = body.get("token") if body else None
    if not request.user.is_authenticated:
        return JsonResponse({"message": "Sign in to Foyer to open the door."}, status=401)
    if not isinstance(token, str):
        return JsonResponse({"message": "This isn't a doorbell's Open."}, status=400)
    try:
        wanted = open_token_read(token=token, user_id=request.user.pk)
    except signing.BadSignature:
        return JsonResponse(
            {"message": "This call has ended: open the door from Foyer instead."}, status=403
        )
    connection = connection_for_user(user=request.user)
    if connection is None:
        return JsonResponse({"message": "Connect ButterflyMX to open doors."}, status=403)
    try:
        result = door_release(
            connection=connection,
            building_id=wanted.building_id,
            tenant_id=wanted.tenant_id,
            kind=DoorKind.ACCESS_POINT,
            door_id=wanted.access_point_id,
        )
    except DoorNotFound:
        return JsonResponse({"message": "This door isn't in your ButterflyMX account."}, status=404)
    except UnlockRateLimited as limited:
        message = f"That's a lot of doors at once. Wait {seconds(limited.retry_after)}."
        return JsonResponse({"message": message}, status=429)
    except FAILURES as error:
        failure = failure_for(error)
        return JsonResponse({"message": failure.page_message}, status=failure.status)
    if result.outcome == DoorEvent.Outcome.OPENED:
        doorbell_answered(
            connection=connection,
            building_id=wanted.building_id,
            tenant_id=wanted.tenant_id,
            access_point_id=wanted.access_point_id,
            call_id=wanted.call_id,
        )
    return JsonResponse(
        {"outcome": result.outcome, "message": f"{result.door.name}: {result.message}"}
    )


@require_GET
@never_cache
@butterflymx_view
def doorbell_ringing(
    request: HtmxHttpRequest,
    connection: ButterflyMXConnection,
    building_id: int,
    tenant_id: int,
    call_id: int,
) -> HttpResponse:
    """ "Someone's at the door": where tapping the notification lands."""
    ring = ringing_for_tenancy(connection=connection, building_id=building_id, tenant_id=tenant_id)
    context = {
        "ring": ring if ring is not None and ring.call_id == call_id else None,
        "call_id": call_id,
        "building_id": building_id,
        "tenant_id": tenant_id,
    }
    return render(request, "residents/ringing.html", context)


@require_GET
@never_cache
@login_required
def doorbell_banner(request: HtmxHttpRequest, building_id: int, tenant_id: int) -> HttpResponse:
    """The doors page's "ringing now" banner, polled while the page is open: when ButterflyMX
    can't be asked, it stays empty rather than putting an error where the banner goes."""
    connection = connection_for_user(user=request.user)
    ring = None
    if connection is not None and not connection.needs_reconnect:
        try:
            ring = ringing_for_tenancy(
                connection=connection, building_id=building_id, tenant_id=tenant_id
            )
        except DoorNotFound:
            raise Http404("This isn't in your ButterflyMX account.") from None
        except FAILURES:
            ring = None
    context = {"ring": ring, "building_id": building_id, "tenant_id": tenant_id}
    return render(request, "residents/_ringing.html", context)
