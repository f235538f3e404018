"""The brand's own posts, planned on a calendar and published through the publishers.

A `BrandPost` is written once and sent to one or several connected accounts; each account
gets a `Delivery`, the outbox row that sends it exactly once (respond.outbox). A post that
needs legal's approval (sponsored, a regulated claim the compliance checks find, or asked
for) has a `clearance`: a compliance sponsored post legal decides on, whose approval counts
only for the exact content sent. The gates are checked again at the moment of sending: a
publishing freeze, an approval that no longer matches or has expired, hold the post
(`held_reason`) until someone decides to publish, reschedule or drop it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compliance.models import Market, SponsoredPost
from connections.models import ConnectedAccount
from inbox.models import ReplyState
from incidents.models import PublishingFreeze


class PostStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Not published")
    DROPPED = "dropped", _("Dropped")


class HoldReason(models.TextChoices):
    FROZEN = "frozen", _("Publishing is frozen by an incident")
    NOT_APPROVED = "not_approved", _("Legal has not approved it")
    CONTENT_MISMATCH = "content_mismatch", _("Changed since legal approved it")
    EXPIRED = "expired", _("Legal's approval has expired")


class BrandPost(models.Model):
    title = models.CharField(
        _("title"), max_length=200, help_text=_("For the calendar; it is not published.")
    )
    text = models.TextField(_("text"))
    link = models.URLField(
        _("link"), max_length=500, blank=True, help_text=_("Added at the end of the text.")
    )
    scheduled_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=PostStatus.choices, default=PostStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=1)  # +1 on every saved change
    sponsored = models.BooleanField(
        _("sponsored"),
        default=False,
        help_text=_("Paid for or given by a partner: legal approves it before it goes out."),
    )
    ask_legal = models.BooleanField(
        _("legal must approve it"),
        default=False,
        help_text=_("Ask legal even when the checks find nothing."),
    )
    markets = models.JSONField(_("markets"), default=list, blank=True)
    # Why legal must approve it (codes: sponsored, asked, claim): recomputed on every save.
    legal_reasons = models.JSONField(default=list, blank=True)
    clearance = models.OneToOneField(
        SponsoredPost,
        verbose_name=_("legal review"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="brand_post",
    )
    held_reason = models.CharField(max_length=24, choices=HoldReason.choices, blank=True)
    held_detail = models.CharField(max_length=500, blank=True)
    held_freeze = models.ForeignKey(
        PublishingFreeze, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    held_at = models.DateTimeField(null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="brand_posts",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["scheduled_at", "pk"]
        verbose_name = _("brand post")
        verbose_name_plural = _("brand posts")
        permissions = [("schedule_brandpost", _("Can schedule the brand's posts"))]
        indexes = [models.Index(fields=["status", "scheduled_at"], name="publishing_status_at")]

    def __str__(self):
        return self.title

    @property
    def body(self) -> str:
        """The text as published: the link at the end, unless the text already has it."""
        if self.link and self.link not in self.text:
            return f"{self.text.rstrip()}\n\n{self.link}"
        return self.text

    @property
    def is_due(self) -> bool:
        """Its time has come (or passed)."""
        return self.scheduled_at is not None and self.scheduled_at <= timezone.now()

    @property
    def needs_legal(self) -> bool:
        return bool(self.legal_reasons)

    @property
    def is_editable(self) -> bool:
        return self.status not in (PostStatus.PUBLISHED, PostStatus.DROPPED)

    @property
    def market_labels(self) -> list[str]:
        labels = dict(Market.choices)
        return [str(labels.get(code, code)) for code in self.markets]


class Delivery(models.Model):
    """The post for one connected account: the outbox row, then the network's post.

    What was sent is kept as sent (`sent_text`, `sent_version`): an edit while it is being
    sent changes the post, not the delivery under way."""

    post = models.ForeignKey(BrandPost, on_delete=models.CASCADE, related_name="deliveries")
    account = models.ForeignKey(
        ConnectedAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=16, choices=ReplyState.choices, default=ReplyState.QUEUED)
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_text = models.TextField(blank=True)
    sent_version = models.PositiveIntegerField(null=True, blank=True)
    network_id = models.CharField(max_length=500, blank=True)
    network_url = models.URLField(max_length=500, blank=True)
    answer = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["post", "pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["post", "account"], name="publishing_delivery_once")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="publishing_due")]

    def __str__(self):
        return f"{self.post} → {self.account}"


class LegalRule(models.Model):
    """A team's rule: the posts it matches need legal's approval before they go out.

    A rule matches a post published as one of its accounts (any account when none is
    chosen) whose text has one of its terms (every post when it has none)."""

    name = models.CharField(_("name"), max_length=200)
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.PROTECT, related_name="+"
    )
    accounts = models.ManyToManyField(
        ConnectedAccount,
        verbose_name=_("accounts"),
        blank=True,
        related_name="+",
        help_text=_("Only posts published as these accounts; none: every account."),
    )
    terms = models.TextField(
        _("terms"),
        blank=True,
        help_text=_("One per line; case and accents are ignored. None: every post."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("legal rule")
        verbose_name_plural = _("legal rules")

    def __str__(self):
        return self.name

    @property
    def term_list(self) -> list[str]:
        return [t.strip() for t in self.terms.splitlines() if t.strip()]
