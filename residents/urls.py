from django.urls import path, register_converter

from residents import views
from residents.butterflymx.types import DoorKind


class DoorKindConverter:
    regex = "|".join(kind.value for kind in DoorKind)

    def to_python(self, value: str) -> DoorKind:
        return DoorKind(value)

    def to_url(self, value: str) -> str:
        return DoorKind(value).value


register_converter(DoorKindConverter, "door_kind")

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
    path(f"{tenancy}visitors/", views.visitors, name="visitors"),
    path(f"{tenancy}visitors/new/", views.visitor_new, name="visitor_new"),
    path(f"{tenancy}visitors/delivery/", views.visitor_delivery, name="visitor_delivery"),
    path(f"{tenancy}visitors/<int:keychain_id>/", views.visitor, name="visitor"),
    path(
        f"{tenancy}visitors/<int:keychain_id>/revoke/",
        views.visitor_revoke,
        name="visitor_revoke",
    ),
    path("activity/", views.activity, name="activity"),
    path("account/", views.account, name="account"),
    path("account/butterflymx/disconnect/", views.disconnect, name="butterflymx_disconnect"),
]
