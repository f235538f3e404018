from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskdeskConfig(AppConfig):
    name = "riskdesk"
    verbose_name = _("riskdesk core")

    def ready(self):
        from riskdesk import signals  # noqa: F401  (audits sign-in events)
