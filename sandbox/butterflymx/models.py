"""The sandbox ButterflyMX world: buildings, people and doors, OAuth grants, door releases and
visitor passes."""

import uuid

from django.db import models


class Building(models.Model):
    id = models.PositiveIntegerField(primary_key=True)
    name = models.CharField(max_length=100)
    timezone = models.CharField(max_length=64)
    # What GET /v4/buildings/{id}/capabilities answers; a building may not take delivery passes.
    delivery_pass_enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


class Unit(models.Model):
    id = models.PositiveIntegerField(primary_key=True)
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="units")
    label = models.CharField(max_length=20)
    floor = models.CharField(max_length=20)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.building} {self.label}"


class Person(models.Model):
    """A ButterflyMX user account: the resource owner who signs in on the accounts host."""

    id = models.PositiveIntegerField(primary_key=True)
    first_name = models.CharField(max_length=60)
    last_name = models.CharField(max_length=60)
    email = models.EmailField(unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class Tenant(models.Model):
    """One person's tenancy of one unit."""

    id = models.PositiveIntegerField(primary_key=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tenants")
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="tenants")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="tenants")
    inactive_after = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.person} in {self.unit}"


class Device(models.Model):
    class Type(models.TextChoices):
        PANEL = "panel"
        KEYPAD = "keypad"
        SMART_LOCK = "smart_lock"
        REMOTE_LOCK = "remote_lock"
        VIRTUAL_INTERCOM = "virtual_intercom"
        CLOUD_BASED_ACCESS_CONTROLLER = "cloud_based_access_controller"
        ELEVATOR_CONTROL = "elevator_control"
        ELEVATOR = "elevator"
        KEY_LOCKER = "key_locker"
        FRONT_DESK_STATION = "front_desk_station"

    id = models.PositiveIntegerField(primary_key=True)
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="devices")
    # Set for unit-level hardware (smart locks); common hardware belongs to no unit.
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="devices"
    )
    name = models.CharField(max_length=100)
    model = models.CharField(max_length=60, null=True, blank=True)  # noqa: DJ001
    serial_number = models.CharField(max_length=60, null=True, blank=True)  # noqa: DJ001
    type = models.CharField(max_length=40, choices=Type.choices)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


class AccessPoint(models.Model):
    id = models.PositiveIntegerField(primary_key=True)
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="access_points")
    name = models.CharField(max_length=100)
    devices = models.ManyToManyField(Device, blank=True, related_name="access_points")
    # A list of {"day", "opens_at", "closes_at"}; null means always open to residents.
    open_hours = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


class AuthorizationCode(models.Model):
    """A single-use authorization code; only its SHA-256 is kept."""

    code_hash = models.CharField(max_length=64, unique=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    client_id = models.CharField(max_length=100)
    redirect_uri = models.CharField(max_length=500)
    scope = models.CharField(max_length=100, default="public")
    code_challenge = models.CharField(max_length=128, blank=True)
    code_challenge_method = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"authorization code for {self.person_id}"


class AccessToken(models.Model):
    """An access token and the refresh token issued with it, kept as SHA-256 hashes.

    As in Doorkeeper, one row holds both; revoking the row revokes both, and a refresh
    revokes only the refresh token (the access token lives on until it expires).
    """

    token_hash = models.CharField(max_length=64, unique=True)
    refresh_token_hash = models.CharField(max_length=64, unique=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    client_id = models.CharField(max_length=100)
    scope = models.CharField(max_length=100, default="public")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    refresh_revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"access token for {self.person_id}"


def entry_method_api() -> str:
    return "API"


class DoorReleaseRequest(models.Model):
    """A door opened through the API; the releases also form each building's access log."""

    guid = models.UUIDField(default=uuid.uuid4, unique=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="+")
    access_point = models.ForeignKey(
        AccessPoint, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    device = models.ForeignKey(
        Device, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    release_method = models.CharField(max_length=20, default="api")
    # As in the access log: "Tenant", "Visitor" or "Delivery"; and how the door was opened,
    # a string such as "API" or an object such as {"keychain": id}.
    release_type = models.CharField(max_length=20, default="Tenant")
    entry_method = models.JSONField(default=entry_method_api)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"door release {self.guid}"


class Keychain(models.Model):
    """A visitor pass: when, which doors and whose. Its virtual keys are the codes on it."""

    class Type(models.TextChoices):
        CUSTOM = "custom_keychain"
        ONE_TIME = "one_time_keychain"
        RECURRING = "recurring_keychain"
        DELIVERY_PASS = "delivery_pass"

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="+")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="keychains")
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=30, choices=Type.choices)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    # Recurring passes: dates, local times in the building's time zone, and "mon".."sun".
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    time_from = models.TimeField(null=True, blank=True)
    time_to = models.TimeField(null=True, blank=True)
    weekdays = models.JSONField(default=list, blank=True)
    allow_unit_access = models.BooleanField(default=False)
    access_points = models.ManyToManyField(AccessPoint, blank=True, related_name="+")
    devices = models.ManyToManyField(Device, blank=True, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


class VirtualKey(models.Model):
    """One code on a keychain: a PIN and a QR code, reached by an unguessable token."""

    keychain = models.ForeignKey(Keychain, on_delete=models.CASCADE, related_name="virtual_keys")
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    sms_number = models.CharField(max_length=30, blank=True)
    pin_code = models.CharField(max_length=6, null=True, blank=True)  # noqa: DJ001
    token = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    first_used_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    usage_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"virtual key {self.id} on {self.keychain_id}"
