from django.apps import AppConfig


class ResidentsConfig(AppConfig):
    name = "residents"
    verbose_name = "Residents"

    def ready(self):
        from residents import receivers  # noqa: F401 - connects the signal receivers
