"""A manager's change to a building's link or its amenities shows to residents at once."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from occupancy.amenities import amenities_board_forget
from occupancy.models import Amenity, BuildingLink


@receiver(post_save, sender=BuildingLink)
@receiver(post_delete, sender=BuildingLink)
def on_link_changed(sender, instance, **kwargs):
    amenities_board_forget(butterflymx_building_id=instance.butterflymx_building_id)


@receiver(post_save, sender=Amenity)
@receiver(post_delete, sender=Amenity)
def on_amenity_changed(sender, instance, **kwargs):
    link = BuildingLink.objects.filter(pk=instance.link_id).first()
    if link is not None:
        amenities_board_forget(butterflymx_building_id=link.butterflymx_building_id)
