from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    name = "workspace"
    verbose_name = _("Settings")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from workspace import permissions  # noqa: F401  (declares the actions)
        from workspace.selectors import organisation_warm

        user_logged_in.connect(organisation_warm, dispatch_uid="workspace.organisation_warm")
