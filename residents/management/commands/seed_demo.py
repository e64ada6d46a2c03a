"""Create the demo resident and property manager, if missing, and print how to sign in."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

DEMO_PASSWORD = "foyer-demo-2026"
DEMO_USERS = [
    ("resident@foyer.example", "Rosa", "Resident", False),
    ("manager@foyer.example", "Manuel", "Manager", True),
]


class Command(BaseCommand):
    help = "Create the demo resident and property manager (development only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are only created when DEBUG is on.")
        User = get_user_model()
        managers = Group.objects.get(name=settings.PROPERTY_MANAGERS_GROUP)
        for email, first, last, is_manager in DEMO_USERS:
            user, created = User.objects.get_or_create(
                email=email, defaults={"first_name": first, "last_name": last}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            if is_manager:
                user.groups.add(managers)
        self.stdout.write("Demo accounts (development only):")
        for email, *_, is_manager in DEMO_USERS:
            role = "property manager" if is_manager else "resident"
            self.stdout.write(f"  {role:<17} {email}  password: {DEMO_PASSWORD}")
