"""allauth's account adapter: where each role lands after signing in, and Foyer's emails."""

from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.sites.requests import RequestSite
from django.http import HttpRequest
from django.urls import reverse

from occupancy.roles import is_property_manager

SITE_NAME = "Foyer"


class FoyerSite(RequestSite):
    """The site as emails name it: Foyer at its public address, whichever host the request
    that sent the email came in by (allauth's default names the host, e.g. 127.0.0.1:8000)."""

    def __init__(self) -> None:
        self.name = SITE_NAME
        self.domain = urlsplit(settings.SITE_URL).netloc


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Property managers land on the dashboard, residents on their doors (home). A
        `next` the sign-in carried wins over either: allauth asks here only without one."""
        if is_property_manager(request.user):
            return reverse("occupancy:dashboard")
        return super().get_login_redirect_url(request)

    def format_email_subject(self, subject: str) -> str:
        return f"{SITE_NAME}: {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {"current_site": FoyerSite(), "site_url": settings.SITE_URL, **context}
        super().send_mail(template_prefix, email, context)

    def send_notification_mail(
        self,
        template_prefix: str,
        user: Any,
        context: dict[str, Any] | None = None,
        email: str | None = None,
    ) -> None:
        # The notification greets the person by name, as every other email does.
        super().send_notification_mail(
            template_prefix, user, {"user": user, **(context or {})}, email
        )
