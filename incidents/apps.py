from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from incidents import ownership, permissions  # noqa: F401  (declares the actions)
        from incidents.models import Incident, PublishingFreeze
        from incidents.selectors.context import forget_shown_freeze
        from incidents.services import rule_action
        from monitoring import pipeline

        ownership.register()
        for model in (PublishingFreeze, Incident):  # the freeze banner on every page
            post_save.connect(forget_shown_freeze, sender=model, dispatch_uid=f"freeze-{model}")
            post_delete.connect(forget_shown_freeze, sender=model, dispatch_uid=f"freeze-{model}-d")
        pipeline.register_on_store(rule_action.open_or_link_for_stored, on_routing=True)
