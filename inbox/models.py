"""The inbox's own rows: a mention's history, replies and their templates, saved views, SLA targets.

The mentions themselves (status, assignee, priority, due times) are monitoring's; these
tables kept their monitoring_* names when the inbox became its own app.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from monitoring.models import Mention, Priority


class MentionEvent(models.Model):
    """One line of a mention's history: who did what to it, and when (notes included)."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        ROUTED = "routed", _("Moved to a team")
        TAGGED = "tagged", _("Tags changed")
        STATUS = "status", _("Status changed")
        PRIORITY = "priority", _("Priority changed")
        NOTE = "note", _("Note")
        REPLY = "reply", _("Reply")
        ESCALATED = "escalated", _("Escalated")
        WATCHLIST = "watchlist", _("Author watched")
        MODERATED = "moderated", _("Moderated on the network")

    # No constraint: the mentions are partitioned (monitoring.models.Mention).
    mention = models.ForeignKey(
        Mention, on_delete=models.CASCADE, related_name="events", db_constraint=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("text"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        db_table = "monitoring_mentionevent"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["mention", "-created_at"], name="mention_event_recent")]
        verbose_name = _("mention event")
        verbose_name_plural = _("mention events")

    def __str__(self):
        return f"{self.get_kind_display()} on mention {self.mention_id}"


class ReplyTemplate(models.Model):
    """A canned response. Variables: {author}, {brand}, {case}."""

    name = models.CharField(_("name"), max_length=100)
    situation = models.CharField(_("situation"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=16)
    body = models.TextField(_("text"))
    moves_to_private = models.BooleanField(
        _("moves the conversation to private messages"), default=False
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        db_table = "monitoring_replytemplate"
        ordering = ["language", "name"]
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        constraints = [
            models.UniqueConstraint(fields=["name", "language"], name="reply_template_unique")
        ]

    def __str__(self):
        return f"{self.name} ({self.language})"


class ReplyState(models.TextChoices):
    RECORDED = "recorded", _("Recorded as sent by hand")
    QUEUED = "queued", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    DELETED = "deleted", _("Deleted from the network")


class MentionReply(models.Model):
    """A reply the team wrote to a mention: the outbox entry, then the network's post.

    Saved first (queued), then sent by a worker through the publisher of its connected
    account (respond.services): `key` is the idempotency key every attempt sends, so a
    retry after a timeout never posts twice. A reply with no account was posted by the
    person themself and only recorded here (state recorded).
    """

    mention = models.ForeignKey(
        Mention, on_delete=models.CASCADE, related_name="replies", db_constraint=False
    )
    template = models.ForeignKey(
        ReplyTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("text"))
    private = models.BooleanField(_("moved to private messages"), default=False)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    drafted_at = models.DateTimeField(_("drafted"), default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    publisher = models.CharField(_("sent through"), max_length=32, default="recorded")
    account = models.ForeignKey(
        "connections.ConnectedAccount",
        verbose_name=_("sent as"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replies",
    )
    statement = models.ForeignKey(
        "incidents.HoldingStatement",
        verbose_name=_("holding statement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replies",
        help_text=_("The statement legal cleared that lets this reply through a freeze."),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=ReplyState.choices, default=ReplyState.RECORDED
    )
    key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    network_id = models.CharField(_("id on the network"), max_length=255, blank=True)
    network_url = models.URLField(_("link on the network"), max_length=1000, blank=True)
    answer = models.JSONField(_("the network's answer"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    seen_at = models.DateTimeField(_("came back through the stream"), null=True, blank=True)

    class Meta:
        db_table = "monitoring_mentionreply"
        ordering = ["-drafted_at", "-id"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="reply_outbox_due",
                condition=models.Q(state__in=["queued", "sending"]),
            ),
            models.Index(fields=["network_id"], name="reply_network_id"),
        ]

    def __str__(self):
        return f"reply to mention {self.mention_id}"

    @property
    def is_pending(self) -> bool:
        return self.state in (ReplyState.QUEUED, ReplyState.SENDING)


class SavedView(models.Model):
    """An inbox filter a person saved for themself (the shared views are built in code)."""

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "monitoring_savedview"
        ordering = ["position", "name"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_unique")]

    def __str__(self):
        return self.name


class SlaTarget(models.Model):
    """How fast a mention of a priority must get its first response and be resolved.

    A target with no team is the default for every team; a team's own target for the
    same priority beats it (inbox.selectors.Targets).
    """

    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_targets",
        help_text=_("Leave empty for the default of every team."),
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    first_response = models.DurationField(_("first response within"))
    resolution = models.DurationField(_("resolved within"))
    business_hours = models.BooleanField(
        _("count business hours only"),
        default=False,
        help_text=_("Use the team's business hours; round the clock for teams without them."),
    )

    class Meta:
        db_table = "monitoring_slatarget"
        ordering = ["team__name", "-priority"]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "priority"],
                condition=models.Q(team__isnull=False),
                name="sla_target_team_priority",
                violation_error_message=_("This team already has a target for this priority."),
            ),
            models.UniqueConstraint(
                fields=["priority"],
                condition=models.Q(team__isnull=True),
                name="sla_target_default_priority",
                violation_error_message=_("There is already a default target for this priority."),
            ),
        ]

    def __str__(self):
        if self.team_id is None:
            return str(self.get_priority_display())
        return f"{self.get_priority_display()} ({self.team})"


class TeamHours(models.Model):
    """A team's business hours, for SLA targets that count them only."""

    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, related_name="hours")
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    weekdays = models.JSONField(_("working days"), default=list)  # 0 = Monday
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        db_table = "monitoring_teamhours"
        verbose_name = _("team business hours")
        verbose_name_plural = _("team business hours")

    def __str__(self):
        return f"{self.team} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Holiday(models.Model):
    """A day a team does not work: SLA clocks counting business hours pause on it."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "date"],
                name="holiday_team_date",
                violation_error_message=_("This team already has a holiday on that day."),
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.date:%Y-%m-%d})"
