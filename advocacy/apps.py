from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdvocacyConfig(AppConfig):
    name = "advocacy"
    verbose_name = _("Employee advocacy")

    def ready(self):
        from advocacy import permissions  # noqa: F401  (declares the actions)
