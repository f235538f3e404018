"""Creating and editing sponsored posts; an edit after approval voids the approval.

Each service checks the permission, changes the rows, writes the audit event in
the same transaction and returns the object. Rows are locked (SELECT … FOR
UPDATE) before they are compared, so an edit and a decision cannot cross: a
decision names the content digest it was taken on and is refused when the post
no longer has it; an edit after approval voids the approval and sends the post
back to legal.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance import conf
from compliance.models import (
    AccountKind,
    ApprovalRule,
    Decision,
    DecisionOutcome,
    Market,
    PostStatus,
    SponsoredPost,
)
from compliance.services.checking import _queue_link_check, _refresh
from compliance.services.mail import _mail, reviewers_for
from compliance.services.uploads import (
    _check_uploads,
    _delete_after_commit,
    _save_contract,
    _save_media,
    _Stored,
)
from riskdesk.audit import audit_record, snapshot
from riskdesk.networks import Platform
from riskdesk.permissions import require

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


class Conflict(ValidationError):
    """The post is not in a state that allows this (stale digest, freeze, wrong status).

    The API answers 409 with the message; pages show it like any other error.
    """


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


def _due(post: SponsoredPost, now: datetime) -> datetime:
    due = now + timedelta(days=conf.get("COMPLIANCE_REVIEW_DAYS"))
    return max(min(due, post.planned_at), now)


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
