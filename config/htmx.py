"""htmx requests that go wrong, handled once for every view: never a whole page in a card."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.views.csrf import csrf_failure as django_csrf_failure
from django_htmx.http import HttpResponseClientRedirect

from residents.views import notice

NOTICES = {
    403: "You don't have access to that.",
    404: "That isn't here any more. Reload the page to see what is.",
    429: "That was a lot at once. Wait a moment and try again.",
}
CSRF_NOTICE = "This page was open too long. Reload it and try again."
SERVER_NOTICE = "Something went wrong on our side. Try again in a moment."
OTHER_NOTICE = "That didn't work. Reload the page and try again."


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF failure page, marked so that an htmx request gets its own words."""
    response = django_csrf_failure(request, reason=reason)
    response.csrf_failure = True  # type: ignore[attr-defined]
    return response


def _login_redirect(request: HttpRequest, response: HttpResponse) -> HttpResponse | None:
    """A client redirect to sign in that comes back to the page, not to the htmx URL."""
    if response.status_code not in (301, 302, 303, 307, 308):
        return None
    if urlsplit(response["Location"]).path != resolve_url(settings.LOGIN_URL):
        return None
    back = request.htmx.current_url_abs_path or "/"  # type: ignore[attr-defined]
    return HttpResponseClientRedirect(redirect_to_login(back).url)


class HtmxErrorMiddleware:
    """Turn what an htmx request should not swap into what it should.

    A redirect to sign in (an expired session) becomes a client redirect back to the page
    after signing in; an error status becomes a small notice in the layout's notice area,
    unless the view rendered a partial for it on purpose (it names its target with
    HX-Retarget).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.htmx or "HX-Retarget" in response:  # type: ignore[attr-defined]
            return response
        redirect = _login_redirect(request, response)
        if redirect is not None:
            return redirect
        status = response.status_code
        if status < 400:
            return response
        if getattr(response, "csrf_failure", False):
            message = CSRF_NOTICE
        elif status >= 500:
            message = SERVER_NOTICE
        else:
            message = NOTICES.get(status, OTHER_NOTICE)
        return notice(request, message, status=status)  # type: ignore[arg-type]
