"""Which Butlr rooms residents may see: a ButterflyMX building linked to a Butlr building, and
the rooms chosen as its amenities, with the names residents know."""

from django.core.validators import MinValueValidator
from django.db import models


class BuildingLink(models.Model):
    """A ButterflyMX building (where residents live) and the Butlr building that senses it."""

    butterflymx_building_id = models.PositiveBigIntegerField("ButterflyMX building id", unique=True)
    butlr_building_id = models.CharField("Butlr building id", max_length=64)
    name = models.CharField(max_length=200, blank=True, help_text="For managers only.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["butterflymx_building_id"]
        verbose_name = "building link"

    def __str__(self) -> str:
        label = self.name or f"ButterflyMX building {self.butterflymx_building_id}"
        return f"{label} → {self.butlr_building_id}"


class Amenity(models.Model):
    """A Butlr room residents of the linked building may see, under the name they know."""

    link = models.ForeignKey(BuildingLink, on_delete=models.CASCADE, related_name="amenities")
    butlr_room_id = models.CharField("Butlr room id", max_length=64)
    name = models.CharField(max_length=80, help_text='The name residents know, e.g. "Gym".')
    capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Leave empty to use the room's capacity in Butlr.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "amenities"
        constraints = [
            models.UniqueConstraint(fields=["link", "butlr_room_id"], name="amenity_room_once"),
        ]

    def __str__(self) -> str:
        return self.name


class TopologyRecord(models.Model):
    """The last complete topology Butlr gave (one row), kept past the cache: when the cache
    has none, a dashboard asks for its figures together with the topology, as this one
    places them, instead of one round trip after the other."""

    fetched_at = models.DateTimeField()
    data = models.JSONField()

    class Meta:
        verbose_name = "recorded topology"

    def __str__(self) -> str:
        return f"Butlr topology of {self.fetched_at:%Y-%m-%d %H:%M}"
