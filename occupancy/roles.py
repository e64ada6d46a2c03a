"""The two roles: every user is a resident; property managers belong to a group."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


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


def manager_required(view):
    """Anonymous users go to sign in; signed-in users who are not managers get 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_property_manager(request.user):
            raise PermissionDenied("The occupancy dashboard is for property managers.")
        return view(request, *args, **kwargs)

    return wrapped
