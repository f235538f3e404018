"""Sponsored and influencer posts, their media, legal's decisions and the rule lists.

A post's canonical content (every field legal reviews, listed once in
compliance.content.REVIEWED) has one SHA-256 (`content_digest`); a decision
records the digest it was taken on and a snapshot of that content, so an approval
counts only for the exact content legal read and a later edit can be shown as a diff.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from offboarding.models import BrandAccount
from riskdesk.networks import Platform


class Market(models.TextChoices):
    US = "US", _("United States")
    FR = "FR", _("France")
    UK = "UK", _("United Kingdom")
    EU = "EU", _("European Union (other)")
    CA = "CA", _("Canada")
    OTHER = "OTHER", _("Other")


class PostStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for legal")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    EXPIRED = "expired", _("Approval expired")


class AccountKind(models.TextChoices):
    BRAND = "brand", _("One of the brand's accounts")
    PARTNER = "partner", _("The partner's own account")


class ApprovalRule(models.TextChoices):
    ANY = "any", _("One approval is enough")
    ALL = "all", _("Every named reviewer must approve")


class SponsoredPost(models.Model):
    """A sponsored or influencer post that legal must clear before it goes out."""

    title = models.CharField(
        _("title"), max_length=200, help_text=_("For the queue; it is not published.")
    )
    text = models.TextField(_("post text"))
    platform = models.CharField(_("network"), max_length=16, choices=Platform.choices)
    account_kind = models.CharField(
        _("published from"), max_length=16, choices=AccountKind.choices, default=AccountKind.BRAND
    )
    brand_account = models.ForeignKey(
        BrandAccount,
        verbose_name=_("brand account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sponsored_posts",
    )
    partner_name = models.CharField(_("partner or influencer"), max_length=200, blank=True)
    partner_handle = models.CharField(
        _("partner's handle"),
        max_length=255,
        blank=True,
        help_text=_("The account the partner publishes from, without the @."),
    )
    campaign = models.CharField(_("campaign"), max_length=200, blank=True)
    markets = models.JSONField(_("markets"), default=list)
    planned_at = models.DateTimeField(_("planned publication"))
    links = models.JSONField(_("links"), default=list, blank=True)

    contract_file = models.CharField(max_length=255, blank=True)  # under MEDIA_ROOT
    contract_name = models.CharField(_("contract file name"), max_length=255, blank=True)
    contract_sha256 = models.CharField(max_length=64, blank=True)
    contract_reference = models.CharField(
        _("contract reference"),
        max_length=200,
        blank=True,
        help_text=_("Where the signed contract is filed, when it is not uploaded here."),
    )
    contract_handle = models.CharField(
        _("handle named in the contract"),
        max_length=255,
        blank=True,
        help_text=_("The partner's account as the contract names it; checked against the post."),
    )

    approval_rule = models.CharField(
        _("approvals needed"), max_length=8, choices=ApprovalRule.choices, default=ApprovalRule.ANY
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("named reviewers"),
        blank=True,
        related_name="sponsored_posts_to_review",
    )
    review_due_at = models.DateTimeField(_("review due"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    status = models.CharField(
        _("status"), max_length=24, choices=PostStatus.choices, default=PostStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=1)  # +1 on every saved change
    content_digest = models.CharField(_("content SHA-256"), max_length=64)
    # The approval that currently clears the post (status approved or scheduled).
    approved_digest = models.CharField(max_length=64, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_expires_at = models.DateTimeField(null=True, blank=True)

    checks = models.JSONField(default=list, blank=True)  # compliance.checks.run_checks
    check_errors = models.PositiveSmallIntegerField(default=0)
    check_warnings = models.PositiveSmallIntegerField(default=0)
    link_status = models.JSONField(default=dict, blank=True)  # url -> last HTTP check

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="sponsored_posts",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_url = models.URLField(_("published at"), max_length=500, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("sponsored post")
        verbose_name_plural = _("sponsored posts")
        permissions = [
            (
                "review_sponsoredpost",
                _("Can approve, reject or ask for changes to sponsored posts"),
            ),
            ("publish_sponsoredpost", _("Can schedule sponsored posts and record publication")),
        ]
        indexes = [models.Index(fields=["status", "planned_at"], name="compliance_status_planned")]

    def __str__(self):
        return self.title

    @property
    def account_label(self) -> str:
        if self.account_kind == AccountKind.BRAND and self.brand_account_id:
            return str(self.brand_account)
        if self.partner_handle:
            return f"@{self.partner_handle} ({self.get_platform_display()})"
        return "—"

    @property
    def is_final(self) -> bool:
        return self.status in (PostStatus.REJECTED, PostStatus.PUBLISHED)

    @property
    def is_editable(self) -> bool:
        return not self.is_final

    @property
    def market_labels(self) -> list[str]:
        labels = dict(Market.choices)
        return [str(labels.get(code, code)) for code in self.markets]


class MediaKind(models.TextChoices):
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")


class PostMedia(models.Model):
    """An image or video of a post, stored under a random name, served only after a check."""

    post = models.ForeignKey(SponsoredPost, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(max_length=8, choices=MediaKind.choices)
    file = models.CharField(max_length=255)  # relative to MEDIA_ROOT
    thumbnail = models.CharField(max_length=255, blank=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("media file")
        verbose_name_plural = _("media files")

    def __str__(self):
        return self.original_name


class DecisionOutcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    REJECTED = "rejected", _("Rejected")


class Decision(models.Model):
    """One reviewer's decision, bound to the digest of the content they read."""

    post = models.ForeignKey(SponsoredPost, on_delete=models.CASCADE, related_name="decisions")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewer_label = models.CharField(max_length=254)  # kept if the person is deleted
    outcome = models.CharField(max_length=24, choices=DecisionOutcome.choices)
    comment = models.TextField(blank=True)
    content_digest = models.CharField(max_length=64)
    content = models.JSONField()  # the canonical content the digest is of
    checks = models.JSONField(default=list)  # the checks as the reviewer saw them
    decided_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)  # approvals only
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["decided_at", "pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self):
        return f"{self.get_outcome_display()} · {self.reviewer_label}"


class Comment(models.Model):
    post = models.ForeignKey(SponsoredPost, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=254)
    body = models.TextField()
    mentioned = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return f"{self.author_label}: {self.body[:40]}"


class RuleList(models.Model):
    """Terms one automatic check looks for, for one kind, category and language.

    Seeded by a data migration; legal edits them on the rules page.
    """

    kind = models.CharField(_("kind"), max_length=32)
    category = models.CharField(_("category"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=8)
    terms = models.TextField(
        _("terms"),
        blank=True,
        help_text=_("One per line; case and accents are ignored. End a term with * for prefixes."),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind", "category", "language"]
        verbose_name = _("rule list")
        verbose_name_plural = _("rule lists")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "category", "language"], name="compliance_rulelist_unique"
            )
        ]

    def __str__(self):
        return f"{self.kind}/{self.category or '-'} ({self.language})"

    @property
    def term_list(self) -> list[str]:
        return [t.strip() for t in self.terms.splitlines() if t.strip()]
