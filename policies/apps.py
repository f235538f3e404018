from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = _("Policies")

    def ready(self):
        from policies import ownership, permissions  # noqa: F401  (declares the actions)

        ownership.register()
