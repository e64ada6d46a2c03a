"""URLs of the Butlr sandbox, mounted at /sandbox/butlr/ (the stand-in for https://api.butlr.io)."""

from django.urls import path

from sandbox.butlr import views

urlpatterns = [
    path("api/v2/clients/login", views.client_login, name="sandbox_butlr_client_login"),
    path("api/v3/graphql", views.graphql, name="sandbox_butlr_graphql"),
    path("api/v3/reporting", views.reporting, name="sandbox_butlr_reporting"),
    path("api/v3/detections", views.detections, name="sandbox_butlr_detections"),
]
