"""Django's admin, served by Foyer's own admin site (config/admin_site.py), and the project's
own wiring."""

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class FoyerAdminConfig(AdminConfig):
    default_site = "config.admin_site.FoyerAdminSite"


class FoyerConfig(AppConfig):
    """The project's own wiring: the signed-in user cache's receivers (config/auth.py)."""

    name = "config"
    verbose_name = "Foyer"

    def ready(self):
        from config import auth  # noqa: F401 - connects the receivers
