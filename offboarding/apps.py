from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OffboardingConfig(AppConfig):
    name = "offboarding"
    verbose_name = _("Offboarding")

    def ready(self):
        from offboarding import permissions  # noqa: F401  (declare actions)
