"""Who receives the weekly report, and which weeks each has been sent."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportSubscription(models.Model):
    """A person who receives the last week's report by e-mail every Monday morning."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="report_subscription",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user__display_name", "id"]
        verbose_name = _("weekly report subscription")
        verbose_name_plural = _("weekly report subscriptions")
        permissions = [("view_reports", _("Can read the reports and export them"))]

    def __str__(self):
        return str(self.user)


class ReportDelivery(models.Model):
    """One week's report sent to one subscriber: the unique key makes it once per week."""

    subscription = models.ForeignKey(
        ReportSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    week_start = models.DateField(_("week of"))
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-week_start", "-id"]
        verbose_name = _("weekly report sent")
        verbose_name_plural = _("weekly reports sent")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "week_start"], name="reports_delivery_once_a_week"
            )
        ]

    def __str__(self):
        return f"{self.subscription} {self.week_start}"
