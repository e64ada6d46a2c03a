from django.contrib import admin

from residents.models import ButterflyMXConnection


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
