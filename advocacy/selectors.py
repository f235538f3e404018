"""Reads shared by the pages, the API, the share service and the dashboard.

`readiness(user)` is the training gate: may this person share brand content, and if not,
what is missing and where to do it. `legal_state(post)` is compliance's answer on the
post's exact current content.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from advocacy import conf
from advocacy.content import legal_published
from advocacy.models import LibraryPost, LibraryStatus, Share
from compliance import selectors as compliance_selectors
from incidents import freeze
from policies import selectors as policy_selectors
from policies.models import Policy, PolicyKind, TrainingModule, TrainingRecord
from riskdesk.permissions import can

# --- The training gate --------------------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    code: str  # no_policy, acknowledge, no_training, training, training_expired
    message: str
    url: str = ""
    action: str = ""


@dataclass
class Readiness:
    missing: list[Missing] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.missing

    @property
    def reason(self) -> str:
        return " ".join(m.message for m in self.missing)


def social_media_policy() -> Policy | None:
    """The published social media policy (the first, when there are several)."""
    return (
        Policy.objects.filter(kind=PolicyKind.SOCIAL_MEDIA, current_revision__isnull=False)
        .select_related("current_revision", "acknowledgement_revision")
        .order_by("pk")
        .first()
    )


def readiness(user) -> Readiness:
    """Whether `user` acknowledged the current social media policy and holds its training."""
    missing: list[Missing] = []
    policy = social_media_policy()
    if policy is None:
        missing.append(
            Missing(
                "no_policy",
                _("No social media policy is published yet, so nobody can share: ask HR."),
            )
        )
        return Readiness(missing)
    needed = policy.acknowledgement_revision or policy.current_revision
    last = policy_selectors.last_acknowledged(user, policy)
    if last is None or last.number < needed.number:
        missing.append(
            Missing(
                "acknowledge",
                _("Read and acknowledge the current %(policy)s (revision %(number)s).")
                % {"policy": policy.title, "number": needed.number},
                reverse("policy_acknowledge", kwargs={"slug": policy.slug}),
                _("Acknowledge the policy"),
            )
        )
    modules = list(
        TrainingModule.objects.filter(policy=policy, is_active=True).order_by("title", "pk")
    )
    if not modules:
        missing.append(
            Missing(
                "no_training",
                _("There is no training on the %(policy)s yet, so nobody can share: ask HR.")
                % {"policy": policy.title},
            )
        )
    today = policy_selectors.today()
    records = TrainingRecord.objects.filter(user=user, module__in=modules).order_by("-completed_on")
    by_module: dict[int, list[TrainingRecord]] = {}
    for record in records:
        by_module.setdefault(record.module_id, []).append(record)
    for module in modules:
        mine = by_module.get(module.pk, [])
        if any(record.is_valid_on(today) for record in mine):
            continue
        if module.self_service:
            url = reverse("training_self_complete", kwargs={"code": module.code})
            action = _("Complete the training")
        else:
            url = reverse("training_module_detail", kwargs={"code": module.code})
            action = _("See the training")
        if mine:
            missing.append(
                Missing(
                    "training_expired",
                    _("Your training “%(module)s” expired on %(date)s: complete it again.")
                    % {"module": module.title, "date": date_format(mine[0].expires_on)},
                    url,
                    action,
                )
            )
        else:
            missing.append(
                Missing(
                    "training",
                    _("Complete the training “%(module)s”.") % {"module": module.title},
                    url,
                    action,
                )
            )
    return Readiness(missing)


# --- Legal ----------------------------------------------------------------------------------


def legal_state(post: LibraryPost) -> dict | None:
    """compliance's clearance of the post's exact current content; None without a review."""
    if post.clearance_id is None:
        return None
    sponsored = post.clearance
    return compliance_selectors.clearance(sponsored, None, legal_published(post, sponsored))


_ASK = object()


def share_block(post: LibraryPost, *, active=_ASK) -> str:
    """Why nobody may share `post` now (empty when they may), freeze and legal included.

    A list passes the freeze it read once as `active` (None: no freeze)."""
    if post.status != LibraryStatus.AVAILABLE:
        return _("This post is not available for sharing: it is %(status)s.") % {
            "status": post.get_status_display().lower()
        }
    if active is _ASK:
        active = freeze.current_freeze()
    if active is not None:
        return _("Sharing is paused: publishing is frozen by an incident: %(reason)s") % {
            "reason": active.reason
        }
    if post.requires_legal:
        state = legal_state(post)
        if state is None:
            return _("Legal has not approved this post.")
        if not state["cleared"]:
            return state["detail"]
    return ""


# --- Lists ----------------------------------------------------------------------------------


def library_posts() -> QuerySet:
    return LibraryPost.objects.select_related("curator", "clearance")


def library_for(user) -> QuerySet:
    """What `user` may see: curators every post, everyone else the available ones."""
    posts = library_posts()
    if can(user, "library_post.curate"):
        return posts
    return posts.filter(status=LibraryStatus.AVAILABLE)


def available_posts() -> QuerySet:
    return (
        library_posts()
        .filter(status=LibraryStatus.AVAILABLE)
        .prefetch_related("clearance__media")
        .order_by("-available_at", "-pk")
    )


def shares_for(user) -> QuerySet:
    shares = Share.objects.select_related("post", "user", "team")
    if can(user, "share.view_all"):
        return shares
    return shares.filter(user=user)


def last_instance(user) -> str:
    """The Mastodon server `user` shared on last, remembered for the next share."""
    return (
        Share.objects.filter(user=user)
        .exclude(instance="")
        .order_by("-shared_at", "-pk")
        .values_list("instance", flat=True)
        .first()
        or ""
    )


def reach(days: int | None = None) -> dict:
    """Shares and clicks of the last `days` days, by post and by team."""
    days = days or conf.get("ADVOCACY_REACH_DAYS")
    since = timezone.now() - timedelta(days=days)
    recent = Share.objects.filter(shared_at__gte=since)
    totals = recent.aggregate(shares=Count("pk"), clicks=Sum("clicks"))
    by_post = list(
        recent.values("post_id", "post__title")
        .annotate(shares=Count("pk"), clicks=Sum("clicks"))
        .order_by("-shares", "-clicks", "post__title")
    )
    by_team = list(
        recent.values("team_id", "team__name")
        .annotate(shares=Count("pk"), clicks=Sum("clicks"))
        .order_by("-shares", "-clicks", "team__name")
    )
    return {
        "days": days,
        "shares": totals["shares"] or 0,
        "clicks": totals["clicks"] or 0,
        "by_post": by_post,
        "by_team": by_team,
    }


def post_shares(post: LibraryPost) -> QuerySet:
    return post.shares.select_related("user", "team")


def waiting_count() -> int:
    return LibraryPost.objects.filter(status=LibraryStatus.WAITING).count()
