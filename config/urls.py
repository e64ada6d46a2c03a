"""Foyer's URL map: wires the apps together."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from config import views
from residents import views as resident_views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("sw.js", resident_views.service_worker, name="service_worker"),
    path("admin/", admin.site.urls),
    # allauth's own connections page would disconnect without revoking at ButterflyMX.
    path("accounts/3rdparty/", RedirectView.as_view(pattern_name="account")),
    path("accounts/", include("allauth.urls")),
    path("dashboard/", include("occupancy.urls")),
    path("", include("residents.urls")),
]

if settings.SANDBOX_ENABLED:
    urlpatterns.insert(0, path("sandbox/", include("sandbox.urls")))
