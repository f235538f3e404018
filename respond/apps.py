from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RespondConfig(AppConfig):
    name = "respond"
    verbose_name = _("Respond")

    def ready(self):
        from monitoring import pipeline
        from respond import permissions  # noqa: F401  (declares the actions)
        from respond.services import sent_replies_match

        pipeline.register_step(sent_replies_match, first=True)
