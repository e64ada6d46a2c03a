"""Reads of the sandbox ButterflyMX world, always as seen by one person's token."""

import hashlib
import hmac

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from sandbox.butterflymx.models import (
    AccessLog,
    AccessPoint,
    AccessToken,
    AccessTool,
    Building,
    Call,
    Device,
    Keychain,
    Person,
    Tenant,
    Unit,
    VirtualKey,
)

# The devices with a camera and a call button: what a visitor rings a unit from.
INTERCOM_TYPES = (Device.Type.PANEL, Device.Type.VIRTUAL_INTERCOM)


def secret_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def client_is_valid(*, client_id: str, client_secret: str) -> bool:
    id_ok = hmac.compare_digest(client_id.encode(), settings.SANDBOX_BUTTERFLYMX_CLIENT_ID.encode())
    secret_ok = hmac.compare_digest(
        client_secret.encode(), settings.SANDBOX_BUTTERFLYMX_CLIENT_SECRET.encode()
    )
    return id_ok and secret_ok


def redirect_uri_is_registered(*, redirect_uri: str) -> bool:
    # Exact match, as ButterflyMX requires: no prefix, no trailing-slash leniency.
    return redirect_uri in settings.SANDBOX_BUTTERFLYMX_REDIRECT_URIS


def access_token_get(*, token: str) -> AccessToken | None:
    """The live (unexpired, unrevoked) access token with this value, if any."""
    return (
        AccessToken.objects.select_related("person")
        .filter(
            token_hash=secret_hash(token), revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .first()
    )


def people_list() -> QuerySet[Person]:
    return Person.objects.all()


def tenants_for_person(*, person: Person) -> QuerySet[Tenant]:
    return Tenant.objects.filter(person=person).select_related("person", "unit", "building")


def buildings_for_person(*, person: Person) -> QuerySet[Building]:
    return Building.objects.filter(tenants__person=person).distinct()


def access_points_for_person(*, person: Person) -> QuerySet[AccessPoint]:
    return (
        AccessPoint.objects.filter(building__in=buildings_for_person(person=person))
        .prefetch_related("devices")
        .order_by("id")
    )


def devices_for_person(*, person: Person) -> QuerySet[Device]:
    """Common hardware of the person's buildings, and the smart locks of their own units."""
    units = Tenant.objects.filter(person=person).values("unit_id")
    return Device.objects.filter(
        Q(unit__isnull=True, building__in=buildings_for_person(person=person)) | Q(unit__in=units)
    ).order_by("id")


def access_logs_for_building(*, person: Person, building: Building) -> QuerySet[AccessLog]:
    """The building's log as the person sees it: the entries of their own units there, and the
    doors' schedule entries; never another resident's."""
    units = Tenant.objects.filter(person=person, building=building).values("unit_id")
    return AccessLog.objects.filter(building=building).filter(
        Q(unit__in=units) | Q(release_method=AccessLog.ReleaseMethod.SCHEDULE)
    )


def calls_for_building(*, person: Person, building: Building) -> QuerySet[Call]:
    """The calls to the person's own units in the building."""
    units = Tenant.objects.filter(person=person, building=building).values("unit_id")
    return Call.objects.filter(building=building, unit__in=units).select_related(
        "device", "unit", "recipient__person"
    )


def photo_is_known(*, photo: str) -> bool:
    if not photo:
        return False
    return (
        AccessLog.objects.filter(photo=photo).exists() or Call.objects.filter(photo=photo).exists()
    )


def keychains_for_person(*, person: Person) -> QuerySet[Keychain]:
    """The visitor passes of the person's own tenancies: nobody sees another's."""
    return (
        Keychain.objects.filter(tenant__person=person)
        .select_related("building")
        .prefetch_related("access_points__devices", "devices", "virtual_keys")
        .order_by("id")
    )


def virtual_keys_for_person(*, person: Person) -> QuerySet[VirtualKey]:
    return VirtualKey.objects.filter(keychain__tenant__person=person).order_by("id")


def virtual_key_by_token(*, token: str) -> VirtualKey | None:
    """The key a public QR or instructions link points at."""
    if not token:
        return None
    return VirtualKey.objects.select_related("keychain__building").filter(token=token).first()


def keypad_doors() -> QuerySet[AccessPoint]:
    """Every building's doors, for the keypad that stands in for their hardware."""
    return AccessPoint.objects.select_related("building").order_by("building__name", "name")


def keypad_fobs() -> QuerySet[AccessTool]:
    """The residents' fobs, for the keypad page's reader."""
    return (
        AccessTool.objects.filter(kind=AccessTool.Kind.FOB)
        .select_related("tenant__person", "tenant__building", "tenant__unit")
        .order_by("tenant__building__name", "label", "id")
    )


def ring_units() -> QuerySet[Unit]:
    return Unit.objects.select_related("building").order_by("building__name", "label")


def ring_panels() -> QuerySet[Device]:
    return (
        Device.objects.filter(type__in=INTERCOM_TYPES)
        .select_related("building")
        .order_by("building__name", "id")
    )


def call_get(*, call_id: int) -> Call | None:
    return Call.objects.select_related("device", "unit__building").filter(id=call_id).first()
