from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents")

    def ready(self):
        from incidents import ownership, permissions  # noqa: F401  (declares the actions)
        from incidents.services import rule_action
        from monitoring import pipeline

        ownership.register()
        pipeline.register_on_store(rule_action.open_or_link_for_stored, on_routing=True)
