"""The sandbox ButterflyMX's tenant integrations (webhooks): create, list, show, update and
delete in the documented JSON:API shape, and the call delivery POSTed to each integration bound
to ``call`` when a visitor rings its tenant's unit.

ButterflyMX's undocumented v3 ``POST /v3/notifications/open_door`` (``{call_guid, panel_id}``,
the delivery's ids) tells the panel the call was handled: the ringing call is marked opened.

Like the real service, a delivery is unsigned, carries ids from another id space, no call id
and no time, is sent once and never again (a ``drop`` fault on
``butterflymx.webhook_delivery`` loses one), and never holds up the ring.
"""

import json
import logging
import threading
import uuid

import requests
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sandbox.butterflymx.api_views import bearer_is_live, bearer_required
from sandbox.butterflymx.errors import ApiError, api_error_body, api_error_response
from sandbox.butterflymx.listing import page_get
from sandbox.butterflymx.models import RING_TIMEOUT, Call, Integration, Tenant
from sandbox.butterflymx.serializers import photo_url, time_format
from sandbox.faults import endpoint, outgoing_fault, outgoing_register

logger = logging.getLogger(__name__)

DELIVERY = outgoing_register("butterflymx.webhook_delivery")
DELIVERY_TIMEOUT_SECONDS = 5
# Deliveries name panels, units and people by ids of another space than the REST API's.
OTHER_ID_SPACE = 70_000_000
# A call's guid is the same in every delivery of it, and no REST answer shows it.
CALL_GUID_NAMESPACE = uuid.UUID("6f1d2c1e-4a0b-4d55-9d0e-2b7f0c3a9e11")


def call_guid(call: Call) -> str:
    return str(uuid.uuid5(CALL_GUID_NAMESPACE, f"sandbox-call:{call.pk}"))


def integration_data(integration: Integration) -> dict:
    return {
        "id": str(integration.pk),
        "type": "integrations",
        "attributes": {
            "integrator": integration.integrator,
            "configuration": integration.configuration,
            "bindings": integration.bindings,
            "created_at": time_format(integration.created_at),
            "updated_at": time_format(integration.updated_at),
        },
    }


def _attributes(body: bytes) -> dict:
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        raise ApiError(400, "bad_request", "The request body is not valid JSON.") from None
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict) or data.get("type") != "integrations":
        raise ApiError(400, "bad_request", 'Send {"data": {"type": "integrations", ...}}.')
    attributes = data.get("attributes")
    if not isinstance(attributes, dict):
        raise ApiError(422, "blank", "attributes can't be blank.", field="attributes")
    if attributes.get("integrator") != "webhook":
        raise ApiError(422, "inclusion", "integrator must be webhook.", field="integrator")
    configuration = attributes.get("configuration")
    url = configuration.get("url") if isinstance(configuration, dict) else None
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ApiError(422, "invalid", "configuration url is not a URL.", field="configuration")
    if str(configuration.get("method", "post")).lower() != "post":
        raise ApiError(422, "inclusion", "configuration method must be post.", field="method")
    bindings = attributes.get("bindings")
    valid = isinstance(bindings, list) and bindings
    valid = valid and all(
        isinstance(binding, dict)
        and isinstance(binding.get("resource_type"), str)
        and isinstance(binding.get("actions"), list)
        for binding in bindings
    )
    if not valid:
        raise ApiError(422, "invalid", "bindings are not valid.", field="bindings")
    return {
        "integrator": "webhook",
        "configuration": {"url": url, "method": "post"},
        "bindings": bindings,
    }


def _tenant(person, tenant_id: int) -> Tenant:
    tenant = Tenant.objects.filter(pk=tenant_id, person=person).first()
    if tenant is None:
        raise ApiError(404, "not_found", "Tenant not found.")
    return tenant


@csrf_exempt
@endpoint("butterflymx.integrations", authenticated=bearer_is_live, error_body=api_error_body)
@require_http_methods(["GET", "POST"])
@bearer_required
def integrations(request, person, tenant_id):
    try:
        tenant = _tenant(person, tenant_id)
        if request.method == "GET":
            items, page_info = page_get(tenant.integrations.all(), request.GET)
            return JsonResponse(
                {"data": [integration_data(item) for item in items], "page_info": page_info}
            )
        now = timezone.now()
        integration = Integration.objects.create(
            tenant=tenant, created_at=now, updated_at=now, **_attributes(request.body)
        )
    except ApiError as error:
        return api_error_response(error)
    # ButterflyMX's reference documents 200 for a create.
    return JsonResponse({"data": integration_data(integration)})


@csrf_exempt
@endpoint("butterflymx.integration", authenticated=bearer_is_live, error_body=api_error_body)
@require_http_methods(["GET", "PUT", "DELETE"])
@bearer_required
def integration(request, person, tenant_id, integration_id):
    try:
        tenant = _tenant(person, tenant_id)
        found = tenant.integrations.filter(pk=integration_id).first()
        if found is None:
            raise ApiError(404, "not_found", "Integration not found.")
        if request.method == "PUT":
            for name, value in _attributes(request.body).items():
                setattr(found, name, value)
            found.updated_at = timezone.now()
            found.save()
    except ApiError as error:
        return api_error_response(error)
    if request.method == "DELETE":
        found.delete()
        return HttpResponse(status=204)
    return JsonResponse({"data": integration_data(found)})


def call_delivery(call: Call, *, request) -> dict:
    """A call delivery as ButterflyMX sends it: a signal, in ids of another space."""
    recipient = call.recipient
    return {
        "event": {
            "resource_type": "call",
            "action": "create",
            "data": {
                "guid": call_guid(call),
                "user": {
                    "id": OTHER_ID_SPACE + recipient.person_id,
                    "name": f"{recipient.person.first_name} {recipient.person.last_name}",
                },
                "panel": {"id": OTHER_ID_SPACE + call.device_id, "name": call.device.name},
                "unit": {"id": OTHER_ID_SPACE + call.unit_id, "label": call.unit.label},
                "provider": "butterflymx",
                "source": {"type": "panel", "id": OTHER_ID_SPACE + call.device_id},
                "image_url": photo_url(call.photo, request=request),
            },
        }
    }


def _post(url: str, body: dict) -> None:
    try:
        requests.post(url, json=body, timeout=DELIVERY_TIMEOUT_SECONDS, allow_redirects=False)
    except requests.RequestException as error:
        # Never resent, as ButterflyMX never resends; the address holds a secret: not logged.
        logger.info("Sandbox webhook delivery failed: %s", type(error).__name__)


def call_deliveries_send(call: Call, *, request) -> int:
    """POST the call to every integration bound to ``call`` of the unit's live tenants, each
    from a thread of its own so that the ring is answered at once; returns how many left."""
    now = timezone.now()
    tenants = Tenant.objects.filter(unit_id=call.unit_id).filter(
        Q(inactive_after__isnull=True) | Q(inactive_after__gt=now)
    )
    body = call_delivery(call, request=request)
    sent = 0
    for integration in Integration.objects.filter(tenant__in=tenants):
        if not integration.binds("call"):
            continue
        fault = outgoing_fault(DELIVERY)
        if fault is not None and fault.kind == "drop":
            continue
        url = integration.configuration.get("url")
        if not isinstance(url, str):
            continue
        threading.Thread(target=_post, args=(url, body), daemon=True).start()
        sent += 1
    return sent


def _open_door_params(body: bytes) -> tuple[str, int]:
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        raise ApiError(400, "bad_request", "The request body is not valid JSON.") from None
    data = payload.get("data") if isinstance(payload, dict) else None
    attributes = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(attributes, dict):
        raise ApiError(400, "bad_request", 'Send {"data": {"attributes": {...}}}.')
    guid, panel_id = attributes.get("call_guid"), attributes.get("panel_id")
    if not isinstance(guid, str) or not guid:
        raise ApiError(422, "blank", "call_guid can't be blank.", field="call_guid")
    if isinstance(panel_id, str) and panel_id.isascii() and panel_id.isdigit():
        panel_id = int(panel_id)
    if not isinstance(panel_id, int) or isinstance(panel_id, bool):
        raise ApiError(422, "invalid", "panel_id is not a number.", field="panel_id")
    return guid, panel_id


@csrf_exempt
@endpoint("butterflymx.v3_open_door", authenticated=bearer_is_live, error_body=api_error_body)
@require_http_methods(["POST"])
@bearer_required
def open_door(request, person):
    """The v3 "call handled": the person's ringing call with this guid, from this panel (in
    the deliveries' id space), stops ringing. Nothing else: no door opens here."""
    try:
        guid, panel_id = _open_door_params(request.body)
        now = timezone.now()
        # Still ringing at the panel: unanswered, or answered by a door release (which, as at
        # ButterflyMX, lets the caller in but does not stop the panel's ringing).
        ringing = Call.objects.filter(
            recipient__person=person,
            device_id=panel_id - OTHER_ID_SPACE,
            status__in=[Call.Status.INITIALIZING, Call.Status.OPENED_DOOR],
            logged_at__gt=now - RING_TIMEOUT,
        )
        found = next((call for call in ringing if call_guid(call) == guid), None)
        if found is None:
            raise ApiError(404, "not_found", "Call not found.")
    except ApiError as error:
        return api_error_response(error)
    if found.status != Call.Status.OPENED_DOOR:
        found.status = Call.Status.OPENED_DOOR
        found.save(update_fields=["status"])
    return HttpResponse(status=204)
