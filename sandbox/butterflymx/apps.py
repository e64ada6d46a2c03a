from django.apps import AppConfig


class SandboxButterflyMXConfig(AppConfig):
    name = "sandbox.butterflymx"
    label = "sandbox_butterflymx"
    verbose_name = "Sandbox ButterflyMX"
