"""Views of the Butlr sandbox: logins, GraphQL topology, reporting and detections."""

from __future__ import annotations

import json
import secrets

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sandbox.butlr import world
from sandbox.butlr.auth import token_issue
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


@csrf_exempt
@require_POST
@endpoint("butlr.login", error_body=_auth_error_body)
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
    if not (
        _same(body.get("client_id"), settings.SANDBOX_BUTLR_CLIENT_ID)
        and _same(body.get("client_secret"), settings.SANDBOX_BUTLR_CLIENT_SECRET)
    ):
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


@csrf_exempt
@require_POST
@endpoint("butlr.user_login", error_body=_auth_error_body)
def user_login(request: HttpRequest) -> JsonResponse:
    body = _json_body(request)
    if body is None:
        return JsonResponse(
            {"error": "invalid_request", "error_description": "The body must be a JSON object."},
            status=400,
        )
    if not (
        _same(body.get("username"), world.DEMO_USERNAME)
        and _same(body.get("password"), world.DEMO_PASSWORD)
    ):
        return JsonResponse(
            {"error": "access_denied", "error_description": "Wrong email or password."},
            status=401,
        )
    lifetime = settings.SANDBOX_BUTLR_TOKEN_LIFETIME
    return JsonResponse(
        {
            "access_token": token_issue(
                subject=world.DEMO_USERNAME, kind="access", lifetime=lifetime
            ),
            "refresh_token": token_issue(
                subject=world.DEMO_USERNAME, kind="refresh", lifetime=30 * 86400
            ),
            "id_token": token_issue(subject=world.DEMO_USERNAME, kind="id", lifetime=lifetime),
            "scope": "openid email profile offline_access",
            "expires_in": lifetime,
            "token_type": "Bearer",
        }
    )
