from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    name = "workspace"
    verbose_name = _("Settings")

    def ready(self):
        from workspace import permissions  # noqa: F401  (declares the actions)
