from django.contrib import admin

from occupancy.models import Amenity, BuildingLink


class AmenityInline(admin.TabularInline):
    model = Amenity
    extra = 1
    fields = ("name", "butlr_room_id", "capacity", "position")


@admin.register(BuildingLink)
class BuildingLinkAdmin(admin.ModelAdmin):
    list_display = ("butterflymx_building_id", "name", "butlr_building_id", "updated_at")
    search_fields = ("name", "butlr_building_id")
    inlines = [AmenityInline]
