"""The organisation's own settings: one row, created on demand (workspace.selectors).

SLA targets, business hours, holidays and reply templates are the inbox's rows
(inbox.models); this home holds the pages, the API and the services that change them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def default_brand_name() -> str:
    return settings.RISKDESK_BRAND_NAME


def default_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


class Organisation(models.Model):
    """The brand riskdesk works for. There is only ever the row with id 1."""

    brand_name = models.CharField(_("brand name"), max_length=100, default=default_brand_name)
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    languages = models.JSONField(_("languages"), default=default_languages)
    logo = models.FileField(_("logo"), upload_to="workspace/", blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisation")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="organisation_one_row")
        ]

    def __str__(self):
        return self.brand_name
