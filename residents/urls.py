from django.urls import path, register_converter
from django.views.generic import RedirectView

from residents import amenity_views, views
from residents.butterflymx.types import DoorKind


class DoorKindConverter:
    regex = "|".join(kind.value for kind in DoorKind)

    def to_python(self, value: str) -> DoorKind:
        return DoorKind(value)

    def to_url(self, value: str) -> str:
        return DoorKind(value).value


class HistorySourceConverter:
    regex = "log|call"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(DoorKindConverter, "door_kind")
register_converter(HistorySourceConverter, "history_source")

tenancy = "doors/<int:building_id>/<int:tenant_id>/"
door = f"{tenancy}<door_kind:kind>/<int:door_id>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("doors/<int:building_id>/<int:tenant_id>/", views.doors, name="doors"),
    path(
        "doors/<int:building_id>/<int:tenant_id>/refresh/",
        views.doors_refresh,
        name="doors_refresh",
    ),
    path(door, views.door_card, name="door_card"),
    path(f"{door}unlock/", views.door_unlock, name="door_unlock"),
    path(f"{door}favourite/", views.door_favourite, name="door_favourite"),
    path(f"{tenancy}visitors/", views.visitors, name="visitors"),
    path(f"{tenancy}visitors/new/", views.visitor_new, name="visitor_new"),
    path(f"{tenancy}visitors/delivery/", views.visitor_delivery, name="visitor_delivery"),
    path(f"{tenancy}visitors/<int:keychain_id>/", views.visitor, name="visitor"),
    path(
        f"{tenancy}visitors/<int:keychain_id>/revoke/",
        views.visitor_revoke,
        name="visitor_revoke",
    ),
    path(f"{tenancy}history/", views.history, name="history"),
    path(
        f"{tenancy}history/photo/<history_source:source>/<int:item_id>/",
        views.history_photo_view,
        name="history_photo",
    ),
    path(f"{tenancy}amenities/", amenity_views.amenities, name="amenities"),
    path("history/", views.history_home, name="history_home"),
    # Where the history lived before it had ButterflyMX's record: old links still work.
    path("activity/", RedirectView.as_view(pattern_name="history_home"), name="activity"),
    path("account/", views.account, name="account"),
    path("account/butterflymx/disconnect/", views.disconnect, name="butterflymx_disconnect"),
    path("account/notifications/", views.push_subscribe, name="push_subscribe"),
    path(
        "account/notifications/<int:subscription_id>/remove/",
        views.push_unsubscribe,
        name="push_unsubscribe",
    ),
    path("doorbell/webhook/<str:secret>/", views.doorbell_webhook, name="doorbell_webhook"),
    path("doorbell/open/", views.doorbell_open, name="doorbell_open"),
    path(f"{tenancy}ringing/", views.doorbell_banner, name="doorbell_banner"),
    path(f"{tenancy}ringing/<int:call_id>/", views.doorbell_ringing, name="doorbell_ringing"),
]
