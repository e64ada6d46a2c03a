"""Model factories for tests."""

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth import get_user_model

from residents.butterflymx.types import DoorKind
from residents.models import ButterflyMXConnection, DoorEvent

# The authenticator app of every test user who has one.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@foyer.example")
    password = factory.django.Password("correct-horse-battery-staple")

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


class DoorEventFactory(factory.django.DjangoModelFactory):
    """A door opened through Foyer; pass the resident, the tenancy and the door that matter."""

    class Meta:
        model = DoorEvent

    user = factory.SubFactory(UserFactory)
    tenant_id = factory.Sequence(lambda n: 1000 + n)
    building_id = 1
    door_kind = DoorKind.ACCESS_POINT
    door_id = factory.Sequence(lambda n: 2000 + n)
    door_name = factory.Sequence(lambda n: f"Door {n}")
    outcome = DoorEvent.Outcome.OPENED


class AuthenticatorFactory(factory.django.DjangoModelFactory):
    """A second factor: an authenticator app (TOTP) by default, or with
    ``recovery_codes=True`` the recovery codes that back it up."""

    class Meta:
        model = Authenticator

    class Params:
        recovery_codes = factory.Trait(
            type=Authenticator.Type.RECOVERY_CODES,
            data=factory.LazyFunction(
                lambda: {"seed": RecoveryCodes.generate_seed(), "used_mask": 0}
            ),
        )

    user = factory.SubFactory(UserFactory)
    type = Authenticator.Type.TOTP
    data = factory.LazyFunction(lambda: {"secret": TOTP_SECRET})


def totp_code(*, at: float) -> str:
    """What the authenticator app shows at this time."""
    return format_hotp_value(hotp_value(TOTP_SECRET, int(at) // 30))


def recovery_code(user, *, index: int = 0) -> str:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return RecoveryCodes(authenticator).generate_codes()[index]


def connection_change(user, **fields) -> None:
    """Change a resident's stored connection the way Foyer does, through save(): its signal
    drops the copy kept in the cache."""
    connection = ButterflyMXConnection.objects.get(user=user)
    for name, value in fields.items():
        setattr(connection, name, value)
    connection.save(update_fields=list(fields))
