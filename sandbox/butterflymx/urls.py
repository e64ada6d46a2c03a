"""URLs of the sandbox ButterflyMX: the accounts host and the API host, each under its prefix."""

from django.urls import include, path

from sandbox.butterflymx import accounts_views, api_views, integrations, pass_views, ring_views

accounts_patterns = [
    path("oauth/authorize", accounts_views.authorize, name="sandbox_bmx_authorize"),
    path("oauth/token", accounts_views.token, name="sandbox_bmx_token"),
    path("oauth/revoke", accounts_views.revoke, name="sandbox_bmx_revoke"),
    path("oauth/token/info", accounts_views.token_info, name="sandbox_bmx_token_info"),
]

api_patterns = [
    path("v4/tenants", api_views.tenants, name="sandbox_bmx_tenants"),
    path("v4/buildings", api_views.buildings, name="sandbox_bmx_buildings"),
    path("v4/buildings/<int:building_id>", api_views.building, name="sandbox_bmx_building"),
    path(
        "v4/buildings/<int:building_id>/access_logs",
        api_views.access_logs,
        name="sandbox_bmx_access_logs",
    ),
    path(
        "v4/buildings/<int:building_id>/access_logs/<int:access_log_id>",
        api_views.access_log,
        name="sandbox_bmx_access_log",
    ),
    path("v4/buildings/<int:building_id>/calls", api_views.calls, name="sandbox_bmx_calls"),
    path(
        "v4/buildings/<int:building_id>/calls/<int:call_id>",
        api_views.call,
        name="sandbox_bmx_call",
    ),
    path(
        "v4/buildings/<int:building_id>/capabilities",
        api_views.capabilities,
        name="sandbox_bmx_capabilities",
    ),
    path("v4/keychains", api_views.keychains, name="sandbox_bmx_keychains"),
    path("v4/keychains/<int:keychain_id>", api_views.keychain, name="sandbox_bmx_keychain"),
    path(
        "v4/keychains/custom",
        api_views.create_custom_keychain,
        name="sandbox_bmx_keychain_create_custom",
    ),
    path(
        "v4/keychains/one_time",
        api_views.create_one_time_keychain,
        name="sandbox_bmx_keychain_create_one_time",
    ),
    path(
        "v4/keychains/recurring",
        api_views.create_recurring_keychain,
        name="sandbox_bmx_keychain_create_recurring",
    ),
    path(
        "v4/keychains/delivery_pass",
        api_views.create_delivery_pass,
        name="sandbox_bmx_keychain_create_delivery_pass",
    ),
    path("v4/virtual_keys", api_views.virtual_keys, name="sandbox_bmx_virtual_keys"),
    path(
        "v4/virtual_keys/<int:virtual_key_id>",
        api_views.virtual_key,
        name="sandbox_bmx_virtual_key",
    ),
    path("v4/access_points", api_views.access_points, name="sandbox_bmx_access_points"),
    path("v4/devices", api_views.devices, name="sandbox_bmx_devices"),
    path("v4/door_release_requests", api_views.door_release, name="sandbox_bmx_door_release"),
    path("v3/notifications/open_door", integrations.open_door, name="sandbox_bmx_v3_open_door"),
    path(
        "v4/tenants/<int:tenant_id>/integrations",
        integrations.integrations,
        name="sandbox_bmx_integrations",
    ),
    path(
        "v4/tenants/<int:tenant_id>/integrations/<int:integration_id>",
        integrations.integration,
        name="sandbox_bmx_integration",
    ),
]

# What anyone reaches without a token: a visitor's QR code and instructions, the intercom's
# photos, and the building's keypad and intercom control, which stand in for the door hardware
# in demos and tests.
pass_patterns = [
    path(
        "passes/<str:token>/qr.svg",
        pass_views.qr_code,
        name="sandbox_bmx_virtual_key_qr_code",
    ),
    path(
        "passes/<str:token>/",
        pass_views.instructions,
        name="sandbox_bmx_virtual_key_instructions",
    ),
    path("keypad/", pass_views.keypad, name="sandbox_bmx_keypad"),
    path("keypad/qr/<str:token>/", pass_views.keypad_qr, name="sandbox_bmx_keypad_qr"),
    path("uploads/store/<str:photo>.png", pass_views.photo, name="sandbox_bmx_photo"),
    path("ring/", ring_views.ring, name="sandbox_bmx_ring"),
    path("ring/<int:call_id>/cancel", ring_views.ring_cancel, name="sandbox_bmx_ring_cancel"),
]

urlpatterns = [
    path("accounts/", include(accounts_patterns)),
    path("api/", include(api_patterns)),
    *pass_patterns,
]
