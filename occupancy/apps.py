from django.apps import AppConfig


class OccupancyConfig(AppConfig):
    name = "occupancy"
    verbose_name = "Occupancy"

    def ready(self):
        from occupancy import receivers  # noqa: F401 - connects the signal receivers
