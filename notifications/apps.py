from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications for people")

    def ready(self):
        from notifications import permissions  # noqa: F401  (declares the actions)
