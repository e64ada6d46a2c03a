"""The sandbox's intercom control: make a visitor ring a unit from a panel, or hang up.

A stand-in for someone at the building's door, for demos and tests. Like the fault control,
it answers only this machine, unless the site runs in DEBUG.
"""

import json

from django.conf import settings
from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from sandbox.butterflymx.errors import ApiError, api_error_response
from sandbox.butterflymx.integrations import call_deliveries_send
from sandbox.butterflymx.models import Device, Unit
from sandbox.butterflymx.selectors import call_get, ring_panels, ring_units
from sandbox.butterflymx.serializers import call_data
from sandbox.butterflymx.services import call_cancel, call_create, calls_settle
from sandbox.views import _from_this_machine


def _allowed(request) -> bool:
    return settings.DEBUG or _from_this_machine(request)


def _is_json(request) -> bool:
    return request.content_type == "application/json"


def _csrf_refusal(request):
    """Check CSRF for a form post. The views are exempt so that a program may post JSON, which
    no page elsewhere can send from a browser without a preflight nobody answers."""
    if _is_json(request):
        return None
    return CsrfViewMiddleware(lambda _request: None).process_view(request, None, (), {})


def _forbidden(request):
    message = "The intercom control answers this machine only."
    if _is_json(request):
        return api_error_response(ApiError(403, "forbidden", message))
    return render(request, "sandbox/butterflymx/ring.html", {"refused": message}, status=403)


def _id(value, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31:
        return value
    raise ApiError(422, "invalid", f"{field} is not a number.", field=field)


def _ring_params(request) -> tuple[int | None, int | None]:
    if _is_json(request):
        try:
            payload = json.loads(request.body or b"{}")
        except ValueError:
            raise ApiError(400, "bad_request", "The request body is not valid JSON.") from None
        if not isinstance(payload, dict):
            raise ApiError(400, "bad_request", "Send a JSON object.")
    else:
        payload = request.POST
    return _id(payload.get("unit_id"), "unit_id"), _id(payload.get("device_id"), "device_id")


def _ring(request):
    unit_id, device_id = _ring_params(request)
    if unit_id is None:
        raise ApiError(422, "blank", "unit_id can't be blank.", field="unit_id")
    unit = Unit.objects.filter(id=unit_id).first()
    if unit is None:
        raise ApiError(404, "not_found", "Unit not found.", field="unit_id")
    device = None
    if device_id is not None:
        device = Device.objects.filter(id=device_id).first()
        if device is None:
            raise ApiError(404, "not_found", "Device not found.", field="device_id")
    call = call_create(unit=unit, device=device)
    call_deliveries_send(call, request=request)
    return call


def _page(request, *, call=None, error=None, status=200):
    if call is not None:
        calls_settle()
        call = call_get(call_id=call.id)
    return render(
        request,
        "sandbox/butterflymx/ring.html",
        {
            "units": list(ring_units()),
            "panels": list(ring_panels()),
            "call": call,
            "error": error,
            "chosen_unit": request.POST.get("unit_id", ""),
            "chosen_device": request.POST.get("device_id", ""),
        },
        status=status,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def ring(request):
    if not _allowed(request):
        return _forbidden(request)
    if request.method == "GET":
        return _page(request)
    refusal = _csrf_refusal(request)
    if refusal is not None:
        return refusal
    try:
        call = _ring(request)
    except ApiError as error:
        if _is_json(request):
            return api_error_response(error)
        return _page(request, error=error.errors[0]["message"], status=error.status)
    if _is_json(request):
        return JsonResponse({"data": call_data(call, request=request)}, status=201)
    return _page(request, call=call, status=201)


@csrf_exempt
@require_POST
def ring_cancel(request, call_id):
    if not _allowed(request):
        return _forbidden(request)
    refusal = _csrf_refusal(request)
    if refusal is not None:
        return refusal
    try:
        call = call_cancel(call_id=call_id)
    except ApiError as error:
        if _is_json(request):
            return api_error_response(error)
        return _page(
            request,
            call=call_get(call_id=call_id),
            error=error.errors[0]["message"],
            status=error.status,
        )
    if _is_json(request):
        return JsonResponse({"data": call_data(call, request=request)})
    return _page(request, call=call)
