"""Issue a ButterflyMX token pair for the demo resident, as the sandbox's token endpoint would
answer it, and print it as JSON for `seed_demo --butterflymx-tokens -` to store.

The sandbox knows nothing of Foyer: it only prints what ButterflyMX would hand a client (the
token answer, and who the tokens belong to as /oauth/token/info and /v4/tenants tell it)."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sandbox.butterflymx.models import Person
from sandbox.butterflymx.selectors import tenants_for_person
from sandbox.butterflymx.services import token_issue

ROSA = 7001


class Command(BaseCommand):
    help = "Print a new sandbox ButterflyMX token pair for a person (Rosa by default)."

    def add_arguments(self, parser):
        parser.add_argument("--person", type=int, default=ROSA, help="The sandbox person's id.")

    def handle(self, *args, **options):
        if not (settings.SANDBOX_ENABLED and settings.BUTTERFLYMX_SANDBOX):
            # Foyer talks to a real ButterflyMX: a sandbox pair would open nothing there.
            self.stderr.write("The ButterflyMX sandbox is not in use: no tokens issued.")
            return
        person = Person.objects.filter(pk=options["person"]).first()
        if person is None:
            raise CommandError(f"No sandbox person {options['person']}: run sandbox_seed first.")
        body = token_issue(person=person)
        body["resource_owner"] = {
            "id": person.pk,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": person.email,
            "tenant_count": tenants_for_person(person=person).count(),
        }
        self.stdout.write(json.dumps(body))
