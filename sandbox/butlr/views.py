"""Views of the Butlr sandbox: the client login, GraphQL topology, reporting and detections."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Hashable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sandbox.butlr.answers import answer_encoded
from sandbox.butlr.auth import bearer_subject, token_issue
from sandbox.butlr.detections import detections_build, detections_query_parse
from sandbox.butlr.reporting import ReportingError, query_parse, report_build
from sandbox.butlr.schema import graphql_execute
from sandbox.faults import endpoint


def _auth_error_body(status: int) -> dict:
    return {"error": "server_error", "error_description": f"The service answered {status}."}


def _json_body(request: HttpRequest) -> dict | None:
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _same(given: object, expected: str) -> bool:
    return isinstance(given, str) and secrets.compare_digest(given.encode(), expected.encode())


def _client_authenticated(request: HttpRequest) -> bool:
    body = _json_body(request) or {}
    return _same(body.get("client_id"), settings.SANDBOX_BUTLR_CLIENT_ID) and _same(
        body.get("client_secret"), settings.SANDBOX_BUTLR_CLIENT_SECRET
    )


@csrf_exempt
@require_POST
@endpoint("butlr.login", authenticated=_client_authenticated, error_body=_auth_error_body)
def client_login(request: HttpRequest) -> JsonResponse:
    body = _json_body(request)
    if body is None:
        return JsonResponse(
            {"error": "invalid_request", "error_description": "The body must be a JSON object."},
            status=400,
        )
    if body.get("grant_type") != "client_credentials":
        return JsonResponse(
            {
                "error": "unsupported_grant_type",
                "error_description": 'grant_type must be "client_credentials".',
            },
            status=400,
        )
    if not _client_authenticated(request):
        return JsonResponse(
            {"error": "access_denied", "error_description": "Unauthorized"}, status=401
        )
    lifetime = settings.SANDBOX_BUTLR_TOKEN_LIFETIME
    return JsonResponse(
        {
            "access_token": token_issue(
                subject=settings.SANDBOX_BUTLR_CLIENT_ID, kind="access", lifetime=lifetime
            ),
            "expires_in": lifetime,
            "scope": "read:reporting read:assets",
            "token_type": "Bearer",
        }
    )


def _api_error_body(status: int) -> dict:
    return {"error": f"status_{status}", "message": f"The service answered {status}."}


def _graphql_error_body(status: int) -> dict:
    return {"errors": [{"message": f"The service answered {status}."}]}


def _unauthorized(body: dict) -> JsonResponse:
    response = JsonResponse(body, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="butlr"'
    return response


def _authorized(request: HttpRequest) -> bool:
    return bearer_subject(authorization=request.headers.get("Authorization", "")) is not None


@csrf_exempt
@require_POST
@endpoint("butlr.graphql", authenticated=_authorized, error_body=_graphql_error_body)
def graphql(request: HttpRequest) -> JsonResponse:
    if not _authorized(request):
        return _unauthorized(
            {"errors": [{"message": "Unauthorized: a valid bearer token is needed."}]}
        )
    body = _json_body(request)
    if body is None or not isinstance(body.get("query"), str):
        return JsonResponse(
            {"errors": [{"message": 'The body must be JSON with a "query" string.'}]}, status=400
        )
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        return JsonResponse({"errors": [{"message": "variables must be an object."}]}, status=400)
    return JsonResponse(
        graphql_execute(
            query=body["query"], variables=variables, operation_name=body.get("operationName")
        )
    )


def _bad_request(error: ReportingError) -> JsonResponse:
    return JsonResponse({"error": "bad_request", "message": str(error)}, status=400)


def _api_unauthorized() -> JsonResponse:
    return _unauthorized({"error": "unauthorized", "message": "A valid bearer token is needed."})


def _json_or_invalid(request: HttpRequest) -> object:
    try:
        return json.loads(request.body or b"null")
    except ValueError:
        raise ReportingError("The body is not valid JSON.") from None


@csrf_exempt
@require_POST
@endpoint("butlr.reporting", authenticated=_authorized, error_body=_api_error_body)
def reporting(request: HttpRequest) -> HttpResponse:
    if not _authorized(request):
        return _api_unauthorized()
    try:
        query = query_parse(body=_json_or_invalid(request), now=timezone.now())
    except ReportingError as error:
        return _bad_request(error)
    return _answer(query, lambda: report_build(query=query))


@csrf_exempt
@require_POST
@endpoint("butlr.detections", authenticated=_authorized, error_body=_api_error_body)
def detections(request: HttpRequest) -> HttpResponse:
    if not _authorized(request):
        return _api_unauthorized()
    try:
        query = detections_query_parse(body=_json_or_invalid(request), now=timezone.now())
    except ReportingError as error:
        return _bad_request(error)
    return _answer(query, lambda: detections_build(query=query))


def _answer(query: Hashable, build: Callable[[], object]) -> HttpResponse:
    return HttpResponse(answer_encoded(query, build), content_type="application/json")
