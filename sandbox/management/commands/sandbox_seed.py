"""Seed the sandbox's stand-in services with their deterministic worlds (idempotent)."""

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

# One seeding function per stand-in service, each idempotent and writing to the sandbox
# database: a service's world is added here as one more line.
SEEDERS = [
    ("ButterflyMX", "sandbox.butterflymx.world.world_seed"),
]


class Command(BaseCommand):
    help = "Seed the worlds of the sandbox's stand-in services; safe to run again."

    def handle(self, *args, **options):
        for service, dotted_path in SEEDERS:
            import_string(dotted_path)()
            self.stdout.write(f"Sandbox {service} world seeded.")
