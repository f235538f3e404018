from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskdeskConfig(AppConfig):
    name = "riskdesk"
    verbose_name = _("riskdesk core")

    def ready(self):
        from riskdesk import checks, signals  # noqa: F401  (system checks; audits sign-in events)
