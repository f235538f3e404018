"""Business operations on policies, their revisions and acknowledgements.

Each function checks the actor's permission, makes the change and records it in
the audit log, in one transaction. The review workflow:

    draft --submit--> in review --approve (any/all)--> approved --publish--> published
      ^                   |                                |                     |
      +--request changes--+------------request changes-----+     (the previous one is superseded)

Editing a revision in review or approved voids every approval (they are bound to
the digest of the exact content) and puts it back in review.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from policies import selectors
from policies.models import (
    ApprovalRule,
    Policy,
    PolicyRevision,
    Reminder,
    ReminderKind,
    ReviewDecision,
    ReviewStatus,
    RevisionComment,
    RevisionReview,
    RevisionStatus,
)
from policies.services.policies import _policy_snapshot
from riskdesk.audit import audit_record, snapshot
from riskdesk.mail import absolute_url, mail_people
from riskdesk.permissions import require

REVISION_CONTENT = ["body", "summary", "material_change"]
MAX_BODY = 200_000
MAX_COMMENT = 5_000


def _revision_snapshot(revision: PolicyRevision) -> dict:
    data = snapshot(
        revision, ["number", "status", "material_change", "approval_rule", "content_digest"]
    )
    data["reviews"] = {
        str(r.reviewer_id): r.decision for r in revision.reviews.order_by("reviewer_id")
    }
    return data


def _clean_content(body: str, summary: str) -> tuple[str, str]:
    body = (body or "").replace("\r\n", "\n").strip("\n")
    summary = (summary or "").strip()
    errors = {}
    if not body.strip():
        errors["body"] = _("Write the text of the policy.")
    elif len(body) > MAX_BODY:
        errors["body"] = _("The text is too long (at most %(max)s characters).") % {"max": MAX_BODY}
    if not summary:
        errors["summary"] = _("Say what changed, so readers know what to look for.")
    if errors:
        raise ValidationError(errors)
    return body + "\n", summary


def revision_url(revision: PolicyRevision) -> str:
    return reverse(
        "policy_revision_detail", kwargs={"slug": revision.policy.slug, "number": revision.number}
    )


@transaction.atomic
def revision_create(
    *, actor, policy: Policy, body: str, summary: str, material_change: bool = False
) -> PolicyRevision:
    """A new draft. A policy has at most one draft or revision in review at a time."""
    require(actor, "revision.write", policy)
    policy = Policy.objects.select_for_update(of=("self",)).get(pk=policy.pk)
    body, summary = _clean_content(body, summary)
    open_one = selectors.open_revision(policy)
    if open_one is not None:
        raise ValidationError(
            _("Revision %(number)s is still being written or reviewed: edit it instead.")
            % {"number": open_one.number}
        )
    number = (policy.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    revision = PolicyRevision(
        policy=policy,
        number=number,
        body=body,
        summary=summary,
        # A first version is new to everyone: it is always read and acknowledged.
        material_change=True if number == 1 else material_change,
        author=actor,
    )
    revision.content_digest = revision.compute_digest()
    revision.save()
    audit_record(
        actor=actor,
        verb="policy_revision.create",
        target=revision,
        after=_revision_snapshot(revision),
    )
    return revision


def _lock(revision: PolicyRevision) -> PolicyRevision:
    return selectors.revision_with_reviews(
        PolicyRevision.objects.select_for_update(of=("self",))
    ).get(pk=revision.pk)


@transaction.atomic
def revision_update(*, actor, revision: PolicyRevision, **changes) -> PolicyRevision:
    """Change an open revision's text; approvals given on the old text no longer count."""
    unknown = set(changes) - set(REVISION_CONTENT)
    if unknown:
        raise ValueError(f"not revision fields: {sorted(unknown)}")
    revision = _lock(revision)
    require(actor, "revision.write", revision)
    if not revision.is_open:
        raise ValidationError(
            _("A published revision cannot change: start a new revision instead.")
        )
    before = _revision_snapshot(revision)
    body, summary = _clean_content(
        changes.get("body", revision.body), changes.get("summary", revision.summary)
    )
    revision.body, revision.summary = body, summary
    if "material_change" in changes and revision.number > 1:
        revision.material_change = bool(changes["material_change"])
    digest = revision.compute_digest()
    if digest == revision.content_digest:
        return revision
    revision.content_digest = digest
    voided = []
    if revision.status in (RevisionStatus.IN_REVIEW, RevisionStatus.APPROVED):
        voided = [r.reviewer for r in revision.reviews.all() if r.decision != "pending"]
        revision.reviews.update(decision=ReviewDecision.PENDING, decided_at=None, content_digest="")
        revision.status = RevisionStatus.IN_REVIEW
        revision.approved_at = None
    revision.save()
    after = _revision_snapshot(revision)
    audit_record(
        actor=actor, verb="policy_revision.update", target=revision, before=before, after=after
    )
    if voided:
        mail_people(
            people=voided,
            subject=_("Changed after your review: %(revision)s") % {"revision": revision},
            body=_(
                '%(actor)s changed revision %(number)s of "%(policy)s" after you reviewed it. '
                "Your decision no longer counts: please read it again.\n\n%(url)s\n"
            )
            % {
                "actor": actor,
                "number": revision.number,
                "policy": revision.policy,
                "url": absolute_url(revision_url(revision)),
            },
        )
    return revision


@transaction.atomic
def revision_submit(
    *, actor, revision: PolicyRevision, reviewers, approval_rule: str = ApprovalRule.ANY
) -> PolicyRevision:
    """Send a draft to its reviewers; `approval_rule` says whether any or all must approve."""
    revision = _lock(revision)
    require(actor, "revision.write", revision)
    if revision.status != RevisionStatus.DRAFT:
        raise ValidationError(_("Only a draft can be sent for review."))
    reviewers = list({user.pk: user for user in reviewers}.values())
    errors = {}
    allowed = set(selectors.reviewers().values_list("pk", flat=True))
    if not reviewers:
        errors["reviewers"] = _("Choose at least one reviewer.")
    elif any(user.pk == revision.author_id for user in reviewers):
        errors["reviewers"] = _("The author of a revision cannot review it.")
    elif any(user.pk not in allowed for user in reviewers):
        errors["reviewers"] = _("Reviewers must be active people who may approve policies.")
    if approval_rule not in ApprovalRule.values:
        errors["approval_rule"] = _("Choose whether any reviewer or every reviewer must approve.")
    if errors:
        raise ValidationError(errors)
    before = _revision_snapshot(revision)
    revision.reviews.all().delete()
    RevisionReview.objects.bulk_create(
        [RevisionReview(revision=revision, reviewer=user) for user in reviewers]
    )
    revision.status = RevisionStatus.IN_REVIEW
    revision.approval_rule = approval_rule
    revision.submitted_at = timezone.now()
    revision.save()
    audit_record(
        actor=actor,
        verb="policy_revision.submit",
        target=revision,
        before=before,
        after=_revision_snapshot(revision),
    )
    mail_people(
        people=reviewers,
        subject=_("Review requested: %(revision)s") % {"revision": revision},
        body=_(
            '%(actor)s asks you to review revision %(number)s of "%(policy)s".\n\n'
            "What changed: %(summary)s\n\nRead the text and the differences, then approve it "
            "or ask for changes:\n%(url)s\n"
        )
        % {
            "actor": actor,
            "number": revision.number,
            "policy": revision.policy,
            "summary": revision.summary,
            "url": absolute_url(revision_url(revision)),
        },
    )
    return revision


def approval_satisfied(revision: PolicyRevision) -> bool:
    """Whether the approvals that still count (same digest) meet the revision's rule."""
    reviews = list(revision.reviews.all())
    if not reviews:
        return False
    counting = [review.counts for review in reviews]
    return all(counting) if revision.approval_rule == ApprovalRule.ALL else any(counting)


@transaction.atomic
def revision_approve(*, actor, revision: PolicyRevision, content_digest: str) -> PolicyRevision:
    """Approve the text the reviewer read: `content_digest` is its digest (pages and API send it).

    A missing digest, or one the revision no longer has (it was edited meanwhile), is refused.
    """
    revision = _lock(revision)
    require(actor, "revision.review", revision)
    if revision.status not in (RevisionStatus.IN_REVIEW, RevisionStatus.APPROVED):
        raise ValidationError(_("Only a revision in review can be approved."))
    if not content_digest:
        raise ValidationError(
            {
                "content_digest": _(
                    "The approval does not name the text you read (its digest): reload the "
                    "revision."
                )
            }
        )
    if content_digest.strip().lower() != revision.content_digest:
        raise ValidationError(
            {
                "content_digest": _(
                    "The revision changed since you opened it: read the new text before approving."
                )
            }
        )
    review = next(r for r in revision.reviews.all() if r.reviewer_id == actor.pk)
    review.revision = revision  # the locked copy, for `counts`
    if review.counts:
        return revision  # approving twice changes nothing
    before = _revision_snapshot(revision)
    review.decision = ReviewDecision.APPROVED
    review.content_digest = revision.content_digest
    review.decided_at = timezone.now()
    review.save()
    became_approved = revision.status == RevisionStatus.IN_REVIEW and approval_satisfied(revision)
    if became_approved:
        revision.status = RevisionStatus.APPROVED
        revision.approved_at = timezone.now()
        revision.save()
    audit_record(
        actor=actor,
        verb="policy_revision.approve",
        target=revision,
        before=before,
        after=_revision_snapshot(revision),
    )
    if became_approved:
        mail_people(
            people=[revision.author, revision.policy.owner],
            subject=_("Approved: %(revision)s") % {"revision": revision},
            body=_(
                'Revision %(number)s of "%(policy)s" is approved and can be published.\n\n%(url)s\n'
            )
            % {
                "number": revision.number,
                "policy": revision.policy,
                "url": absolute_url(revision_url(revision)),
            },
        )
    return revision


def _clean_comment(revision: PolicyRevision, body: str, line) -> tuple[str, int | None, str]:
    body = (body or "").strip()
    errors = {}
    if not body:
        errors["body"] = _("Write a comment.")
    elif len(body) > MAX_COMMENT:
        errors["body"] = _("A comment has at most %(max)s characters.") % {"max": MAX_COMMENT}
    line_text = ""
    lines = revision.body.splitlines()
    if line in ("", None):
        line = None
    else:
        try:
            line = int(line)
        except (TypeError, ValueError):
            line = 0
        if not 1 <= line <= len(lines):
            errors["line"] = _("Choose a line between 1 and %(count)s, or none for the whole.") % {
                "count": len(lines)
            }
        else:
            line_text = lines[line - 1]
    if errors:
        raise ValidationError(errors)
    return body, line, line_text


@transaction.atomic
def revision_request_changes(
    *, actor, revision: PolicyRevision, comment: str, line=None
) -> PolicyRevision:
    """Send the revision back to its author as a draft, with the reviewer's comment."""
    revision = _lock(revision)
    require(actor, "revision.review", revision)
    if revision.status not in (RevisionStatus.IN_REVIEW, RevisionStatus.APPROVED):
        raise ValidationError(_("Only a revision in review can be sent back for changes."))
    body, line, line_text = _clean_comment(revision, comment, line)
    before = _revision_snapshot(revision)
    RevisionComment.objects.create(
        revision=revision,
        author=actor,
        body=body,
        line=line,
        line_text=line_text,
        requests_changes=True,
    )
    revision.reviews.filter(reviewer=actor).update(
        decision=ReviewDecision.CHANGES_REQUESTED, decided_at=timezone.now(), content_digest=""
    )
    revision.status = RevisionStatus.DRAFT
    revision.approved_at = None
    revision.save()
    audit_record(
        actor=actor,
        verb="policy_revision.request_changes",
        target=revision,
        before=before,
        after=_revision_snapshot(revision) | {"comment": body, "line": line},
    )
    mail_people(
        people=[revision.author],
        subject=_("Changes requested: %(revision)s") % {"revision": revision},
        body=_(
            '%(actor)s asks for changes to revision %(number)s of "%(policy)s":\n\n'
            "%(comment)s\n\nEdit it and send it for review again:\n%(url)s\n"
        )
        % {
            "actor": actor,
            "number": revision.number,
            "policy": revision.policy,
            "comment": body,
            "url": absolute_url(revision_url(revision)),
        },
    )
    return revision


@transaction.atomic
def revision_comment(*, actor, revision: PolicyRevision, body: str, line=None) -> RevisionComment:
    """A remark on an open revision, on one line of its text or on the whole."""
    require(actor, "revision.comment", revision)
    if not revision.is_open:
        raise ValidationError(_("Comments are for revisions still being written or reviewed."))
    body, line, line_text = _clean_comment(revision, body, line)
    comment = RevisionComment.objects.create(
        revision=revision, author=actor, body=body, line=line, line_text=line_text
    )
    audit_record(
        actor=actor,
        verb="policy_revision.comment",
        target=revision,
        after={"comment": comment.pk, "line": line, "body": body},
    )
    return comment


@transaction.atomic
def revision_publish(*, actor, revision: PolicyRevision) -> PolicyRevision:
    """Publish an approved revision; the previous one is superseded and the review clock resets."""
    require(actor, "revision.publish", revision)
    policy = Policy.objects.select_for_update(of=("self",)).get(pk=revision.policy_id)
    revision = _lock(revision)
    if revision.status != RevisionStatus.APPROVED or not approval_satisfied(revision):
        raise ValidationError(
            _("Only an approved revision can be published: this one is %(status)s.")
            % {"status": revision.get_status_display().lower()}
        )
    before = _revision_snapshot(revision) | {"policy": _policy_snapshot(policy)}
    now = timezone.now()
    previous = policy.revisions.filter(status=RevisionStatus.PUBLISHED).first()
    if previous is not None:
        previous.status = RevisionStatus.SUPERSEDED
        previous.superseded_at = now
        previous.save(update_fields=["status", "superseded_at", "updated_at"])
    revision.status = RevisionStatus.PUBLISHED
    revision.published_at = now
    revision.published_by = actor
    revision.save()
    policy.current_revision = revision
    if revision.material_change:
        policy.acknowledgement_revision = revision
    policy.next_review_on = policy.review_date_after(timezone.localdate())
    policy.review_status = ReviewStatus.CURRENT
    policy.save()
    audit_record(
        actor=actor,
        verb="policy_revision.publish",
        target=revision,
        before=before,
        after=_revision_snapshot(revision)
        | {"policy": _policy_snapshot(policy), "superseded": previous.pk if previous else None},
    )
    if revision.material_change:
        _ask_to_acknowledge(policy, revision)
    return revision


def _ask_to_acknowledge(policy: Policy, revision: PolicyRevision) -> None:
    audience = list(selectors.audience_of(policy))
    url = absolute_url(reverse("policy_acknowledge", kwargs={"slug": policy.slug}))
    mail_people(
        people=audience,
        subject=_("Please read and acknowledge: %(policy)s") % {"policy": policy},
        body=_(
            'A new version of "%(policy)s" is in force.\n\nWhat changed: %(summary)s\n\n'
            "Read it and confirm you have: %(url)s\n"
        )
        % {"policy": policy, "summary": revision.summary, "url": url},
    )
    # The announcement counts as the first reminder: the daily task waits a week.
    today = timezone.localdate()
    Reminder.objects.bulk_create(
        [
            Reminder(
                kind=ReminderKind.ACKNOWLEDGEMENT,
                user=person,
                key=f"revision:{revision.pk}",
                sent_on=today,
            )
            for person in audience
        ],
        ignore_conflicts=True,
    )
