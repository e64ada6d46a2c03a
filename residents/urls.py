from django.urls import path

from residents import views

door = "doors/<int:building_id>/<int:tenant_id>/<slug:kind>/<int:door_id>/"

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
    path("activity/", views.activity, name="activity"),
    path("account/", views.account, name="account"),
    path("account/butterflymx/disconnect/", views.disconnect, name="butterflymx_disconnect"),
]
