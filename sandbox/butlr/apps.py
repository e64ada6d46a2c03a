from django.apps import AppConfig


class SandboxButlrConfig(AppConfig):
    name = "sandbox.butlr"
    label = "sandbox_butlr"
    verbose_name = "Sandbox Butlr"
