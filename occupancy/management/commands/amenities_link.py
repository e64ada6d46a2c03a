"""Link ButterflyMX buildings to Butlr buildings and choose their amenities, from JSON:

    {"links": [{"butterflymx_building_id": 11743, "butlr_building_id": "building_...",
                "name": "Harbor Point",
                "amenities": [{"butlr_room_id": "room_...", "name": "Gym", "capacity": null}]}]}

A building already linked keeps the rooms its managers chose: only new links get these."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from occupancy.models import Amenity, BuildingLink


class Command(BaseCommand):
    help = "Link buildings and choose their amenities from a JSON file (- for stdin)."

    def add_arguments(self, parser):
        parser.add_argument("source", metavar="FILE", help="The links as JSON; - for stdin.")

    def handle(self, *args, **options):
        source = options["source"]
        raw = sys.stdin.read() if source == "-" else Path(source).read_text()
        if not raw.strip():
            self.stderr.write("No links given: no building linked.")
            return
        try:
            links = json.loads(raw)["links"]
            for item in links:
                self._link(item)
        except (ValueError, KeyError, TypeError) as error:
            raise CommandError(f"Links unreadable: {error!r}") from error

    @transaction.atomic
    def _link(self, item: dict) -> None:
        link, created = BuildingLink.objects.get_or_create(
            butterflymx_building_id=int(item["butterflymx_building_id"]),
            defaults={
                "butlr_building_id": str(item["butlr_building_id"]),
                "name": str(item.get("name") or ""),
            },
        )
        label = link.name or link.butterflymx_building_id
        if not created:
            self.stdout.write(f"{label}: already linked; its amenities are left as chosen.")
            return
        for position, amenity in enumerate(item.get("amenities", [])):
            Amenity.objects.create(
                link=link,
                butlr_room_id=str(amenity["butlr_room_id"]),
                name=str(amenity["name"]),
                capacity=amenity.get("capacity"),
                position=position,
            )
        names = ", ".join(str(amenity["name"]) for amenity in item.get("amenities", []))
        self.stdout.write(f"{label}: linked; residents see {names or 'no amenities yet'}.")
