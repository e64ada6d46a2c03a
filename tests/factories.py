"""Model factories for tests."""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from residents.butterflymx.types import DoorKind
from residents.models import DoorEvent


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
