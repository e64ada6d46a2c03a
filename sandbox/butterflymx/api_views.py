"""The sandbox ButterflyMX API host: /v4/... answered for the person behind the bearer token."""

import json
from functools import wraps

from django.db.models import Value
from django.db.models.functions import Concat
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sandbox.butterflymx.errors import ApiError, api_error_body, api_error_response
from sandbox.butterflymx.listing import (
    id_parse,
    page_get,
    queryset_filter,
    queryset_search,
    time_parse,
)
from sandbox.butterflymx.models import AccessLog, AccessToken, Keychain
from sandbox.butterflymx.selectors import (
    access_logs_for_building,
    access_points_for_person,
    access_token_get,
    buildings_for_person,
    calls_for_building,
    devices_for_person,
    keychains_for_person,
    tenants_for_person,
    virtual_keys_for_person,
)
from sandbox.butterflymx.serializers import (
    access_log_data,
    access_point_data,
    building_data,
    call_data,
    capabilities_data,
    device_data,
    door_release_data,
    keychain_data,
    tenant_data,
    virtual_key_data,
)
from sandbox.butterflymx.services import (
    door_release_create,
    keychain_create,
    keychain_delete,
    virtual_key_create,
    virtual_key_delete,
)
from sandbox.faults import endpoint

_BY_ID_AND_BUILDING = {"id": ("id", id_parse), "building_id": ("building_id", id_parse)}


def _bearer_token(request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _live_access_token(request) -> AccessToken | None:
    """The request's live access token, looked up once per request: the fault wrapper and
    the view both ask."""
    if not hasattr(request, "_sandbox_access_token"):
        token = _bearer_token(request)
        request._sandbox_access_token = access_token_get(token=token) if token else None
    return request._sandbox_access_token


def bearer_is_live(request) -> bool:
    return _live_access_token(request) is not None


def bearer_required(view):
    """Answer 401 unless a live access token comes with the request; pass on its person."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        access_token = _live_access_token(request)
        if access_token is None:
            message = (
                "The access token is invalid, expired or revoked."
                if _bearer_token(request)
                else "An access token is required."
            )
            return api_error_response(ApiError(401, "unauthorized", message))
        return view(request, access_token.person, *args, **kwargs)

    return wrapped


def _list_response(request, queryset, serialize, attributes) -> JsonResponse:
    queryset = queryset_filter(queryset, request.GET, attributes=attributes)
    items, page_info = page_get(queryset, request.GET)
    return JsonResponse({"data": [serialize(item) for item in items], "page_info": page_info})


@endpoint("butterflymx.tenants", authenticated=bearer_is_live, error_body=api_error_body)
@require_GET
@bearer_required
def tenants(request, person):
    # A resident's token sees only the resident's own tenancies, with or without scope=self.
    return _list_response(
        request, tenants_for_person(person=person), tenant_data, _BY_ID_AND_BUILDING
    )


@endpoint("butterflymx.buildings", authenticated=bearer_is_live, error_body=api_error_body)
@require_GET
@bearer_required
def buildings(request, person):
    return _list_response(
        request, buildings_for_person(person=person), building_data, {"id": ("id", id_parse)}
    )


@endpoint("butterflymx.building", authenticated=bearer_is_live, error_body=api_error_body)
@require_GET
@bearer_required
def building(request, person, building_id):
    found = buildings_for_person(person=person).filter(id=building_id).first()
    if found is None:
        return api_error_response(ApiError(404, "not_found", "Building not found."))
    return JsonResponse({"data": building_data(found)})


@endpoint("butterflymx.access_points", authenticated=bearer_is_live, error_body=api_error_body)
@require_GET
@bearer_required
def access_points(request, person):
    return _list_response(
        request,
        access_points_for_person(person=person),
        access_point_data,
        _BY_ID_AND_BUILDING,
    )


@endpoint("butterflymx.devices", authenticated=bearer_is_live, error_body=api_error_body)
@require_GET
@bearer_required
def devices(request, person):
    return _list_response(
        request,
        devices_for_person(person=person),
        device_data,
        {**_BY_ID_AND_BUILDING, "type": ("type", str)},
    )


def _building_or_error(person, building_id):
    found = buildings_for_person(person=person).filter(id=building_id).first()
    if found is None:
        raise ApiError(404, "not_found", "Building not found.")
    return found


def _release_status_parse(value: str) -> str:
    # The documented example filters on "unlocked"; the entries say "Unlocked".
    status = value.strip().capitalize()
    if status not in AccessLog.ReleaseStatus.values:
        raise ValueError(f"not a release status: {value!r}")
    return status


_ACCESS_LOG_FILTERS = {
    "logged_at": ("logged_at", time_parse),
    "release_method": ("release_method", str),
    "release_status": ("release_status", _release_status_parse),
}
_ACCESS_LOG_SEARCH = "q[unit_label_or_user_full_name_or_delivery_authorization_description_start]"


@endpoint("butterflymx.access_logs", authenticated=bearer_is_live, error_body=api_error_body)
@require_GET
@bearer_required
def access_logs(request, person, building_id):
    try:
        found = _building_or_error(person, building_id)
    except ApiError as error:
        return api_error_response(error)
    params = request.GET.copy()
    # The documented parameter is q[release_status], without a predicate: the same as _eq.
    if "q[release_status]" in params and "q[release_status_eq]" not in params:
        params.setlist("q[release_status_eq]", params.getlist("q[release_status]"))
    queryset = queryset_search(
        access_logs_for_building(person=person, building=found),
        params.get(_ACCESS_LOG_SEARCH, ""),
        paths=["unit__label", "name"],
    )
    queryset = queryset_filter(queryset, params, attributes=_ACCESS_LOG_FILTERS)
    items, page_info = page_get(queryset, params)
    return JsonResponse(
        {
            "data": [access_log_data(item, request=request) for item in items],
            "page_info": page_info,
        }
    )


@endpoint("butterflymx.access_log", authenticated=bearer_is_live, error_body=api_error_body)
@require_GET
@bearer_required
def access_log(request, person, building_id, access_log_id):
    try:
        found = _building_or_error(person, building_id)
    except ApiError as error:
        return api_error_response(error)
    log = access_logs_for_building(person=person, building=found).filter(id=access_log_id).first()
    if log is None:
        return api_error_response(ApiError(404, "not_found", "Access log not found."))
    return JsonResponse({"data": access_log_data(log, request=request)})


_CALL_FILTERS = {
    "logged_at": ("logged_at", time_parse),
    "notification_type": ("notification_type", str),
    "origin": ("device_id", id_parse),
}


@endpoint("butterflymx.calls", authenticated=bearer_is_live, error_body=api_error_body)
@require_GET
@bearer_required
def calls(request, person, building_id):
    try:
        found = _building_or_error(person, building_id)
    except ApiError as error:
        return api_error_response(error)
    queryset = queryset_search(
        calls_for_building(person=person, building=found).annotate(
            user_full_name=Concat(
                "recipient__person__first_name", Value(" "), "recipient__person__last_name"
            )
        ),
        request.GET.get("q[unit_label_or_user_full_name_start]", ""),
        paths=["unit__label", "user_full_name"],
    )
    return _list_response(
        request, queryset, lambda call: call_data(call, request=request), _CALL_FILTERS
    )


@endpoint("butterflymx.call", authenticated=bearer_is_live, error_body=api_error_body)
@require_GET
@bearer_required
def call(request, person, building_id, call_id):
    try:
        found = _building_or_error(person, building_id)
    except ApiError as error:
        return api_error_response(error)
    found_call = calls_for_building(person=person, building=found).filter(id=call_id).first()
    if found_call is None:
        return api_error_response(ApiError(404, "not_found", "Call not found."))
    return JsonResponse({"data": call_data(found_call, request=request)})


def _id_param(params: dict, name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ApiError(422, "invalid", f"{name} is not a number.", field=name)


def _door_release_params(body: bytes) -> tuple[int, int | None, int | None]:
    try:
        payload = json.loads(body)
    except ValueError:
        raise ApiError(400, "bad_request", "The request body is not valid JSON.") from None
    params = payload.get("door_release_request") if isinstance(payload, dict) else None
    if not isinstance(params, dict):
        raise ApiError(
            400,
            "parameter_missing",
            "param is missing or the value is empty: door_release_request",
            field="door_release_request",
        )
    tenant_id = _id_param(params, "tenant_id")
    access_point_id = _id_param(params, "access_point_id")
    device_id = _id_param(params, "device_id")
    if tenant_id is None:
        raise ApiError(422, "blank", "tenant_id can't be blank.", field="tenant_id")
    if (access_point_id is None) == (device_id is None):
        raise ApiError(
            422,
            "invalid" if access_point_id is not None else "blank",
            "Exactly one of access_point_id or device_id must be given.",
            field="base",
        )
    return tenant_id, access_point_id, device_id


@csrf_exempt
@endpoint("butterflymx.door_release", authenticated=bearer_is_live, error_body=api_error_body)
@require_POST
@bearer_required
def door_release(request, person):
    try:
        tenant_id, access_point_id, device_id = _door_release_params(request.body)
        release = door_release_create(
            person=person,
            tenant_id=tenant_id,
            access_point_id=access_point_id,
            device_id=device_id,
        )
    except ApiError as error:
        return api_error_response(error)
    return JsonResponse({"data": door_release_data(release)}, status=201)


@endpoint("butterflymx.capabilities", authenticated=bearer_is_live, error_body=api_error_body)
@require_GET
@bearer_required
def capabilities(request, person, building_id):
    found = buildings_for_person(person=person).filter(id=building_id).first()
    if found is None:
        return api_error_response(ApiError(404, "not_found", "Building not found."))
    return JsonResponse({"data": capabilities_data(found)})


def _json_object(body: bytes, wrapper: str, *, flat: bool = False) -> dict:
    """The request's parameters, wrapped in {wrapper: {...}}, or also flat when allowed."""
    try:
        payload = json.loads(body)
    except ValueError:
        raise ApiError(400, "bad_request", "The request body is not valid JSON.") from None
    params = payload.get(wrapper) if isinstance(payload, dict) else None
    if params is None and flat and isinstance(payload, dict) and payload:
        params = payload
    if not isinstance(params, dict):
        raise ApiError(
            400,
            "parameter_missing",
            f"param is missing or the value is empty: {wrapper}",
            field=wrapper,
        )
    return params


_KEYCHAIN_FILTERS = {
    "id": ("id", id_parse),
    "tenant_id": ("tenant_id", id_parse),
    "building_id": ("building_id", id_parse),
    "name": ("name", str),
    "type": ("type", str),
    "ends_at": ("ends_at", time_parse),
}


@endpoint("butterflymx.keychains", authenticated=bearer_is_live, error_body=api_error_body)
@require_GET
@bearer_required
def keychains(request, person):
    return _list_response(
        request, keychains_for_person(person=person), keychain_data, _KEYCHAIN_FILTERS
    )


def _keychain_create_view(type: str):
    @csrf_exempt
    @require_POST
    @bearer_required
    def create(request, person):
        try:
            params = _json_object(request.body, "keychain")
            created = keychain_create(person=person, type=type, params=params)
        except ApiError as error:
            return api_error_response(error)
        found = keychains_for_person(person=person).get(id=created.id)
        return JsonResponse({"data": keychain_data(found)}, status=201)

    return create


create_custom_keychain = endpoint(
    "butterflymx.keychain_create_custom", authenticated=bearer_is_live, error_body=api_error_body
)(_keychain_create_view(Keychain.Type.CUSTOM))
create_one_time_keychain = endpoint(
    "butterflymx.keychain_create_one_time",
    authenticated=bearer_is_live,
    error_body=api_error_body,
)(_keychain_create_view(Keychain.Type.ONE_TIME))
create_recurring_keychain = endpoint(
    "butterflymx.keychain_create_recurring",
    authenticated=bearer_is_live,
    error_body=api_error_body,
)(_keychain_create_view(Keychain.Type.RECURRING))
create_delivery_pass = endpoint(
    "butterflymx.keychain_create_delivery_pass",
    authenticated=bearer_is_live,
    error_body=api_error_body,
)(_keychain_create_view(Keychain.Type.DELIVERY_PASS))


@csrf_exempt
@endpoint("butterflymx.keychain", authenticated=bearer_is_live, error_body=api_error_body)
@require_http_methods(["GET", "DELETE"])
@bearer_required
def keychain(request, person, keychain_id):
    if request.method == "DELETE":
        try:
            keychain_delete(person=person, keychain_id=keychain_id)
        except ApiError as error:
            return api_error_response(error)
        return HttpResponse(status=204)
    found = keychains_for_person(person=person).filter(id=keychain_id).first()
    if found is None:
        return api_error_response(ApiError(404, "not_found", "Keychain not found."))
    return JsonResponse({"data": keychain_data(found)})


@csrf_exempt
@endpoint("butterflymx.virtual_keys", authenticated=bearer_is_live, error_body=api_error_body)
@require_http_methods(["GET", "POST"])
@bearer_required
def virtual_keys(request, person):
    if request.method == "GET":
        return _list_response(
            request,
            virtual_keys_for_person(person=person).select_related("keychain"),
            lambda key: virtual_key_data(key, request=request),
            {"id": ("id", id_parse), "keychain_id": ("keychain_id", id_parse)},
        )
    try:
        # The documented body is flat; a live client wraps it in "virtual_key": take both.
        params = _json_object(request.body, "virtual_key", flat=True)
        created = virtual_key_create(person=person, params=params)
    except ApiError as error:
        return api_error_response(error)
    return JsonResponse({"data": virtual_key_data(created, request=request)}, status=201)


@csrf_exempt
@endpoint("butterflymx.virtual_key", authenticated=bearer_is_live, error_body=api_error_body)
@require_http_methods(["DELETE"])
@bearer_required
def virtual_key(request, person, virtual_key_id):
    try:
        virtual_key_delete(person=person, virtual_key_id=virtual_key_id)
    except ApiError as error:
        return api_error_response(error)
    return HttpResponse(status=204)
