"""The sandbox ButterflyMX world: buildings, people and doors, OAuth grants, door releases,
visitor passes, residents' PINs and fobs, the access log and intercom calls."""

import uuid
from datetime import datetime, timedelta

from django.db import models


class Building(models.Model):
    id = models.PositiveIntegerField(primary_key=True)
    name = models.CharField(max_length=100)
    timezone = models.CharField(max_length=64)
    # The address ButterflyMX answers as {address, city, state, zip_code, country, county}.
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=60, blank=True)
    zip_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, default="us")
    county = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
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
    # A list of {"day", "opens_at", "closes_at"}; empty means always open to residents.
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
    # Kept for migration 0002, which names it as a default.
    return "API"


class DoorReleaseRequest(models.Model):
    """A door opened through the API, as POST /v4/door_release_requests answers it."""

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
    # Set on the seeded passes only: what the seed finds them by, whatever their id.
    seed_key = models.CharField(max_length=40, unique=True, null=True, blank=True)
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


class AccessTool(models.Model):
    """A resident's own credential at the building's readers: a PIN or a fob."""

    class Kind(models.TextChoices):
        PIN = "pin"
        FOB = "fob"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="access_tools")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    label = models.CharField(max_length=60)
    pin_code = models.CharField(max_length=6, null=True, blank=True)  # noqa: DJ001
    seed_key = models.CharField(max_length=40, unique=True, null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.label


class AccessLog(models.Model):
    """One entry of a building's access log: a door unlocked for someone, or a door's
    open-hours boundary (a schedule entry, which names nobody)."""

    class ReleaseStatus(models.TextChoices):
        UNLOCKED = "Unlocked"
        LOCKED = "Locked"

    class ReleaseType(models.TextChoices):
        TENANT = "Tenant"
        VISITOR = "Visitor"
        DELIVERY = "Delivery"

    class ReleaseMethod(models.TextChoices):
        # What q[release_method_in][] filters on; the API does not show it.
        API = "api"
        FRONT_DOOR_VIEW = "front_door_view"  # "Swipe to open" in the app
        CALL = "call"  # "App call": the resident answered the intercom and opened
        VISITOR_PASS = "visitor_pass"
        DELIVERY_PASS = "delivery_pass"
        REMOTE_DOORMAN = "remote_doorman"
        PIN_CODE = "pin_code"
        FOB = "fob"
        SCHEDULE = "schedule"

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="+")
    logged_at = models.DateTimeField()
    access_point = models.ForeignKey(
        AccessPoint, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    release_status = models.CharField(max_length=10, choices=ReleaseStatus.choices)
    name = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    release_type = models.CharField(  # noqa: DJ001
        max_length=10, choices=ReleaseType.choices, null=True, blank=True
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # A string such as "API", an object {"keychain": id} or {"access_tool": id}, or null.
    entry_method = models.JSONField(null=True, blank=True)
    release_method = models.CharField(max_length=20, choices=ReleaseMethod.choices)
    # The 32 hex digits of the intercom's photo, or blank where no camera saw the door.
    photo = models.CharField(max_length=32, blank=True)
    seed_key = models.CharField(max_length=40, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-logged_at", "-id"]
        indexes = [models.Index(fields=["building", "logged_at"])]

    def __str__(self):
        return f"access log {self.id}"


# How long a call rings before ButterflyMX gives up on it.
RING_TIMEOUT = timedelta(seconds=40)


class Call(models.Model):
    """A visitor ringing a unit from an intercom panel."""

    class Status(models.TextChoices):
        INITIALIZING = "initializing"
        OPENED_DOOR = "opened_door"
        CANCELED = "canceled"
        TIMEOUT_ONLINE_SIGNAL = "timeout_online_signal"

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="+")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    logged_at = models.DateTimeField()
    notification_type = models.CharField(max_length=20, default="visitor")
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.INITIALIZING)
    photo = models.CharField(max_length=32)
    seed_key = models.CharField(max_length=40, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-logged_at", "-id"]
        indexes = [models.Index(fields=["building", "logged_at"])]

    def __str__(self):
        return f"call {self.id}"

    def status_at(self, now: datetime) -> str:
        """The status as ButterflyMX reports it at ``now``: a call nobody answered within
        RING_TIMEOUT rang out, whether or not that was written down yet (reads never write)."""
        if self.status == self.Status.INITIALIZING and self.logged_at <= now - RING_TIMEOUT:
            return self.Status.TIMEOUT_ONLINE_SIGNAL
        return self.status


class Integration(models.Model):
    """A tenant's webhook integration: where the sandbox POSTs when something is created for
    the tenant's unit (``bindings`` name the resource types and actions)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="integrations")
    integrator = models.CharField(max_length=40, default="webhook")
    configuration = models.JSONField(default=dict)
    bindings = models.JSONField(default=list)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"Integration {self.pk} of tenant {self.tenant_id}"

    def binds(self, resource_type: str, action: str = "create") -> bool:
        return any(
            isinstance(binding, dict)
            and binding.get("resource_type") == resource_type
            and action in (binding.get("actions") or [])
            for binding in self.bindings
        )
