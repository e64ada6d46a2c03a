from django.apps import AppConfig


class ButterflyMXProviderConfig(AppConfig):
    name = "residents.butterflymx"
    label = "butterflymx"
    verbose_name = "ButterflyMX"
