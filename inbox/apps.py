from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = _("Inbox")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from accounts.models import Team
        from inbox import page, permissions  # noqa: F401  (permissions declares the actions)
        from inbox.models import SavedView
        from monitoring.models import Stream

        for model in (Team, Stream):  # the filter bar's cached choices
            post_save.connect(page.forget_choices, sender=model, dispatch_uid=f"inbox-{model}")
            post_delete.connect(page.forget_choices, sender=model, dispatch_uid=f"inbox-{model}-d")
        post_save.connect(page.forget_saved_views, sender=SavedView, dispatch_uid="inbox-views")
        post_delete.connect(page.forget_saved_views, sender=SavedView, dispatch_uid="inbox-views-d")
