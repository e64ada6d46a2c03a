"""allauth's account adapter: where each role lands after signing in."""

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

from occupancy.roles import is_property_manager


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Property managers land on the dashboard, residents on their doors (home). A
        `next` the sign-in carried wins over either: allauth asks here only without one."""
        if is_property_manager(request.user):
            return reverse("occupancy:dashboard")
        return super().get_login_redirect_url(request)
