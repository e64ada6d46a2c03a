"""The two roles: every user is a resident; property managers belong to a group."""

from functools import wraps

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

# Recovery codes only back up one of these; on their own they are no second factor.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def is_property_manager(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    # Cached on the user object: the navigation asks on every page.
    if not hasattr(user, "_is_property_manager"):
        user._is_property_manager = user.groups.filter(
            name=settings.PROPERTY_MANAGERS_GROUP
        ).exists()
    return user._is_property_manager


def second_factor_missing(user) -> bool:
    """A manager or staff member without a passkey or an authenticator app, while
    MFA_REQUIRED_FOR_MANAGERS asks them for one."""
    if not settings.MFA_REQUIRED_FOR_MANAGERS or not user.is_authenticated:
        return False
    if not (user.is_staff or is_property_manager(user)):
        return False
    return not has_second_factor(user)


def has_second_factor(user) -> bool:
    # Cached on the user object, which is cached with it; adding or removing an
    # authenticator drops that entry (config.auth).
    if not hasattr(user, "_has_second_factor"):
        user._has_second_factor = Authenticator.objects.filter(
            user=user, type__in=SECOND_FACTORS
        ).exists()
    return user._has_second_factor


def second_factor_enrolment(request: HttpRequest) -> HttpResponse:
    messages.warning(
        request,
        "Property managers and staff need a second factor first: "
        "add a passkey or an authenticator app.",
    )
    # The dashboard's minute refresh goes to the whole page, not into the figures' card.
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(reverse("mfa_index"))
    return redirect("mfa_index")


def manager_required(view):
    """Anonymous users go to sign in; signed-in users who are not managers get 403; managers
    without a required second factor go to add one."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_property_manager(request.user):
            raise PermissionDenied("The occupancy dashboard is for property managers.")
        if second_factor_missing(request.user):
            return second_factor_enrolment(request)
        return view(request, *args, **kwargs)

    return wrapped
