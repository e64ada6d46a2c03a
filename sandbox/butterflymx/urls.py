"""URLs of the sandbox ButterflyMX: the accounts host and the API host, each under its prefix."""

from django.urls import include, path

from sandbox.butterflymx import accounts_views, api_views

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
    path("v4/access_points", api_views.access_points, name="sandbox_bmx_access_points"),
    path("v4/devices", api_views.devices, name="sandbox_bmx_devices"),
    path("v4/door_release_requests", api_views.door_release, name="sandbox_bmx_door_release"),
]

urlpatterns = [
    path("accounts/", include(accounts_patterns)),
    path("api/", include(api_patterns)),
]
