from django.urls import path

from occupancy import amenity_views, views

app_name = "occupancy"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("rhythm/", views.dashboard_rhythm, name="dashboard_rhythm"),
    path("occupancy.csv", views.dashboard_csv, name="dashboard_csv"),
    path("occupancy-weekly.csv", views.weekly_csv, name="weekly_csv"),
    path("amenities/", amenity_views.amenity_links, name="amenity_links"),
    path("amenities/<int:link_id>/", amenity_views.amenity_link, name="amenity_link"),
    path("amenities/<int:link_id>/unlink/", amenity_views.amenity_unlink, name="amenity_unlink"),
]
