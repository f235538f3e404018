from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("People and teams")

    def ready(self):
        from accounts import permissions  # noqa: F401  (declare actions)
        from accounts.services import roles_sync_after_migrate

        # Groups can only receive permissions once every app's permissions exist.
        post_migrate.connect(roles_sync_after_migrate, dispatch_uid="accounts.roles_sync")
