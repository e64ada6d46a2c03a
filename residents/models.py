"""The resident side's records: the ButterflyMX connection (tokens as ciphertext only)."""

from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.db import models
from django.utils import timezone


class ButterflyMXConnection(models.Model):
    """A resident's link to their ButterflyMX account.

    The tokens are stored only encrypted (residents.crypto); a database dump holds no
    usable token. Both tokens change together on every refresh (ButterflyMX rotates the
    refresh token), so they are always written in one UPDATE.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="butterflymx_connection"
    )
    social_account = models.OneToOneField(
        SocialAccount, on_delete=models.CASCADE, related_name="butterflymx_connection"
    )
    access_token_ciphertext = models.TextField()
    refresh_token_ciphertext = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    needs_reconnect = models.BooleanField(default=False)
    connected_at = models.DateTimeField(default=timezone.now)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "ButterflyMX connection"

    def __str__(self):
        return f"ButterflyMX connection of {self.user}"

    @property
    def display_name(self) -> str:
        data = self.social_account.extra_data
        return (
            data.get("name") or data.get("email") or f"ButterflyMX user {self.social_account.uid}"
        )

    @property
    def email(self) -> str | None:
        return self.social_account.extra_data.get("email")
