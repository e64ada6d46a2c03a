"""URLs of the sandbox's stand-in services, mounted under /sandbox/ when enabled."""

from django.urls import include, path

from sandbox import views

urlpatterns = [
    path("_control", views.control, name="sandbox_control"),
    path("butterflymx/", include("sandbox.butterflymx.urls")),
    path("butlr/", include("sandbox.butlr.urls")),
]
