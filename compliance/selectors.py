"""Reads shared by the pages, the API, the dashboard and the homes that publish."""

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.checks import PASS, PostContent, describe
from compliance.checks.findings import check_claims
from compliance.content import account_key, published_part
from compliance.models import Comment, Decision, PostStatus, SponsoredPost
from compliance.rulebook import current_rulebook, normalize
from compliance.services import canonical_content, is_cleared
from incidents import freeze


def posts() -> QuerySet:
    """Every post with what a list row shows (everyone who may see posts sees them all)."""
    return SponsoredPost.objects.select_related("brand_account", "author")


def legal_queue() -> QuerySet:
    """Posts waiting for legal: failing checks first, then by planned publication."""
    now = timezone.now()
    return (
        posts()
        .filter(status=PostStatus.SUBMITTED)
        .annotate(
            failing_first=Case(
                When(check_errors__gt=0, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            approvals=Count(
                "decisions",
                filter=Q(
                    decisions__outcome="approved",
                    decisions__voided_at__isnull=True,
                    decisions__expires_at__gt=now,
                ),
            ),
        )
        .prefetch_related("reviewers")
        .order_by("failing_first", "planned_at", "pk")
    )


def post_detail(pk: int) -> SponsoredPost:
    return (
        posts()
        .prefetch_related(
            "media",
            "reviewers",
            Prefetch("decisions", queryset=Decision.objects.select_related("reviewer")),
            Prefetch("comments", queryset=Comment.objects.prefetch_related("mentioned")),
        )
        .get(pk=pk)
    )


def queue_counts(user) -> dict[str, int]:
    """Waiting, overdue and due-today reviews, in one query."""
    now = timezone.now()
    end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=59)
    waiting = Q(status=PostStatus.SUBMITTED)
    return SponsoredPost.objects.aggregate(
        waiting=Count("pk", filter=waiting),
        overdue=Count("pk", filter=waiting & Q(review_due_at__lt=now)),
        due_today=Count(
            "pk", filter=waiting & Q(review_due_at__gte=now, review_due_at__lte=end_of_day)
        ),
        failing=Count("pk", filter=waiting & Q(check_errors__gt=0)),
        mine_changes=Count("pk", filter=Q(status=PostStatus.CHANGES_REQUESTED, author=user)),
        approved=Count("pk", filter=Q(status=PostStatus.APPROVED)),
    )


def evidence_record(post) -> dict:
    """The decision record as data: for the JSON export and the API."""
    return {
        "post": {
            "id": post.pk,
            "title": post.title,
            "status": post.status,
            "network": post.platform,
            "account": account_key(post),
            "partner": post.partner_name,
            "campaign": post.campaign,
            "markets": post.markets,
            "author": str(post.author) if post.author else None,
            "contract": {
                "file": post.contract_name,
                "sha256": post.contract_sha256,
                "reference": post.contract_reference,
                "handle": post.contract_handle,
            },
            "published_at": post.published_at.isoformat() if post.published_at else None,
            "published_url": post.published_url,
        },
        "content": canonical_content(post, list(post.media.all())),
        "content_digest": post.content_digest,
        "cleared_now": is_cleared(post),
        "checks": describe(post.checks, post.text),
        "decisions": [
            {
                "reviewer": d.reviewer_label,
                "outcome": d.outcome,
                "comment": d.comment,
                "decided_at": d.decided_at.isoformat(),
                "content_digest": d.content_digest,
                "content": d.content,
                "checks": describe(d.checks, d.content.get("text", "")),
                "expires_at": d.expires_at.isoformat() if d.expires_at else None,
                "voided_at": d.voided_at.isoformat() if d.voided_at else None,
                "void_reason": d.void_reason,
            }
            for d in post.decisions.all()
        ],
        "comments": [
            {"author": c.author_label, "at": c.created_at.isoformat(), "body": c.body}
            for c in post.comments.all()
        ],
    }


def clearance(post: SponsoredPost, digest: str | None, published: dict | None = None) -> dict:
    """Is the content named (by its digest, or by what a publishing tool holds) cleared now?

    Legal's approval covers every reviewed field (compliance.content.REVIEWED); a tool
    holds only the published part of it, so content sent is compared with the post's
    published part, and the post must still have the content legal approved.
    """
    now = timezone.now()
    active = freeze.current_freeze()
    if digest is None:
        current = published_part(canonical_content(post))
        digest = post.content_digest if published == current else None
    answer = {
        "status": post.status,
        "content_digest": digest,
        "approved_digest": post.approved_digest or None,
        "expires_at": post.approval_expires_at,
        "freeze": active.reason if active else None,
    }
    approved = post.status in (PostStatus.APPROVED, PostStatus.SCHEDULED)
    if not approved or not post.approved_digest:
        reason, detail = (
            "not_approved",
            _("This post is not approved: it is %(status)s.")
            % {"status": post.get_status_display().lower()},
        )
    elif digest != post.approved_digest or post.approved_digest != post.content_digest:
        reason, detail = (
            "content_mismatch",
            _(
                "This is not the content legal approved: something legal reviewed has "
                "changed (text, media, links, account, time, markets, partner or contract)."
            ),
        )
    elif not post.approval_expires_at or post.approval_expires_at <= now:
        reason, detail = "expired", _("The approval has expired.")
    elif active is not None:
        reason, detail = (
            "frozen",
            _("Publishing is frozen by an incident: %(reason)s") % {"reason": active.reason},
        )
    else:
        reason, detail = "cleared", _("Cleared: this exact content is approved.")
    return {"cleared": reason == "cleared", "reason": reason, "detail": detail, **answer}


def regulated_claims(text: str, markets) -> list[dict]:
    """The regulated claims (health, money, …) the checks find in `text` for `markets`: the
    claims findings of compliance.checks, for posts legal reviews outside this home."""
    content = PostContent(text=text, platform="other", markets=list(markets))
    findings = check_claims(content, current_rulebook(), normalize(text))
    return [f for f in findings if f["severity"] != PASS]
