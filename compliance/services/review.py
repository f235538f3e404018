"""Legal's review of a post: submit, decide on the exact content, schedule, publish, expire.

A decision names the content digest it was taken on and is refused when the post
no longer has it; an approval clears the post only while its digest is the one
approved and its time is not up.
"""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance import conf
from compliance.content import canonical_content
from compliance.models import ApprovalRule, Decision, DecisionOutcome, PostStatus, SponsoredPost
from compliance.services.mail import _mail, reviewers_for
from compliance.services.posts import Conflict, _due, _lock
from incidents import freeze
from riskdesk.audit import audit_record, snapshot
from riskdesk.permissions import can, require


@transaction.atomic
def sponsored_post_submit(*, actor, post: SponsoredPost) -> SponsoredPost:
    require(actor, "sponsored_post.submit", post)
    post = _lock(post)
    if post.status == PostStatus.SUBMITTED:
        raise Conflict(_("This post is already waiting for legal."), code="state")
    if post.status not in (PostStatus.DRAFT, PostStatus.CHANGES_REQUESTED, PostStatus.EXPIRED):
        raise Conflict(
            _("A post that is %(status)s cannot be submitted.")
            % {"status": post.get_status_display().lower()},
            code="state",
        )
    now = timezone.now()
    if post.planned_at <= now:
        raise ValidationError(
            {"planned_at": _("The planned publication time has passed: plan it again first.")}
        )
    before = snapshot(post, ["status", "review_due_at"])
    post.status = PostStatus.SUBMITTED
    post.submitted_at = now
    if post.review_due_at is None or post.review_due_at <= now:
        post.review_due_at = _due(post, now)
    post.reminded_at = None
    post.version += 1
    post.save()
    audit_record(
        actor=actor,
        verb="sponsored_post.submit",
        target=post,
        before=before,
        after={**snapshot(post, ["status", "review_due_at"]), "digest": post.content_digest},
    )
    _mail(
        reviewers_for(post),
        _("Legal review needed: %(title)s") % {"title": post.title},
        [
            _("%(person)s submitted “%(title)s” for review, due %(due)s.")
            % {
                "person": actor,
                "title": post.title,
                "due": timezone.localtime(post.review_due_at).strftime("%Y-%m-%d %H:%M"),
            },
            _("%(errors)s failing checks, %(warnings)s warnings.")
            % {"errors": post.check_errors, "warnings": post.check_warnings},
        ],
        post,
    )
    return post


def approval_expiry(post: SponsoredPost, now: datetime) -> datetime:
    return min(
        now + timedelta(days=conf.get("COMPLIANCE_APPROVAL_DAYS")),
        post.planned_at + timedelta(minutes=conf.get("COMPLIANCE_PUBLISH_WINDOW_MINUTES")),
    )


def _refuse_if_frozen(action: str) -> None:
    active = freeze.current_freeze()
    if active is not None:
        raise Conflict(
            _("Publishing is frozen by an incident, so nothing can be %(action)s: %(reason)s")
            % {"action": action, "reason": active.reason},
            code="frozen",
        )


def may_decide(user, post: SponsoredPost) -> bool:
    """Whether `user` may decide on `post` now (the pages show the buttons only then)."""
    if post.status != PostStatus.SUBMITTED or not can(user, "sponsored_post.review", post):
        return False
    named = [r.pk for r in post.reviewers.all()]
    return not named or user.pk in named


@transaction.atomic
def sponsored_post_decide(
    *, actor, post: SponsoredPost, outcome: str, content_digest: str, comment: str = ""
) -> Decision:
    """Record one reviewer's decision on the exact content they read (`content_digest`)."""
    require(actor, "sponsored_post.review", post)
    if outcome not in DecisionOutcome.values:
        raise ValueError(f"unknown outcome {outcome!r}")
    post = _lock(post)
    comment = (comment or "").strip()
    if post.status != PostStatus.SUBMITTED:
        raise Conflict(
            _("This post is not waiting for legal: it is %(status)s.")
            % {"status": post.get_status_display().lower()},
            code="state",
        )
    named = list(post.reviewers.all())
    if named and actor.pk not in {r.pk for r in named}:
        raise PermissionDenied("sponsored_post.review")
    if (content_digest or "").strip().lower() != post.content_digest:
        raise Conflict(
            _(
                "The post changed after you opened it: your decision was about an earlier "
                "version. Read the current version and decide again."
            ),
            code="stale",
        )
    now = timezone.now()
    if outcome == DecisionOutcome.APPROVED:
        _refuse_if_frozen(_("approved"))
        if post.check_errors and not comment:
            raise ValidationError(
                {
                    "comment": _("%(count)s checks fail: say why you approve the post anyway.")
                    % {"count": post.check_errors}
                }
            )
        if approval_expiry(post, now) <= now:
            raise Conflict(
                _("The planned publication time has passed: the author must plan it again."),
                code="state",
            )
        if Decision.objects.filter(
            post=post,
            reviewer=actor,
            outcome=DecisionOutcome.APPROVED,
            content_digest=post.content_digest,
            voided_at__isnull=True,
        ).exists():
            raise Conflict(_("You already approved this version."), code="duplicate")
    elif not comment:
        raise ValidationError({"comment": _("Say what must change, or why the post is rejected.")})
    decision = Decision.objects.create(
        post=post,
        reviewer=actor,
        reviewer_label=str(actor),
        outcome=outcome,
        comment=comment,
        content_digest=post.content_digest,
        content=canonical_content(post),
        checks=post.checks,
        decided_at=now,
        expires_at=approval_expiry(post, now) if outcome == DecisionOutcome.APPROVED else None,
    )
    before = {"status": post.status}
    if outcome == DecisionOutcome.APPROVED:
        approvals = list(_valid_approvals(post, now))
        if post.approval_rule == ApprovalRule.ALL:
            approved_by = {a.reviewer_id for a in approvals}
            done = all(r.pk in approved_by for r in named)
        else:
            done = True
        if done:
            post.status = PostStatus.APPROVED
            post.approved_digest = post.content_digest
            post.approved_at = now
            post.approval_expires_at = min(a.expires_at for a in approvals)
    elif outcome == DecisionOutcome.CHANGES_REQUESTED:
        post.status = PostStatus.CHANGES_REQUESTED
    else:
        post.status = PostStatus.REJECTED
    post.version += 1
    post.save()
    verb = {
        DecisionOutcome.APPROVED: "sponsored_post.approve",
        DecisionOutcome.CHANGES_REQUESTED: "sponsored_post.request_changes",
        DecisionOutcome.REJECTED: "sponsored_post.reject",
    }[outcome]
    audit_record(
        actor=actor,
        verb=verb,
        target=post,
        before=before,
        after={
            "status": post.status,
            "digest": decision.content_digest,
            "comment": comment,
            "decision": decision.pk,
            "failing_checks": post.check_errors,
        },
    )
    if post.status != PostStatus.SUBMITTED and post.author is not None:
        _mail(
            [post.author],
            _("%(outcome)s: %(title)s")
            % {"outcome": decision.get_outcome_display(), "title": post.title},
            [
                _("%(person)s: %(outcome)s.")
                % {"person": actor, "outcome": decision.get_outcome_display()},
                comment,
            ],
            post,
        )
    return decision


def _valid_approvals(post: SponsoredPost, now: datetime):
    return Decision.objects.filter(
        post=post,
        outcome=DecisionOutcome.APPROVED,
        content_digest=post.content_digest,
        voided_at__isnull=True,
        expires_at__gt=now,
    )


def is_cleared(post: SponsoredPost, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        post.status in (PostStatus.APPROVED, PostStatus.SCHEDULED)
        and bool(post.approved_digest)
        and post.approved_digest == post.content_digest
        and post.approval_expires_at is not None
        and post.approval_expires_at > now
    )


@transaction.atomic
def sponsored_post_schedule(*, actor, post: SponsoredPost) -> SponsoredPost:
    require(actor, "sponsored_post.publish", post)
    post = _lock(post)
    if post.status != PostStatus.APPROVED:
        raise Conflict(_("Only an approved post can be scheduled."), code="state")
    _refuse_if_frozen(_("scheduled"))
    if not is_cleared(post):
        raise Conflict(_("The approval no longer holds: submit the post again."), code="state")
    post.status = PostStatus.SCHEDULED
    post.scheduled_at = timezone.now()
    post.version += 1
    post.save()
    audit_record(
        actor=actor,
        verb="sponsored_post.schedule",
        target=post,
        before={"status": PostStatus.APPROVED},
        after={"status": post.status, "planned_at": post.planned_at, "digest": post.content_digest},
    )
    return post


@transaction.atomic
def sponsored_post_publish(*, actor, post: SponsoredPost, url: str = "") -> SponsoredPost:
    """Record that the post went out (from the approved content)."""
    require(actor, "sponsored_post.publish", post)
    post = _lock(post)
    if post.status not in (PostStatus.APPROVED, PostStatus.SCHEDULED):
        raise Conflict(_("Only an approved or scheduled post can be published."), code="state")
    if not is_cleared(post):
        raise Conflict(_("The approval no longer holds: submit the post again."), code="state")
    url = (url or "").strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ValidationError(
                {"url": _("Enter the http:// or https:// address of the post.")}
            ) from None
    before = {"status": post.status}
    post.status = PostStatus.PUBLISHED
    post.published_at = timezone.now()
    post.published_url = url
    post.version += 1
    post.save()
    audit_record(
        actor=actor,
        verb="sponsored_post.publish",
        target=post,
        before=before,
        after={"status": post.status, "url": url, "digest": post.content_digest},
    )
    return post


def approvals_expire(now: datetime | None = None) -> list[int]:
    """Approvals whose time is up stop clearing their post (status "approval expired")."""
    now = now or timezone.now()
    expired = []
    due = SponsoredPost.objects.filter(
        status__in=[PostStatus.APPROVED, PostStatus.SCHEDULED], approval_expires_at__lte=now
    ).values_list("pk", flat=True)
    for post_id in due:
        with transaction.atomic():
            post = SponsoredPost.objects.select_for_update(of=("self",)).get(pk=post_id)
            if post.status not in (PostStatus.APPROVED, PostStatus.SCHEDULED):
                continue
            before = {"status": post.status}
            post.status = PostStatus.EXPIRED
            post.version += 1
            post.save()
            audit_record(
                actor=None,
                verb="sponsored_post.approval_expire",
                target=post,
                before=before,
                after={"status": post.status, "expired_at": post.approval_expires_at},
            )
            if post.author is not None:
                _mail(
                    [post.author],
                    _("Approval expired: %(title)s") % {"title": post.title},
                    [
                        _(
                            "The approval of “%(title)s” has expired before the post was "
                            "published. Plan it again and submit it to legal."
                        )
                        % {"title": post.title}
                    ],
                    post,
                )
            expired.append(post_id)
    return expired


def reviews_remind(now: datetime | None = None) -> list[int]:
    """Remind reviewers of reviews due soon or overdue; once a day per post."""
    now = now or timezone.now()
    soon = now + timedelta(hours=conf.get("COMPLIANCE_REMIND_BEFORE_HOURS"))
    day_ago = now - timedelta(days=1)
    candidates = SponsoredPost.objects.filter(
        status=PostStatus.SUBMITTED, review_due_at__lte=soon
    ).filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=day_ago))
    reminded = []
    for post in candidates.select_related("author"):
        with transaction.atomic():
            # Claim it: a second sweep running at the same time updates nothing.
            claimed = (
                SponsoredPost.objects.filter(pk=post.pk, reminded_at=post.reminded_at)
                .filter(status=PostStatus.SUBMITTED)
                .update(reminded_at=now)
            )
            if not claimed:
                continue
            overdue = post.review_due_at <= now
            subject = (
                _("Overdue legal review: %(title)s")
                if overdue
                else _("Legal review due soon: %(title)s")
            ) % {"title": post.title}
            _mail(
                reviewers_for(post),
                subject,
                [
                    _("“%(title)s” was due for review on %(due)s; it goes out on %(planned)s.")
                    % {
                        "title": post.title,
                        "due": timezone.localtime(post.review_due_at).strftime("%Y-%m-%d %H:%M"),
                        "planned": timezone.localtime(post.planned_at).strftime("%Y-%m-%d %H:%M"),
                    }
                ],
                post,
            )
            audit_record(
                actor=None,
                verb="sponsored_post.remind",
                target=post,
                after={"overdue": overdue, "due": post.review_due_at},
            )
            reminded.append(post.pk)
    return reminded
