"""Routing and alerting: the rules, the notification channels and their outbox, the spikes.

These models were monitoring's until they got a home of their own: their tables keep
monitoring's names (`db_table`), so no row moved.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riskdesk import crypto


class Rule(models.Model):
    """Tags, routes and escalates the mentions that match its conditions, in order.

    `conditions`: [{"field": ..., "op": ..., "value": ...}], combined with `match`
    (all or any); `actions`: {"tags": [names], "team": id, "priority": n,
    "notify": bool}. alerting.services.rules compiles and checks both. The brand's
    own posts (Mention.owned_by) only meet the rules with `include_owned`.
    """

    class Match(models.TextChoices):
        ALL = "all", _("All conditions")
        ANY = "any", _("Any condition")

    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    enabled = models.BooleanField(_("enabled"), default=True)
    match = models.CharField(_("match"), max_length=3, choices=Match.choices, default=Match.ALL)
    conditions = models.JSONField(_("conditions"), default=list)
    actions = models.JSONField(_("actions"), default=dict)
    stop = models.BooleanField(
        _("stop here"), default=False, help_text=_("Later rules do not run on what this matches.")
    )
    include_owned = models.BooleanField(
        _("also applies to the brand's own posts"),
        default=False,
        help_text=_(
            "Posts by the brand's registered accounts are skipped by rules unless this is on. "
            "A rule that routes such a post to a team makes it work for that team."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "monitoring_rule"
        ordering = ["position", "id"]
        verbose_name = _("rule")
        verbose_name_plural = _("rules")

    def __str__(self):
        return self.name


class NotificationChannel(models.Model):
    """Where a team hears about risky mentions and spikes: e-mail, Slack or a signed webhook."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SLACK = "slack", _("Slack-compatible incoming webhook")
        WEBHOOK = "webhook", _("Generic webhook (HMAC-signed)")

    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="notification_channels"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    target = models.CharField(_("address or URL"), max_length=2048)
    secret_encrypted = models.TextField(blank=True, editable=False)  # HMAC key for webhooks
    min_risk = models.PositiveSmallIntegerField(
        _("from risk score"),
        default=70,
        validators=[MaxValueValidator(100)],
        help_text=_("Mentions routed to the team at or above this score are sent."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)

    class Meta:
        db_table = "monitoring_notificationchannel"
        ordering = ["team__name", "name"]
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")

    def __str__(self):
        return f"{self.team}: {self.name}"

    @property
    def secret(self) -> str:
        return crypto.decrypt_json(self.secret_encrypted) if self.secret_encrypted else ""

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = crypto.encrypt_json(value) if value else ""


class Notification(models.Model):
    """One message waiting for, or given to, a channel: a mention alert, a digest or a spike.

    An outbox row: written in the transaction that stores the mentions, sent by a worker
    after commit, retried with backoff until it goes or gives up.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Gave up")

    channel = models.ForeignKey(
        NotificationChannel, on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField(max_length=255)
    payload = models.JSONField(default=dict)
    mention_ids = models.JSONField(default=list)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "monitoring_notification"
        ordering = ["-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self):
        return self.subject


class SpikeAlert(models.Model):
    """A burst of (negative) mentions on a stream or a tag, well above its recent baseline."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ESCALATED = "escalated", _("Escalated to an incident")

    stream = models.ForeignKey(
        "monitoring.Stream",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="spikes",
    )
    tag = models.ForeignKey(
        "monitoring.Tag", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    negative_only = models.BooleanField(default=True)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    count = models.PositiveIntegerField()
    baseline_mean = models.FloatField()
    baseline_std = models.FloatField()
    # How many windows before this one the usual was measured on (a young target has fewer).
    baseline_windows = models.PositiveSmallIntegerField(default=24)
    zscore = models.FloatField()
    top_mention_ids = models.JSONField(default=list)
    top_words = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "monitoring_spikealert"
        ordering = ["-created_at"]
        verbose_name = _("spike alert")
        verbose_name_plural = _("spike alerts")

    def __str__(self):
        return f"spike of {self.count} on {self.stream or self.tag}"
