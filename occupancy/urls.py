from django.urls import path

from occupancy import views

app_name = "occupancy"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("occupancy.csv", views.dashboard_csv, name="dashboard_csv"),
    path("occupancy-weekly.csv", views.weekly_csv, name="weekly_csv"),
]
