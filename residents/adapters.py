"""allauth hooks: a ButterflyMX identity signs in only to the Foyer account it is connected
to, a connect lands on the resident's doors, and failed ButterflyMX sign-ins are logged
without leaking what came back."""

import logging

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

logger = logging.getLogger(__name__)

BUTTERFLYMX = "butterflymx"


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_email_verified(self, provider, email):
        # ButterflyMX's email belongs to the building's records, not to a sign-in Foyer
        # can trust: it never vouches for a Foyer account, whatever the settings say.
        if provider.id == BUTTERFLYMX:
            return False
        return super().is_email_verified(provider, email)

    def get_connect_redirect_url(self, request, socialaccount):
        """After connecting or reconnecting ButterflyMX the resident lands on their doors;
        a `next` carried by the connect button wins (allauth reads it before asking here)."""
        if socialaccount.provider == BUTTERFLYMX:
            return reverse("home")
        return super().get_connect_redirect_url(request, socialaccount)

    def pre_social_login(self, request, sociallogin):
        """Refuse a ButterflyMX identity that allauth matched to an existing Foyer account
        by its email alone (email authentication): only an identity connected from inside
        an account, or one that created its account, signs in to it."""
        if sociallogin.account.provider != BUTTERFLYMX or sociallogin.account.pk is not None:
            return
        if not sociallogin.is_existing:
            return
        connecting = sociallogin.state.get("process") == AuthProcess.CONNECT
        if connecting and request.user.is_authenticated:
            # Connecting from inside an account: it is that account the identity joins.
            sociallogin.user = request.user
            return
        logger.warning("Refused a ButterflyMX sign-in matched to an account by email")
        messages.error(
            request,
            "This ButterflyMX account isn't connected to a Foyer account. Sign in with your "
            "email and password, then connect ButterflyMX on your account page.",
        )
        raise ImmediateHttpResponse(redirect("account_login"))

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        # The exception text can quote the upstream's answer: log its type only.
        logger.warning(
            "%s sign-in failed: error=%s exception=%s",
            getattr(provider, "name", provider),
            error,
            type(exception).__name__ if exception else None,
        )
