"""Notifications for people: one row per person and event, and each person's preferences.

Team channels (e-mail lists, Slack-compatible and generic webhooks for alert rules) are
alerting's; these are addressed to one named person, shown in their notification centre
and, as they prefer, e-mailed at once or in a daily digest.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """What happened to the person. Another home adds its events here, with a default
    in DEFAULTS below (a kind without one is in-app, e-mailed in the digest)."""

    NOTE_MENTION = "note_mention", _("Mentioned in a note")
    ASSIGNED = "assigned", _("Mention assigned to you")
    SLA_WARNING = "sla_warning", _("SLA about to breach")
    INCIDENT_ROLE = "incident_role", _("Incident role given to you")


class EmailMode(models.TextChoices):
    OFF = "off", _("No e-mail")
    NOW = "now", _("E-mail at once")
    DIGEST = "digest", _("In the daily digest")


# kind → (in-app, e-mail): what a person gets until they change it.
DEFAULTS: dict[str, tuple[bool, str]] = {
    NotificationKind.NOTE_MENTION: (True, EmailMode.DIGEST),
    NotificationKind.ASSIGNED: (True, EmailMode.DIGEST),
    NotificationKind.SLA_WARNING: (True, EmailMode.NOW),
    NotificationKind.INCIDENT_ROLE: (True, EmailMode.NOW),
}
FALLBACK = (True, EmailMode.DIGEST)


def default_for(kind: str) -> tuple[bool, str]:
    return DEFAULTS.get(kind, FALLBACK)


class Notification(models.Model):
    """One event for one person: what happened (plain text), where to look, who did it.

    `in_app` False: the person wants only the e-mail, so the centre and the count skip it.
    `email` is the person's e-mail choice when it was raised; `emailed_at` records that
    it went out (at once or in a digest), so it is never sent twice. `dedupe_key`, when
    set, makes the same event for the same person a single row (SLA warnings).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("event"), max_length=32, choices=NotificationKind.choices)
    title = models.CharField(_("title"), max_length=300)
    path = models.CharField(_("link"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    in_app = models.BooleanField(_("shown in the app"), default=True)
    email = models.CharField(
        _("e-mail"), max_length=8, choices=EmailMode.choices, default=EmailMode.OFF
    )
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # "My unread, newest first" and the bell's count.
            models.Index(
                fields=["recipient", "-id"],
                name="notification_unread",
                condition=Q(read_at__isnull=True, in_app=True),
            ),
            models.Index(fields=["recipient", "-id"], name="notification_mine"),
            # The digest's sweep: what is still to be e-mailed.
            models.Index(
                fields=["recipient", "id"],
                name="notification_email_due",
                condition=Q(emailed_at__isnull=True) & ~Q(email="off"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_once",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(models.Model):
    """A person's choice for one kind of event; no row means the default (DEFAULTS)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("event"), max_length=32, choices=NotificationKind.choices)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.CharField(
        _("e-mail"), max_length=8, choices=EmailMode.choices, default=EmailMode.DIGEST
    )

    class Meta:
        ordering = ["user", "kind"]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self):
        return f"{self.user}: {self.get_kind_display()}"
