"""The sandbox ButterflyMX accounts host: Doorkeeper's OAuth 2.0 endpoints and a consent page."""

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sandbox.butterflymx.api_views import bearer_is_live
from sandbox.butterflymx.errors import OAuthError, oauth_error_body, oauth_error_response
from sandbox.butterflymx.selectors import (
    access_token_get,
    client_is_valid,
    people_list,
    redirect_uri_is_registered,
)
from sandbox.butterflymx.services import (
    PKCE_METHODS,
    authorization_code_create,
    newcomer_create,
    token_exchange_code,
    token_refresh,
    token_revoke,
)
from sandbox.faults import endpoint

CONSENT_TEMPLATE = "sandbox/butterflymx/authorize.html"
ERROR_TEMPLATE = "sandbox/butterflymx/authorize_error.html"
# The consent page's choice that makes up a new resident instead of picking a seeded one.
NEWCOMER = "new"


@dataclass(frozen=True)
class AuthorizationRequest:
    client_id: str
    redirect_uri: str
    state: str
    scope: str
    code_challenge: str
    code_challenge_method: str


class _Unsafe(Exception):
    """The request cannot be sent back to the client: show an error page instead."""


class _Refused(Exception):
    """A refusal the client hears about on its redirect URI."""

    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error = error
        self.description = description


def _redirect(redirect_uri: str, **params: str) -> HttpResponseRedirect:
    parts = urlsplit(redirect_uri)
    query = [*parse_qsl(parts.query), *((k, v) for k, v in params.items() if v)]
    return HttpResponseRedirect(urlunsplit(parts._replace(query=urlencode(query))))


def _authorization_request(params) -> AuthorizationRequest:
    client_id = params.get("client_id", "")
    redirect_uri = params.get("redirect_uri", "")
    if client_id != settings.SANDBOX_BUTTERFLYMX_CLIENT_ID:
        raise _Unsafe("The client is unknown.")
    if not redirect_uri_is_registered(redirect_uri=redirect_uri):
        raise _Unsafe("The redirect URI is not registered for this client.")
    request = AuthorizationRequest(
        client_id=client_id,
        redirect_uri=redirect_uri,
        state=params.get("state", ""),
        scope=params.get("scope", "") or "public",
        code_challenge=params.get("code_challenge", ""),
        code_challenge_method=params.get("code_challenge_method", ""),
    )
    if params.get("response_type") != "code":
        raise _Refused("unsupported_response_type", "Only response_type=code is supported.")
    if request.scope.split() != ["public"]:
        raise _Refused("invalid_scope", "The only scope is public.")
    if request.code_challenge_method and not request.code_challenge:
        raise _Refused("invalid_request", "code_challenge_method needs a code_challenge.")
    if request.code_challenge and (request.code_challenge_method or "plain") not in PKCE_METHODS:
        raise _Refused("invalid_request", "code_challenge_method must be S256 or plain.")
    return request


def _client_named(request) -> bool:
    """The consent page has no one to authenticate yet: it asks that the request name the
    known client and one of its redirect URIs."""
    params = request.GET if request.method == "GET" else request.POST
    return params.get(
        "client_id"
    ) == settings.SANDBOX_BUTTERFLYMX_CLIENT_ID and redirect_uri_is_registered(
        redirect_uri=params.get("redirect_uri", "")
    )


@endpoint("butterflymx.authorize", authenticated=_client_named, error_body=oauth_error_body)
@require_http_methods(["GET", "POST"])
def authorize(request):
    """Ask which sandbox person is signing in, or make up a new one; POST approves or denies.

    The form carries Django's CSRF token, so it works in any browser that accepts the
    cookie; the request's own parameters travel in hidden fields and are checked again.
    """
    params = request.GET if request.method == "GET" else request.POST
    try:
        auth = _authorization_request(params)
    except _Unsafe as problem:
        return render(request, ERROR_TEMPLATE, {"problem": str(problem)}, status=400)
    except _Refused as refusal:
        return _redirect(
            params["redirect_uri"],
            error=refusal.error,
            error_description=refusal.description,
            state=params.get("state", ""),
        )
    people = people_list()
    if request.method == "GET":
        return render(request, CONSENT_TEMPLATE, {"auth": auth, "people": people})
    if request.POST.get("decision") == "deny":
        return _redirect(
            auth.redirect_uri,
            error="access_denied",
            error_description="The resource owner denied the request.",
            state=auth.state,
        )
    person_id = request.POST.get("person", "")
    person = (
        people.filter(pk=int(person_id)).first()
        if person_id.isdecimal() and person_id.isascii()
        else None
    )
    newcomer = person_id == NEWCOMER
    if request.POST.get("decision") != "approve" or (person is None and not newcomer):
        context = {"auth": auth, "people": people, "problem": "Choose who you are, then Allow."}
        return render(request, CONSENT_TEMPLATE, context, status=400)
    if newcomer:
        person = newcomer_create()
    code = authorization_code_create(
        person=person,
        client_id=auth.client_id,
        redirect_uri=auth.redirect_uri,
        scope=auth.scope,
        code_challenge=auth.code_challenge,
        code_challenge_method=auth.code_challenge_method
        or ("plain" if auth.code_challenge else ""),
    )
    return _redirect(auth.redirect_uri, code=code, state=auth.state)


def _client_credentials(request) -> tuple[str, str]:
    """The client's id and secret, from HTTP Basic (preferred, as Doorkeeper does) or the body."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        client_id, _, client_secret = decoded.partition(":")
        return unquote(client_id), unquote(client_secret)
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


def _client_authenticated(request) -> bool:
    client_id, client_secret = _client_credentials(request)
    return client_is_valid(client_id=client_id, client_secret=client_secret)


def _token_response(body: dict) -> JsonResponse:
    response = JsonResponse(body)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


@csrf_exempt
@endpoint("butterflymx.token", authenticated=_client_authenticated, error_body=oauth_error_body)
@require_POST
def token(request):
    grant_type = request.POST.get("grant_type", "")
    try:
        if not grant_type:
            raise OAuthError("invalid_request", "Missing required parameter: grant_type.")
        if grant_type not in ("authorization_code", "refresh_token"):
            raise OAuthError(
                "unsupported_grant_type", "The authorization grant type is not supported."
            )
        client_id, client_secret = _client_credentials(request)
        if not client_is_valid(client_id=client_id, client_secret=client_secret):
            raise OAuthError(
                "invalid_client", "Client authentication failed: unknown client or bad secret.", 401
            )
        if grant_type == "authorization_code":
            body = token_exchange_code(
                client_id=client_id,
                code=request.POST.get("code", ""),
                redirect_uri=request.POST.get("redirect_uri", ""),
                code_verifier=request.POST.get("code_verifier", ""),
            )
        else:
            body = token_refresh(
                client_id=client_id, refresh_token=request.POST.get("refresh_token", "")
            )
    except OAuthError as error:
        return oauth_error_response(error)
    return _token_response(body)


@csrf_exempt
@endpoint("butterflymx.revoke", authenticated=_client_authenticated, error_body=oauth_error_body)
@require_POST
def revoke(request):
    """Revoke a token: 200 with {} whether or not it existed (RFC 7009)."""
    value = request.POST.get("token", "")
    if value:
        token_revoke(token=value)
    return JsonResponse({})


@endpoint("butterflymx.token_info", authenticated=bearer_is_live, error_body=oauth_error_body)
@require_GET
def token_info(request):
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    access_token = access_token_get(token=value.strip()) if scheme.lower() == "bearer" else None
    if access_token is None:
        return oauth_error_response(
            OAuthError("invalid_token", "The access token is invalid.", status=401)
        )
    remaining = (access_token.expires_at - timezone.now()).total_seconds()
    return JsonResponse(
        {
            "resource_owner_id": access_token.person_id,
            "scope": access_token.scope.split(),
            "expires_in": max(int(remaining), 0),
            "application": {"uid": access_token.client_id},
            "created_at": int(access_token.created_at.timestamp()),
        }
    )
