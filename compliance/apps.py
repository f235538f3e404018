from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Compliance")

    def ready(self):
        from compliance import (
            ownership,
            permissions,  # noqa: F401  (declares the actions)
        )

        ownership.register()
