from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskdeskConfig(AppConfig):
    name = "riskdesk"
    verbose_name = _("riskdesk core")

    def ready(self):
        from django.db.backends.signals import connection_created

        from riskdesk import checks, signals  # noqa: F401  (system checks; audits sign-in events)
        from riskdesk.dashboard_cards import connect as forget_cards_on_writes
        from riskdesk.db import keep_plans, read_timestamps_compiled
        from riskdesk.kept_translations import install as keep_translations

        keep_translations()
        forget_cards_on_writes()
        connection_created.connect(keep_plans, dispatch_uid="riskdesk.keep_plans")
        connection_created.connect(
            read_timestamps_compiled, dispatch_uid="riskdesk.read_timestamps_compiled"
        )
