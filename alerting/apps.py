from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertingConfig(AppConfig):
    name = "alerting"
    verbose_name = _("Alerting")

    def ready(self):
        from alerting import (
            ownership,
            permissions,  # noqa: F401  (declares the actions)
        )

        ownership.register()
