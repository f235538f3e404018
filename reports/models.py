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


class MentionDay(models.Model):
    """The mentions published on one day (the report's time zone), counted per dimension the
    report's figures group by: the roll-up that spares the reports a scan of every mention.

    Written only by `reports.rollups` (one day at a time, all its rows replaced). Team stays a
    dimension so the visibility rule filters these rows as it filters mentions. The brand's own
    posts are left out, as every report figure leaves them out. Streams and teams are plain ids:
    their names, and whether a stream is a competitor's, are read live.
    """

    day = models.DateField()
    stream_id = models.BigIntegerField(null=True)
    platform = models.CharField(max_length=16)
    team_id = models.BigIntegerField(null=True)
    sentiment_label = models.CharField(max_length=8, blank=True)
    reason_flags = models.PositiveIntegerField(default=0)
    high_risk = models.BooleanField(default=False)
    total = models.PositiveIntegerField()
    sentiment_micro = models.BigIntegerField(null=True)  # the sum of sentiments, in millionths
    sentiment_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day"], name="reports_mentionday_day")]

    def __str__(self):
        return f"{self.day} {self.platform} {self.total}"


class RolledDay(models.Model):
    """A day whose MentionDay rows are written, and when their computation began: a mention of
    that day changed since then (its `updated_at`) sends the day back to the live count."""

    day = models.DateField(primary_key=True)
    rolled_at = models.DateTimeField()

    def __str__(self):
        return f"{self.day} {self.rolled_at}"


class ResponseDay(models.Model):
    """The mentions received on one day (the report's time zone) per stream, team and
    assignee: how many were answered and resolved, in time or not, and how long each took.

    The roll-up of the reports' response times, written only by `reports.rollups` as
    MentionDay is. A percentile is exact only from every duration, so the durations are kept,
    packed (`reports.selectors.stats`). Whether a target not yet met counts as missed depends
    on the moment of the report: those targets are kept too, so any moment's SLA counts are
    the rows' own.
    """

    day = models.DateField()
    stream_id = models.BigIntegerField(null=True)
    team_id = models.BigIntegerField(null=True)
    assignee_id = models.BigIntegerField(null=True)
    total = models.PositiveIntegerField()
    responded = models.PositiveIntegerField()
    resolved = models.PositiveIntegerField()
    first_met = models.PositiveIntegerField()  # answered by the target
    first_due_done = models.PositiveIntegerField()  # answered, with a target
    first_waiting = models.BinaryField()  # the targets of those not answered yet
    resolve_met = models.PositiveIntegerField()
    resolve_due_done = models.PositiveIntegerField()  # resolved, with a target
    resolve_waiting = models.BinaryField()
    first_response_seconds = models.BinaryField()
    resolution_seconds = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["day"], name="reports_responseday_day")]

    def __str__(self):
        return f"{self.day} {self.total}"


class RolledResponseDay(models.Model):
    """A day whose ResponseDay rows are written, and when their computation began (as
    RolledDay for MentionDay)."""

    day = models.DateField(primary_key=True)
    rolled_at = models.DateTimeField()

    def __str__(self):
        return f"{self.day} {self.rolled_at}"


class RollupState(models.Model):
    """One row: when the last roll-up run began, and in which time zone its days were cut.

    Every mention changed since (`updated_at`, with a margin for transactions still open
    then) sends its day back to the live count until the next run recomputes it.
    """

    checked_at = models.DateTimeField()
    timezone = models.CharField(max_length=64)

    def __str__(self):
        return f"{self.checked_at} {self.timezone}"
