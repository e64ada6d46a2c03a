"""Create the demo resident and property manager, if missing, and print how to sign in.

With ``--butterflymx-tokens`` (a file, or ``-`` for standard input) the demo resident is also
connected to ButterflyMX with the token pair it holds, as `sandbox_demo_tokens` prints it: the
token answer, and who the tokens belong to. Running it again replaces the pair and keeps one
connection."""

import json
import sys
from datetime import timedelta
from pathlib import Path

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from residents.crypto import token_encrypt
from residents.services import PROVIDER_ID, connection_save

DEMO_PASSWORD = "foyer-demo-2026"
DEMO_USERS = [
    ("resident@foyer.example", "Rosa", "Resident", False),
    ("manager@foyer.example", "Manuel", "Manager", True),
]
DEMO_RESIDENT = DEMO_USERS[0][0]


class Command(BaseCommand):
    help = "Create the demo resident and property manager (development only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--butterflymx-tokens",
            metavar="FILE",
            help="Connect the demo resident with this ButterflyMX token pair (JSON; - for stdin).",
        )

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
        connected_as = None
        if options["butterflymx_tokens"]:
            connected_as = self._connect(
                User.objects.get(email=DEMO_RESIDENT), options["butterflymx_tokens"]
            )
        self.stdout.write("Demo accounts (development only):")
        for email, *_, is_manager in DEMO_USERS:
            role = "property manager" if is_manager else "resident"
            self.stdout.write(f"  {role:<17} {email}  password: {DEMO_PASSWORD}")
            if email == DEMO_RESIDENT and connected_as:
                self.stdout.write(f"  {'':<17} connected to ButterflyMX as {connected_as}")

    def _connect(self, user, source: str) -> str | None:
        """Store the pair for the demo resident; returns who it connects them as."""
        raw = sys.stdin.read() if source == "-" else Path(source).read_text()
        if not raw.strip():
            self.stderr.write("No ButterflyMX tokens given: the demo resident is not connected.")
            return None
        try:
            data = json.loads(raw)
            owner = data["resource_owner"]
            uid = str(int(owner["id"]))
            access_token, refresh_token = str(data["access_token"]), str(data["refresh_token"])
            expires_in = int(data["expires_in"])
        except (ValueError, KeyError, TypeError) as error:
            raise CommandError(f"Unreadable ButterflyMX tokens ({error!r}).") from None
        holder = SocialAccount.objects.filter(provider=PROVIDER_ID, uid=uid).first()
        if holder is not None and holder.user_id != user.pk:
            self.stderr.write(
                f"ButterflyMX user {uid} is connected to another Foyer account: "
                "the demo resident is not connected."
            )
            return None
        name = " ".join(filter(None, (owner.get("first_name"), owner.get("last_name"))))
        extra_data = {
            "id": int(uid),
            "email": owner.get("email"),
            "first_name": owner.get("first_name"),
            "last_name": owner.get("last_name"),
            "name": name or None,
            "tenant_count": owner.get("tenant_count"),
        }
        account, _ = SocialAccount.objects.update_or_create(
            provider=PROVIDER_ID, uid=uid, defaults={"user": user, "extra_data": extra_data}
        )
        token = SocialToken(
            token=token_encrypt(access_token),
            token_secret=token_encrypt(refresh_token),
            expires_at=timezone.now() + timedelta(seconds=expires_in),
        )
        # ButterflyMX isn't being served while the demo is seeded: the pair this replaces is
        # left to expire rather than revoked over HTTP.
        connection_save(user=user, social_account=account, token=token, revoke_replaced=False)
        return name or owner.get("email") or f"ButterflyMX user {uid}"
