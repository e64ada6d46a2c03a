"""Prepare the benchmark's throwaway databases: migrate, seed, and sign in the virtual people.

Run by bench.run as ``python -m bench.setup OUT`` in an environment with the sandbox
enabled and both databases set. Writes OUT (JSON): for each virtual resident a session, a
CSRF secret, the ButterflyMX tenancy, and the sandbox access token its connection
holds (for sending the same door release straight to the sandbox); the residents of the
500-door Skyline Commons; a manager's session; and the ButterflyMX buildings whose amenities
residents see (the sandbox's demo amenities are linked, as `make run` does).
Sessions are created directly, so no password is hashed for hundreds of sign-ins.
"""

import argparse
import json
from datetime import timedelta
from io import StringIO
from itertools import cycle
from pathlib import Path
from tempfile import TemporaryDirectory

import django

# Long enough that no token is refreshed during a run.
TOKEN_SECONDS = 7 * 86400


def _session_create(user) -> dict:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils.crypto import get_random_string

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {"session": session.session_key, "csrf": get_random_string(32)}


def _resident_create(*, number: int, person, tenant) -> dict:
    from allauth.socialaccount.models import SocialAccount
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from residents.crypto import token_encrypt
    from residents.models import ButterflyMXConnection
    from sandbox.butterflymx.services import token_issue

    user = get_user_model().objects.create(email=f"bench-resident-{number}@foyer.example")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    tokens = token_issue(person=person, expires_in=TOKEN_SECONDS)
    # ButterflyMX user ids are unique per social account: each virtual resident gets its own,
    # while its tokens stand for one of the sandbox's people.
    account = SocialAccount.objects.create(
        user=user,
        provider="butterflymx",
        uid=f"bench-{number}",
        extra_data={"id": person.pk, "email": person.email, "name": str(person.first_name)},
    )
    ButterflyMXConnection.objects.create(
        user=user,
        social_account=account,
        access_token_ciphertext=token_encrypt(tokens["access_token"]),
        refresh_token_ciphertext=token_encrypt(tokens["refresh_token"]),
        expires_at=timezone.now() + timedelta(seconds=TOKEN_SECONDS),
    )
    return {
        **_session_create(user),
        "token": tokens["access_token"],
        "building_id": tenant.building_id,
        "tenant_id": tenant.id,
    }


def _manager_create() -> dict:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import generate_totp_secret
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create(email="bench-manager@foyer.example")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=settings.PROPERTY_MANAGERS_GROUP))
    # Production asks managers for a second factor before the dashboard; the session below
    # stands for a sign-in that passed it.
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": generate_totp_secret()}
    )
    return _session_create(user)


def amenities_link() -> list[int]:
    """Link the sandbox's demo amenities, as `sandbox_demo_amenities | amenities_link -`
    does; returns the ButterflyMX buildings linked."""
    from django.core.management import call_command
    from django.test import override_settings

    printed = StringIO()
    # The app is told Butlr's sandbox client as if it were a real client's (BUTLR_SANDBOX is
    # false): the sandbox's own demo rooms are still the ones it serves.
    with override_settings(SANDBOX_ENABLED=True, BUTLR_SANDBOX=True):
        call_command("sandbox_demo_amenities", stdout=printed)
    links = printed.getvalue()
    with TemporaryDirectory() as folder:
        path = Path(folder) / "links.json"
        path.write_text(links)
        call_command("amenities_link", str(path), stdout=StringIO())
    return [int(link["butterflymx_building_id"]) for link in json.loads(links)["links"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--residents", type=int, required=True)
    parser.add_argument("--cold-residents", type=int, required=True)
    parser.add_argument("--skyline-residents", type=int, default=0)
    args = parser.parse_args()

    django.setup()
    from django.core.management import call_command

    from sandbox.butterflymx.world import world_load

    call_command("migrate", "--no-input", verbosity=0)
    call_command("migrate", "--no-input", database="sandbox", verbosity=0)
    call_command("sandbox_seed", verbosity=0)
    world = world_load()
    # Two people at Harbor Point and one at Elm Street Lofts; Grand Tower's 130 entrances
    # take two pages one after the other, which the cold-page target does not cover.
    tenancies = [
        (world.rosa, world.rosa_harbor),
        (world.sam, world.sam_harbor),
        (world.rosa, world.rosa_elm),
    ]
    people = []
    for number in range(args.residents + args.cold_residents):
        person, tenant = tenancies[number % len(tenancies)]
        people.append(_resident_create(number=number, person=person, tenant=tenant))
    # The 500-door building, for its doors page: Lee's home and Rosa's third.
    skyline = [(world.lee, world.lee_skyline), (world.rosa, world.rosa_skyline)]
    skyline_people = [
        _resident_create(number=len(people) + number, person=person, tenant=tenant)
        for number, (person, tenant) in zip(
            range(args.skyline_residents), cycle(skyline), strict=False
        )
    ]
    identities = {
        "residents": people[: args.residents],
        "cold_residents": people[args.residents :],
        "skyline": skyline_people,
        "manager": _manager_create(),
        "amenity_buildings": amenities_link(),
    }
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(identities, out)


if __name__ == "__main__":
    main()
