"""The resident side's records: the user, the ButterflyMX connection (tokens as ciphertext
only) and the door history."""

from __future__ import annotations

from typing import Any, ClassVar

from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from residents.butterflymx.types import DoorKind


class UserManager(DjangoUserManager["User"]):
    """Creates users by email: the email is the only identifier a person signs in with."""

    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        # Both halves are lowered: people type their address in any case, and one address
        # must never become two accounts.
        return (email or "").strip().lower()

    def _create_user_by_email(self, email: str, password: str | None, **extra_fields: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    # Django's UserManager takes a username first; this one takes the email.
    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user_by_email(email, password, **extra_fields)

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if extra_fields["is_staff"] is not True:
            raise ValueError("A superuser must have is_staff=True.")
        if extra_fields["is_superuser"] is not True:
            raise ValueError("A superuser must have is_superuser=True.")
        return self._create_user_by_email(email, password, **extra_fields)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=self.normalize_email(username))


class User(AbstractUser):
    """A person with a Foyer account, identified by their email address (no username)."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"
        constraints = [
            models.UniqueConstraint(Lower("email"), name="residents_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email


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


class DoorEvent(models.Model):
    """One unlock attempt by a resident, recorded before the answer goes back to them."""

    KINDS = [
        (DoorKind.ACCESS_POINT.value, "Building entrance"),
        (DoorKind.DEVICE.value, "Unit device"),
    ]

    class Outcome(models.TextChoices):
        # Written before the release is sent, so that an attempt survives a crash.
        PENDING = "pending", "Pending"
        OPENED = "opened", "Opened"
        FAILED = "failed", "Didn't open"
        UNCONFIRMED = "unconfirmed", "Not confirmed"

    class ErrorCode(models.TextChoices):
        """Why a door didn't open, or may not have (residents.failures says it in words)."""

        NO_ANSWER = "no_answer", "no answer from ButterflyMX"
        UNREACHABLE = "unreachable", "ButterflyMX unreachable"
        BAD_RESPONSE = "bad_response", "unreadable answer"
        RATE_LIMITED = "rate_limited", "ButterflyMX busy"
        FORBIDDEN = "forbidden", "not allowed"
        NOT_FOUND = "not_found", "door unknown to ButterflyMX"
        REFUSED = "refused", "refused by ButterflyMX"
        UNAVAILABLE = "unavailable", "ButterflyMX unavailable"
        RECONNECT = "reconnect", "reconnect needed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="door_events"
    )
    tenant_id = models.BigIntegerField()
    building_id = models.BigIntegerField()
    building_name = models.CharField(max_length=200, blank=True)
    unit_label = models.CharField(max_length=50, blank=True)
    door_kind = models.CharField(max_length=20, choices=KINDS)
    door_id = models.BigIntegerField()
    door_name = models.CharField(max_length=200)
    door_type = models.CharField(max_length=50, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    release_id = models.BigIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=50, choices=ErrorCode.choices, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"{self.door_name}: {self.outcome_label} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def outcome_label(self) -> str:
        """The outcome in words; an attempt still pending after the release could have been
        answered never got its answer recorded (the process stopped), so it may have opened."""
        if self.outcome == self.Outcome.PENDING:
            waited = (timezone.now() - self.created_at).total_seconds()
            if waited > settings.BUTTERFLYMX_CONNECT_TIMEOUT + settings.BUTTERFLYMX_READ_TIMEOUT:
                return str(self.Outcome.UNCONFIRMED.label)
        return str(self.get_outcome_display())


class FavouriteDoor(models.Model):
    """A door a resident pinned to the top of a tenancy's doors page."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourite_doors"
    )
    tenant_id = models.BigIntegerField()
    door_kind = models.CharField(max_length=20, choices=DoorEvent.KINDS)
    door_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "tenant_id", "door_kind", "door_id"],
                name="residents_favourite_door_unique",
            ),
        ]

    def __str__(self):
        return f"{self.door_kind} {self.door_id} pinned by {self.user}"


class PushSubscription(models.Model):
    """One of a resident's devices that receives doorbell notifications (a Web Push
    subscription). The endpoint is a capability URL: shown to nobody, logged nowhere."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=2000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    # What the resident calls this device, from its browser: "Chrome on Android".
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.label or 'A device'} of {self.user}"


class DoorbellWebhook(models.Model):
    """A ButterflyMX webhook integration Foyer keeps on one of a resident's tenancies while
    they have a subscribed device. Only a hash of its URL's secret is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="doorbell_webhooks"
    )
    building_id = models.BigIntegerField()
    tenant_id = models.BigIntegerField()
    integration_id = models.BigIntegerField()
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "tenant_id"], name="doorbell_webhook_per_tenancy"
            )
        ]

    def __str__(self):
        return f"Doorbell webhook {self.integration_id} on tenancy {self.tenant_id}"
