from django.contrib import admin

from residents.models import ButterflyMXConnection, DoorEvent


@admin.register(ButterflyMXConnection)
class ButterflyMXConnectionAdmin(admin.ModelAdmin):
    list_display = ["user", "connected_at", "refreshed_at", "expires_at", "needs_reconnect"]
    list_filter = ["needs_reconnect"]
    search_fields = ["user__email"]
    # The encrypted tokens are neither shown nor editable here.
    fields = [
        "user",
        "social_account",
        "connected_at",
        "refreshed_at",
        "expires_at",
        "needs_reconnect",
    ]
    readonly_fields = fields


@admin.register(DoorEvent)
class DoorEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "door_name", "building_name", "outcome", "error_code"]
    list_filter = ["outcome", "door_kind"]
    search_fields = ["user__email", "door_name", "building_name"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
