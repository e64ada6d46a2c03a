"""The admin for residents' accounts, ButterflyMX connections and door history."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from residents.models import ButterflyMXConnection, DoorEvent, User


class UserAdminCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):  # type: ignore[name-defined]
        model = User
        fields = ("email",)
        field_classes: dict = {}


class UserAdminChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):  # type: ignore[name-defined]
        model = User
        fields = "__all__"
        field_classes: dict = {}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin with the email in place of the username."""

    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "last_login"]
    search_fields = ["email", "first_name", "last_name"]
    ordering = ["email"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Name", {"fields": ("first_name", "last_name")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )


@admin.register(ButterflyMXConnection)
class ButterflyMXConnectionAdmin(admin.ModelAdmin):
    list_display = ["user", "connected_at", "refreshed_at", "expires_at", "needs_reconnect"]
    list_filter = ["needs_reconnect"]
    search_fields = ["user__email"]
    # The encrypted tokens are neither shown nor editable here.
    fields = readonly_fields = (
        "user",
        "social_account",
        "connected_at",
        "refreshed_at",
        "expires_at",
        "needs_reconnect",
    )


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
