"""ButterflyMX's two error dialects: the API's errors envelope and the OAuth error form."""

import copy
from http import HTTPStatus

from django.http import JsonResponse

# Doorkeeper's OAuth error for a status the accounts host answers without a reason of its own.
_OAUTH_ERRORS = {400: "invalid_request", 401: "invalid_client", 503: "temporarily_unavailable"}


class ApiError(Exception):
    """An API answer other than success: a status and the items of the errors envelope."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status = status
        self.errors = (
            copy.deepcopy(UNAUTHORIZED_ERRORS)
            if status == 401
            else [{"field": field, "code": code, "message": message}]
        )


# ButterflyMX's recorded 401 answer, word for word: the plural "messages" is theirs.
UNAUTHORIZED_ERRORS = [{"field": "base", "code": "unauthorized", "messages": "Unauthorized"}]


class OAuthError(Exception):
    """An OAuth 2.0 error response (RFC 6749, section 5.2)."""

    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def api_error_body(status: int) -> dict:
    """The API's error envelope for a bare status (used for injected faults too)."""
    if status == 401:
        return {"errors": copy.deepcopy(UNAUTHORIZED_ERRORS)}
    phrase = _phrase(status)
    code = phrase.lower().replace(" ", "_").replace("-", "_")
    return {"errors": [{"field": None, "code": code, "message": phrase}]}


def api_error_response(error: ApiError) -> JsonResponse:
    response = JsonResponse({"errors": error.errors}, status=error.status)
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="ButterflyMX", error="invalid_token"'
    return response


def oauth_error_body(status: int) -> dict:
    """The accounts host's error for a bare status (used for injected faults too)."""
    error = _OAUTH_ERRORS.get(status, "server_error")
    return {"error": error, "error_description": f"The server answered {status}."}


def oauth_error_response(error: OAuthError) -> JsonResponse:
    response = JsonResponse(
        {"error": error.error, "error_description": error.description}, status=error.status
    )
    response["Cache-Control"] = "no-store"
    if error.error == "invalid_token":
        response["WWW-Authenticate"] = 'Bearer realm="ButterflyMX", error="invalid_token"'
    elif error.error == "invalid_client":
        response["WWW-Authenticate"] = 'Basic realm="ButterflyMX"'
    return response
