"""Every change to sponsored posts: create, edit, submit, decide, schedule, publish, comment.

Each service checks the permission, changes the rows, writes the audit event in
the same transaction and returns the object. Rows are locked (SELECT … FOR
UPDATE) before they are compared, so an edit and a decision cannot cross: a
decision names the content digest it was taken on and is refused when the post
no longer has it; an edit after approval voids the approval and sends the post
back to legal.
"""

import logging
import re
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance import checks as checks_module
from compliance import conf, uploads
from compliance.content import canonical_content
from compliance.models import (
    AccountKind,
    ApprovalRule,
    Comment,
    Decision,
    DecisionOutcome,
    Market,
    MediaKind,
    PostMedia,
    PostStatus,
    SponsoredPost,
)
from compliance.rulebook import current_rulebook
from incidents import freeze
from riskdesk.audit import audit_record, snapshot
from riskdesk.content_hash import content_digest
from riskdesk.mail import absolute_url, mail_people
from riskdesk.networks import Platform
from riskdesk.permissions import can, require

logger = logging.getLogger(__name__)

POST_FIELDS = [
    "title",
    "text",
    "platform",
    "account_kind",
    "brand_account",
    "partner_name",
    "partner_handle",
    "campaign",
    "markets",
    "planned_at",
    "links",
    "contract_reference",
    "contract_handle",
    "approval_rule",
    "reviewers",
    "review_due_at",
]
AUDIT_FIELDS = [*POST_FIELDS, "status", "content_digest", "contract_sha256"]
MAX_TEXT = 20_000
MAX_LINKS = 20
OPEN_STATUSES = [
    PostStatus.DRAFT,
    PostStatus.SUBMITTED,
    PostStatus.CHANGES_REQUESTED,
    PostStatus.APPROVED,
    PostStatus.SCHEDULED,
    PostStatus.EXPIRED,
]
MENTION_RE = re.compile(r"(?<![\w@])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")


class Conflict(ValidationError):
    """The post is not in a state that allows this (stale digest, freeze, wrong status).

    The API answers 409 with the message; pages show it like any other error.
    """


# --- Canonical content ----------------------------------------------------------------


def post_content(post: SponsoredPost, media_count: int | None = None) -> checks_module.PostContent:
    return checks_module.PostContent(
        text=post.text,
        platform=post.platform,
        markets=list(post.markets),
        links=list(post.links),
        account_kind=post.account_kind,
        partner_handle=post.partner_handle,
        contract_handle=post.contract_handle,
        has_contract=bool(post.contract_file or post.contract_reference),
        media_count=post.media.count() if media_count is None else media_count,
        link_status=post.link_status,
    )


def _refresh(post: SponsoredPost) -> list[str]:
    """Recompute the digest and the checks; returns the links still waiting for a check."""
    media = list(post.media.all()) if post.pk else []
    post.content_digest = content_digest(canonical_content(post, media))
    rules = current_rulebook()
    links = checks_module.all_links(post_content(post, len(media)), rules.terms("shortener"))
    post.link_status = {k: v for k, v in post.link_status.items() if k in links}
    post.checks = checks_module.run_checks(post_content(post, len(media)), rules)
    post.check_errors, post.check_warnings = checks_module.counts(post.checks)
    return [link for link in links if link not in post.link_status]


def _queue_link_check(post: SponsoredPost, pending: list[str]) -> None:
    if pending:
        from compliance import tasks

        transaction.on_commit(lambda: tasks.check_post_links.delay(post.pk))


# --- Validation -------------------------------------------------------------------------


def _clean_links(value) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    links = []
    for link in value or []:
        link = str(link).strip()
        if link and link not in links:
            links.append(link)
    return links


def _validate(post: SponsoredPost, reviewers, *, planned_changed: bool) -> None:
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    post.title = " ".join((post.title or "").split())
    post.partner_name = (post.partner_name or "").strip()
    post.partner_handle = (post.partner_handle or "").strip().lstrip("@").strip()
    post.contract_handle = (post.contract_handle or "").strip().lstrip("@").strip()
    post.campaign = (post.campaign or "").strip()
    post.contract_reference = (post.contract_reference or "").strip()
    post.links = _clean_links(post.links)
    if not post.title:
        add("title", _("Give the post a title for the queue."))
    elif len(post.title) > 200:
        add("title", _("At most 200 characters."))
    if not (post.text or "").strip():
        add("text", _("Write the text of the post."))
    elif len(post.text) > MAX_TEXT:
        add("text", _("At most %(max)s characters.") % {"max": MAX_TEXT})
    if post.platform not in Platform.values:
        add("platform", _("Unknown network."))
    if post.account_kind == AccountKind.BRAND:
        if post.brand_account_id is None:
            add("brand_account", _("Choose the brand account that publishes the post."))
        elif post.platform in Platform.values and post.brand_account.platform != post.platform:
            add("brand_account", _("This account is not on the post's network."))
    elif post.account_kind == AccountKind.PARTNER:
        if not post.partner_handle:
            add("partner_handle", _("Give the handle the partner publishes from."))
    else:
        add("account_kind", _("Choose who publishes the post."))
    for handle_field in ("partner_handle", "contract_handle"):
        if any(ch.isspace() for ch in getattr(post, handle_field)):
            add(handle_field, _("A handle has no spaces."))
    markets = post.markets if isinstance(post.markets, list | tuple) else []
    unknown = [m for m in markets if m not in Market.values]
    if unknown or not markets:
        add("markets", _("Choose at least one market.") if not unknown else _("Unknown market."))
    else:
        post.markets = [m for m in Market.values if m in markets]
    if post.planned_at is None:
        add("planned_at", _("Give the planned publication time."))
    elif planned_changed and post.planned_at <= timezone.now():
        add("planned_at", _("Plan the publication in the future."))
    if len(post.links) > MAX_LINKS:
        add("links", _("At most %(max)s links.") % {"max": MAX_LINKS})
    validate_url = URLValidator(schemes=["http", "https"])
    for link in post.links:
        try:
            validate_url(link)
        except ValidationError:
            add("links", _("“%(link)s” is not an http:// or https:// address.") % {"link": link})
        if len(link) > 500:
            add("links", _("Links have at most 500 characters."))
    if post.approval_rule not in ApprovalRule.values:
        add("approval_rule", _("Choose how many approvals are needed."))
    elif post.approval_rule == ApprovalRule.ALL and not reviewers:
        add("reviewers", _("Name the reviewers who must all approve."))
    for person in reviewers:
        if not person.is_active or not person.has_perm("compliance.review_sponsoredpost"):
            add("reviewers", _("%(person)s is not a legal reviewer.") % {"person": person})
        elif post.author_id and person.pk == post.author_id:
            add("reviewers", _("The author cannot review their own post."))
    if post.review_due_at and post.planned_at and post.review_due_at > post.planned_at:
        add("review_due_at", _("Legal must decide before the planned publication."))
    if errors:
        raise ValidationError(errors)


def _check_uploads(media, contract) -> tuple[list, object]:
    """Check every upload before anything is written: one bad file saves nothing."""
    errors = []
    checked = []
    for upload in media or []:
        try:
            checked.append(uploads.check_media(upload))
        except ValidationError as exc:
            errors.extend(exc.messages)
    checked_contract = None
    contract_errors = []
    if contract is not None:
        try:
            checked_contract = uploads.check_contract(contract)
        except ValidationError as exc:
            contract_errors = exc.messages
    if errors or contract_errors:
        raise ValidationError(
            {k: v for k, v in {"media": errors, "contract": contract_errors}.items() if v}
        )
    return checked, checked_contract


class _Stored:
    """Paths written during a service, removed again if its transaction rolls back."""

    def __init__(self):
        self.paths: list[str] = []

    def add(self, path: str) -> str:
        self.paths.append(path)
        return path

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        if exc_type is not None:
            uploads.delete(*self.paths)
        return False


def _save_media(post, checked: list, actor, stored: _Stored) -> None:
    existing = post.media.count()
    if existing + len(checked) > conf.get("COMPLIANCE_MAX_MEDIA_PER_POST"):
        raise ValidationError(
            {
                "media": _("A post has at most %(max)s media files.")
                % {"max": conf.get("COMPLIANCE_MAX_MEDIA_PER_POST")}
            }
        )
    for item in checked:
        path = stored.add(uploads.store(item.data, item.extension))
        thumbnail = stored.add(uploads.store(item.thumbnail, ".jpg")) if item.thumbnail else ""
        PostMedia.objects.create(
            post=post,
            kind=MediaKind.IMAGE if item.kind == "image" else MediaKind.VIDEO,
            file=path,
            thumbnail=thumbnail,
            original_name=item.original_name,
            content_type=item.content_type,
            size=len(item.data),
            sha256=item.sha256,
            width=item.width,
            height=item.height,
            uploaded_by=actor,
        )


def _save_contract(post, checked, stored: _Stored) -> list[str]:
    """Store the new contract; returns the old file to delete once the change commits."""
    old = [post.contract_file] if post.contract_file else []
    post.contract_file = stored.add(uploads.store(checked.data, ".pdf"))
    post.contract_name = checked.original_name
    post.contract_sha256 = checked.sha256
    return old


def _delete_after_commit(paths: list[str]) -> None:
    if paths:
        transaction.on_commit(lambda: uploads.delete(*paths))


# --- People to tell -----------------------------------------------------------------------


def reviewers_for(post: SponsoredPost):
    named = list(post.reviewers.all())
    if named:
        return named
    return list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(groups__permissions__codename="review_sponsoredpost")
            | Q(user_permissions__codename="review_sponsoredpost")
        )
        .exclude(pk=post.author_id)
        .distinct()
    )


def _post_url(post) -> str:
    return absolute_url(reverse("sponsored_post_detail", args=[post.pk]))


def _mail(people, subject: str, lines: list[str], post) -> None:
    body = "\n\n".join([*lines, _post_url(post)])
    mail_people(people=people, subject=subject, body=body)


# --- Create and edit ----------------------------------------------------------------------


def _apply(post: SponsoredPost, fields: dict) -> None:
    unknown = set(fields) - set(POST_FIELDS)
    if unknown:
        raise ValueError(f"not sponsored post fields: {sorted(unknown)}")
    for name, value in fields.items():
        if name != "reviewers":
            setattr(post, name, value)


@transaction.atomic
def sponsored_post_create(
    *, actor, media=(), contract=None, reviewers=(), **fields
) -> SponsoredPost:
    require(actor, "sponsored_post.create")
    post = SponsoredPost(author=actor, status=PostStatus.DRAFT, links=[], markets=[])
    _apply(post, fields)
    reviewers = list(reviewers or [])
    _validate(post, reviewers, planned_changed=True)
    checked_media, checked_contract = _check_uploads(media, contract)
    with _Stored() as stored:
        if checked_contract is not None:
            _save_contract(post, checked_contract, stored)
        _refresh(post)
        post.save()
        post.reviewers.set(reviewers)
        _save_media(post, checked_media, actor, stored)
        pending = _refresh(post)
        post.save()
        audit_record(
            actor=actor,
            verb="sponsored_post.create",
            target=post,
            after=snapshot(post, AUDIT_FIELDS),
        )
    _queue_link_check(post, pending)
    return post


def _lock(post: SponsoredPost) -> SponsoredPost:
    return (
        SponsoredPost.objects.select_for_update(of=("self",))
        .select_related("brand_account", "author")
        .get(pk=post.pk)
    )


@transaction.atomic
def sponsored_post_update(
    *,
    actor,
    post: SponsoredPost,
    version: int | None = None,
    media=(),
    remove_media=(),
    contract=None,
    remove_contract: bool = False,
    **fields,
) -> SponsoredPost:
    """Change a post. A change to its content after approval voids the approval."""
    require(actor, "sponsored_post.change", post)
    post = _lock(post)
    if post.is_final:
        raise Conflict(
            _("A %(status)s post cannot be changed.")
            % {"status": post.get_status_display().lower()}
        )
    if version is not None and int(version) != post.version:
        raise Conflict(
            _(
                "Someone changed this post after you opened it. Reload it, check their "
                "changes and make yours again."
            ),
            code="stale",
        )
    before = snapshot(post, AUDIT_FIELDS)
    old_digest = post.content_digest
    old_planned = post.planned_at
    _apply(post, fields)
    reviewers = list(fields["reviewers"]) if "reviewers" in fields else list(post.reviewers.all())
    _validate(post, reviewers, planned_changed=post.planned_at != old_planned)
    checked_media, checked_contract = _check_uploads(media, contract)
    to_delete: list[str] = []
    with _Stored() as stored:
        removed = list(post.media.filter(pk__in=[getattr(m, "pk", m) for m in remove_media or []]))
        for item in removed:
            to_delete += [item.file, item.thumbnail]
            item.delete()
        _save_media(post, checked_media, actor, stored)
        if checked_contract is not None:
            to_delete += _save_contract(post, checked_contract, stored)
        elif remove_contract and post.contract_file:
            to_delete.append(post.contract_file)
            post.contract_file = post.contract_name = post.contract_sha256 = ""
        if "reviewers" in fields:
            post.reviewers.set(reviewers)
        pending = _refresh(post)
        after = snapshot(post, AUDIT_FIELDS)
        changed = after != before or removed or checked_media
        if not changed:
            post.save(update_fields=["checks", "check_errors", "check_warnings", "link_status"])
            return post
        post.version += 1
        voided = 0
        if post.content_digest != old_digest:
            voided = _content_changed(post, actor)
        post.save()
        after["media"] = [m.sha256 for m in post.media.all()]
        audit_record(
            actor=actor, verb="sponsored_post.update", target=post, before=before, after=after
        )
        if voided:
            audit_record(
                actor=actor,
                verb="sponsored_post.approval_void",
                target=post,
                before={"digest": old_digest},
                after={"digest": post.content_digest, "voided": voided, "status": post.status},
            )
    _delete_after_commit(to_delete)
    _queue_link_check(post, pending)
    return post


def _content_changed(post: SponsoredPost, actor) -> int:
    """The content has a new digest: earlier approvals stop counting. Returns how many."""
    now = timezone.now()
    voided = Decision.objects.filter(
        post=post, outcome=DecisionOutcome.APPROVED, voided_at__isnull=True
    ).update(voided_at=now, void_reason="content changed")
    if post.status in (PostStatus.APPROVED, PostStatus.SCHEDULED):
        post.status = PostStatus.SUBMITTED
        post.approved_digest = ""
        post.approved_at = post.approval_expires_at = post.scheduled_at = None
        post.submitted_at = now
        post.review_due_at = _due(post, now)
        post.reminded_at = None
        _mail(
            reviewers_for(post),
            _("Changed after approval: %(title)s") % {"title": post.title},
            [
                _(
                    "%(person)s changed “%(title)s” after it was approved. The approval no "
                    "longer counts: the post is back in your queue, with what changed."
                )
                % {"person": actor, "title": post.title}
            ],
            post,
        )
    return voided


def sponsored_posts_account_renamed(*, actor, account) -> int:
    """A brand account's network or handle changed: the posts it publishes now name another
    account than legal approved, so their digest changes and their approvals stop counting,
    as after an edit. Returns how many posts changed digest."""
    changed = 0
    posts = SponsoredPost.objects.filter(brand_account=account).exclude(
        status__in=[PostStatus.PUBLISHED, PostStatus.REJECTED]
    )
    for post in posts.select_for_update(of=("self",)).select_related("brand_account", "author"):
        old_digest = post.content_digest
        post.brand_account = account
        _refresh(post)
        if post.content_digest == old_digest:
            continue
        changed += 1
        post.version += 1
        voided = _content_changed(post, actor)
        post.save()
        audit_record(
            actor=actor,
            verb="sponsored_post.approval_void" if voided else "sponsored_post.redigest",
            target=post,
            before={"digest": old_digest},
            after={"digest": post.content_digest, "voided": voided, "status": post.status},
        )
    return changed


# --- Workflow -------------------------------------------------------------------------------


def _due(post: SponsoredPost, now: datetime) -> datetime:
    due = now + timedelta(days=conf.get("COMPLIANCE_REVIEW_DAYS"))
    return max(min(due, post.planned_at), now)


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


# --- Comments -------------------------------------------------------------------------------


def mentioned_people(body: str):
    User = get_user_model()
    people = {}
    for name in MENTION_RE.findall(body or ""):
        name = name.rstrip(".").lower()
        if "@" in name:
            person = User.objects.filter(email__iexact=name, is_active=True).first()
        else:
            found = list(User.objects.filter(email__istartswith=f"{name}@", is_active=True)[:2])
            person = found[0] if len(found) == 1 else None
        if person is not None:
            people[person.pk] = person
    return list(people.values())


@transaction.atomic
def comment_add(*, actor, post: SponsoredPost, body: str) -> Comment:
    require(actor, "sponsored_post.comment", post)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment.")})
    if len(body) > 5000:
        raise ValidationError({"body": _("At most 5,000 characters.")})
    comment = Comment.objects.create(post=post, author=actor, author_label=str(actor), body=body)
    mentioned = [p for p in mentioned_people(body) if p.pk != actor.pk]
    comment.mentioned.set(mentioned)
    audit_record(
        actor=actor,
        verb="sponsored_post.comment",
        target=post,
        after={"comment": comment.pk, "body": body, "mentioned": [p.pk for p in mentioned]},
    )
    if mentioned:
        _mail(
            mentioned,
            _("%(person)s mentioned you on “%(title)s”") % {"person": actor, "title": post.title},
            [body],
            post,
        )
    return comment


# --- Background work ---------------------------------------------------------------------


def post_check_links(*, post_id: int) -> SponsoredPost | None:
    """Fetch the links of a post that were not checked yet, then run the checks again."""
    from compliance.links import check_url

    post = SponsoredPost.objects.filter(pk=post_id).first()
    if post is None or post.is_final:
        return None
    rules = current_rulebook()
    links = checks_module.all_links(post_content(post), rules.terms("shortener"))
    results = {
        link: check_url(checks_module.link_url(link))
        for link in links
        if link not in post.link_status
    }
    if not results:
        return post
    with transaction.atomic():
        post = SponsoredPost.objects.select_for_update(of=("self",)).get(pk=post_id)
        post.link_status = {**post.link_status, **results}
        _refresh(post)
        post.save(update_fields=["link_status", "checks", "check_errors", "check_warnings"])
    return post


def posts_recheck(*, post_ids=None) -> int:
    """Run the checks again on open posts (after a rule list changed)."""
    queryset = SponsoredPost.objects.filter(status__in=OPEN_STATUSES)
    if post_ids is not None:
        queryset = queryset.filter(pk__in=post_ids)
    count = 0
    for post_id in queryset.values_list("pk", flat=True):
        with transaction.atomic():
            post = SponsoredPost.objects.select_for_update(of=("self",)).get(pk=post_id)
            _refresh(post)
            post.save(update_fields=["link_status", "checks", "check_errors", "check_warnings"])
            count += 1
    return count


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


# --- Offboarding --------------------------------------------------------------------------


def sponsored_post_transfer(*, actor, item: SponsoredPost, new_owner) -> None:
    """riskdesk.ownership: the open posts of someone who leaves go to a colleague."""
    before = {"author": item.author_id}
    item.author = new_owner
    item.save(update_fields=["author"])
    item.reviewers.remove(new_owner)  # the new author may not review their own post
    audit_record(
        actor=actor,
        verb="sponsored_post.transfer",
        target=item,
        before=before,
        after={"author": new_owner.pk},
    )
