from django.apps import AppConfig


class OccupancyConfig(AppConfig):
    name = "occupancy"
    verbose_name = "Occupancy"
