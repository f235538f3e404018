from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectionsConfig(AppConfig):
    name = "connections"
    verbose_name = _("Connected accounts")

    def ready(self):
        from connections import permissions  # noqa: F401  (declares the actions)
