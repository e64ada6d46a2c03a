"""Print, as JSON for `amenities_link -`, the demo's amenity rooms: the sandbox's ButterflyMX
Harbor Point building, the Butlr building that senses it, and the rooms its residents use.

The sandbox knows nothing of Foyer: it only prints ids both services would show a manager."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand

from sandbox.butlr.world import WORLD, Building
from sandbox.butterflymx.world import HARBOR_POINT

# (Butlr room, floor, the name residents know)
DEMO_AMENITIES = (
    ("Gym", "Amenity floor", "Gym"),
    ("Residents' lounge", "Amenity floor", "Rooftop lounge"),
    ("Laundry room", "Wellness floor", "Laundry room"),
    ("Pool", "Wellness floor", "Pool"),
)
# Shown to residents at first; the manager can change the choice.
DEMO_CHOSEN = ("Gym", "Rooftop lounge", "Laundry room")


class Command(BaseCommand):
    help = "Print the demo's amenity rooms for `amenities_link -`."

    def handle(self, *args, **options):
        if not (settings.SANDBOX_ENABLED and settings.BUTLR_SANDBOX):
            self.stderr.write("The Butlr sandbox is not in use: no amenities to link.")
            return
        building = WORLD.named(Building, "Harbor Point")
        floors = {floor.name: floor for floor in WORLD.floors_of(building.id)}
        rooms = {
            (room.name, floor_name): room
            for floor_name, floor in floors.items()
            for room in WORLD.rooms_of(floor.id)
        }
        amenities = [
            {"butlr_room_id": rooms[room_name, floor_name].id, "name": name}
            for room_name, floor_name, name in DEMO_AMENITIES
            if name in DEMO_CHOSEN
        ]
        link = {
            "butterflymx_building_id": HARBOR_POINT,
            "butlr_building_id": building.id,
            "name": "Harbor Point",
            "amenities": amenities,
        }
        self.stdout.write(json.dumps({"links": [link]}))
