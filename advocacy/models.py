"""The employee advocacy library, and every share of it.

A library post is brand content curators prepare for employees to share on their own
accounts. Its content (title, text, link, networks, markets) has one digest
(riskdesk.content_hash); when it needs legal (the curator says so, or the compliance
checks find a regulated claim), a compliance SponsoredPost carries it through legal's
queue (`clearance`) and the post can be shared only while legal's approval covers its
exact current content.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Team
from compliance.models import SponsoredPost
from riskdesk.content_hash import content_digest
from riskdesk.networks import Platform


class ShareTarget(models.TextChoices):
    """Where an employee may share: riskdesk's networks, and LinkedIn (a share target only)."""

    X = Platform.X.value, "X"
    LINKEDIN = "linkedin", "LinkedIn"
    FACEBOOK = Platform.FACEBOOK.value, "Facebook"
    MASTODON = Platform.MASTODON.value, "Mastodon"
    BLUESKY = Platform.BLUESKY.value, "Bluesky"


# The share dialogs of these networks take a link only: the person pastes the text.
LINK_ONLY_TARGETS = (ShareTarget.LINKEDIN, ShareTarget.FACEBOOK)
COPY = "copy"  # a share made by copying the text
SHARE_CHANNELS = [*ShareTarget.choices, (COPY, _("Copied text"))]


class LibraryStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    WAITING = "waiting", _("Waiting for legal")
    AVAILABLE = "available", _("Available")
    RETIRED = "retired", _("Retired")


class LibraryPost(models.Model):
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    link = models.URLField(_("link"), max_length=500, blank=True)
    networks = models.JSONField(_("networks"), default=list)
    markets = models.JSONField(_("markets"), default=list)  # compliance.models.Market values
    needs_legal = models.BooleanField(
        _("sponsored, needs legal"),
        default=False,
        help_text=_("Legal must approve it before anyone shares it."),
    )
    claims = models.JSONField(default=list, blank=True)  # regulated claims the checks found
    status = models.CharField(
        _("status"), max_length=16, choices=LibraryStatus.choices, default=LibraryStatus.DRAFT
    )
    clearance = models.ForeignKey(
        SponsoredPost,
        verbose_name=_("legal review"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="library_posts",
    )
    curator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("curator"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1)
    content_digest = models.CharField(_("content SHA-256"), max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    available_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("library post")
        verbose_name_plural = _("library posts")
        permissions = [("curate_librarypost", _("Can curate the employee advocacy library"))]

    def __str__(self):
        return self.title

    def compute_digest(self) -> str:
        return content_digest(
            {
                "title": self.title,
                "text": self.text,
                "link": self.link,
                "networks": list(self.networks),
                "markets": list(self.markets),
            }
        )

    @property
    def requires_legal(self) -> bool:
        return self.needs_legal or bool(self.claims)

    @property
    def network_labels(self) -> list[str]:
        labels = dict(ShareTarget.choices)
        return [str(labels.get(code, code)) for code in self.networks]


class Share(models.Model):
    """One person shared one post on one network: the exact text, and its tracked link."""

    post = models.ForeignKey(LibraryPost, on_delete=models.PROTECT, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="advocacy_shares",
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL
    )
    network = models.CharField(_("network"), max_length=16, choices=SHARE_CHANNELS)
    market = models.CharField(_("market"), max_length=8)
    instance = models.CharField(_("Mastodon server"), max_length=255, blank=True)
    text = models.TextField(_("text shared"))
    text_digest = models.CharField(max_length=64)
    post_version = models.PositiveIntegerField()
    link = models.URLField(max_length=500, blank=True)  # the destination when shared
    token = models.CharField(max_length=32, unique=True)
    clicks = models.PositiveIntegerField(_("clicks"), default=0)
    shared_at = models.DateTimeField(_("shared"), auto_now_add=True)

    class Meta:
        ordering = ["-shared_at", "-pk"]
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        indexes = [models.Index(fields=["shared_at"], name="advocacy_share_shared_at")]

    def __str__(self):
        return f"{self.post} · {self.network} · {self.user}"
