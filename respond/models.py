"""Moderation done on the networks from riskdesk: what, why, and what the network answered.

The replies themselves are the inbox's `MentionReply` (the outbox entries); this app
sends them (respond.services) through the publishers (respond.publishers).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ModerationAction(models.Model):
    """One hide, unhide, deletion or report, with its reason and the network's answer."""

    class Action(models.TextChoices):
        HIDE = "hide", _("Hide the comment")
        UNHIDE = "unhide", _("Show the comment again")
        DELETE_REPLY = "delete_reply", _("Delete the brand's reply")
        REPORT = "report", _("Report the account")

    class Outcome(models.TextChoices):
        DONE = "done", _("Done on the network")
        FAILED = "failed", _("Refused by the network")
        BY_HAND = "by_hand", _("To finish on the network's own page")

    mention = models.ForeignKey(
        "monitoring.Mention",
        on_delete=models.CASCADE,
        related_name="moderation",
        db_constraint=False,  # the mentions are partitioned (monitoring.models.Mention)
    )
    reply = models.ForeignKey(
        "inbox.MentionReply", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    account = models.ForeignKey(
        "connections.ConnectedAccount",
        verbose_name=_("as"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    reason = models.TextField(_("reason"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    summary = models.TextField(_("what the network said"), blank=True)
    answer = models.JSONField(_("the network's answer"), default=dict, blank=True)
    page_url = models.URLField(_("the network's page"), max_length=1000, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")

    def __str__(self):
        return f"{self.get_action_display()} on mention {self.mention_id}"
