"""allauth hooks: log failed ButterflyMX sign-ins without leaking what came back."""

import logging

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter

logger = logging.getLogger(__name__)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
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
