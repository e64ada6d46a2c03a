from django.urls import path

from occupancy import views

app_name = "occupancy"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
