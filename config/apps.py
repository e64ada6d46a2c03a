"""Django's admin, served by Foyer's own admin site (config/admin_site.py)."""

from django.contrib.admin.apps import AdminConfig


class FoyerAdminConfig(AdminConfig):
    default_site = "config.admin_site.FoyerAdminSite"
