"""Writing, scheduling and releasing the brand's posts (see publishing.services)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.models import AccountKind, Market, SponsoredPost
from connections.models import ConnectedAccount
from inbox.models import ReplyState
from incidents import freeze as freezes
from publishing.models import BrandPost, Delivery, HoldReason, PostStatus
from publishing.selectors import accounts_of
from publishing.services.legal import clearance_sync, frozen_detail, hold_for, legal_reasons
from respond.publishers import get_publisher, publishes
from respond.services import text_problem
from riskdesk.audit import audit_record, snapshot
from riskdesk.jobs import enqueue_on_commit
from riskdesk.permissions import can, require

FIELDS = ["title", "text", "link", "scheduled_at", "sponsored", "ask_legal", "markets"]
AUDIT_FIELDS = [*FIELDS, "status", "version"]
MAX_TEXT = 10_000


def account_problem(actor, account: ConnectedAccount, body: str) -> str | None:
    """Why `actor` cannot publish `body` as `account`, or None."""
    if not can(actor, "connected_account.act", account):
        return _("You may not publish as %(account)s.") % {"account": account}
    if account.brand_account_id is None or not publishes(account.kind):
        return _("%(account)s does not publish for a brand account.") % {"account": account}
    publisher = get_publisher(account.kind)
    if not publisher.can_publish:
        return _("riskdesk cannot publish posts on %(network)s.") % {"network": publisher.label}
    return text_problem(account, body, private=False)


def _validate(actor, post: BrandPost, accounts: list, *, time_changed: bool) -> None:
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(str(message))

    post.title = " ".join((post.title or "").split())
    post.link = (post.link or "").strip()
    if not post.title:
        add("title", _("Give the post a title for the calendar."))
    elif len(post.title) > 200:
        add("title", _("At most 200 characters."))
    if not (post.text or "").strip():
        add("text", _("Write the text of the post."))
    elif len(post.text) > MAX_TEXT:
        add("text", _("At most %(max)s characters.") % {"max": MAX_TEXT})
    markets = post.markets if isinstance(post.markets, list | tuple) else []
    if any(m not in Market.values for m in markets):
        add("markets", _("Unknown market."))
    post.markets = [m for m in Market.values if m in markets]
    if time_changed and post.scheduled_at is not None and post.scheduled_at <= timezone.now():
        add("scheduled_at", _("Choose a time in the future."))
    if not accounts:
        add("accounts", _("Choose at least one account to publish as."))
    for account in accounts:
        problem = account_problem(actor, account, post.body)
        if problem:
            add("accounts", problem)
    post.legal_reasons = legal_reasons(post, accounts)
    if post.legal_reasons:
        if len(accounts) > 1:
            add(
                "accounts",
                _(
                    "Legal approves a post for one account: this one needs legal's approval, "
                    "so write one post per account."
                ),
            )
        if not post.markets:
            add("markets", _("Legal needs the markets this post is for."))
    if errors:
        raise ValidationError(errors)


# --- Write and schedule ---------------------------------------------------------------


def _apply(post: BrandPost, fields: dict) -> None:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"not brand post fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(post, name, value)


def _set_accounts(post: BrandPost, accounts: list) -> None:
    wanted = {a.pk for a in accounts}
    sent = post.deliveries.exclude(state=ReplyState.QUEUED, attempts=0)
    if sent.exclude(account_id__in=wanted).exists():
        raise ValidationError({"accounts": _("An account it was already sent to stays.")})
    post.deliveries.filter(state=ReplyState.QUEUED, attempts=0).exclude(
        account_id__in=wanted
    ).delete()
    have = set(post.deliveries.values_list("account_id", flat=True))
    for account in accounts:
        if account.pk not in have:
            Delivery.objects.create(post=post, account=account, next_attempt_at=post.scheduled_at)


@transaction.atomic
def post_create(*, actor, accounts, schedule: bool = False, **fields) -> BrandPost:
    """A new post: a draft, or scheduled at once (`schedule`) when it has a time."""
    require(actor, "brand_post.write")
    post = BrandPost(author=actor, markets=[])
    _apply(post, fields)
    accounts = list(accounts)
    _validate(actor, post, accounts, time_changed=True)
    post.save()
    _set_accounts(post, accounts)
    audit_record(
        actor=actor,
        verb="brand_post.create",
        target=post,
        after={**snapshot(post, AUDIT_FIELDS), "accounts": sorted(a.pk for a in accounts)},
    )
    if schedule:
        post = post_schedule(actor=actor, post=post)
    return post


@transaction.atomic
def post_from_review(*, actor, review: SponsoredPost, account: ConnectedAccount) -> BrandPost:
    """Put a sponsored post from compliance on the calendar, as `account` at its planned
    time. Legal's review stays its clearance: what legal approved is what goes out."""
    require(actor, "brand_post.write")
    review = SponsoredPost.objects.select_for_update(of=("self",)).get(pk=review.pk)
    problem = None
    if BrandPost.objects.filter(clearance=review).exists():
        problem = _("This sponsored post is already on the calendar.")
    elif review.is_final:
        problem = _("A %(status)s post cannot be published.") % {
            "status": review.get_status_display().lower()
        }
    elif review.account_kind != AccountKind.BRAND or review.brand_account_id != (
        account.brand_account_id
    ):
        problem = _("It is published from another account than %(account)s.") % {"account": account}
    elif review.media.exists():
        problem = _("riskdesk publishes text posts; this one has media: publish it by hand.")
    elif len(review.links) > 1:
        problem = _("riskdesk publishes one link a post; this one has several.")
    if problem:
        raise ValidationError(problem)
    post = BrandPost(
        author=actor,
        title=review.title,
        text=review.text,
        link=review.links[0] if review.links else "",
        scheduled_at=review.planned_at,
        sponsored=True,
        markets=list(review.markets),
        clearance=review,
        status=PostStatus.SCHEDULED,
    )
    _validate(actor, post, [account], time_changed=True)
    post.save()
    _set_accounts(post, [account])
    audit_record(
        actor=actor,
        verb="brand_post.create",
        target=post,
        after={**snapshot(post, AUDIT_FIELDS), "accounts": [account.pk], "review": review.pk},
    )
    return post


def lock(post: BrandPost) -> BrandPost:
    return (
        BrandPost.objects.select_for_update(of=("self",))
        .select_related("clearance", "author")
        .get(pk=post.pk)
    )


@transaction.atomic
def post_update(
    *, actor, post: BrandPost, version: int | None = None, accounts=None, **fields
) -> BrandPost:
    """Change a post. A delivery being sent keeps the version it took; legal's approval
    stops counting when what legal reviewed changes (the post goes back to legal)."""
    require(actor, "brand_post.write", post)
    post = lock(post)
    if not post.is_editable:
        raise ValidationError(
            _("A %(status)s post cannot be changed.") % {"status": post.get_status_display()}
        )
    if version is not None and int(version) != post.version:
        raise ValidationError(
            _("Someone changed this post after you opened it. Reload it and change it again."),
            code="stale",
        )
    before = snapshot(post, AUDIT_FIELDS)
    old_time = post.scheduled_at
    _apply(post, fields)
    accounts = list(accounts) if accounts is not None else accounts_of(post)
    before["accounts"] = sorted(a.pk for a in accounts_of(post))
    _validate(actor, post, accounts, time_changed=post.scheduled_at != old_time)
    after = {**snapshot(post, AUDIT_FIELDS), "accounts": sorted(a.pk for a in accounts)}
    if after == before:
        return post
    post.version += 1
    if post.scheduled_at is None and post.status == PostStatus.SCHEDULED:
        post.status = PostStatus.DRAFT
    post.save()
    _set_accounts(post, accounts)
    post.deliveries.filter(state=ReplyState.QUEUED).update(next_attempt_at=post.scheduled_at)
    if post.clearance_id and post.status != PostStatus.DRAFT:
        clearance_sync(actor, post)
    audit_record(
        actor=actor,
        verb="brand_post.update",
        target=post,
        before=before,
        after=snapshot(post, AUDIT_FIELDS) | {"accounts": after["accounts"]},
    )
    return post


@transaction.atomic
def post_schedule(*, actor, post: BrandPost) -> BrandPost:
    """Put a draft on the calendar at its time; one that needs legal goes to legal too."""
    require(actor, "brand_post.write", post)
    post = lock(post)
    if post.status not in (PostStatus.DRAFT, PostStatus.FAILED):
        raise ValidationError(_("Only a draft can be scheduled."))
    if post.scheduled_at is None:
        raise ValidationError({"scheduled_at": _("Choose when to publish it.")})
    accounts = accounts_of(post)
    _validate(actor, post, accounts, time_changed=True)
    post.status = PostStatus.SCHEDULED
    post.version += 1
    post.save()
    post.deliveries.filter(state__in=[ReplyState.QUEUED, ReplyState.FAILED]).update(
        state=ReplyState.QUEUED, next_attempt_at=post.scheduled_at, error=""
    )
    if post.legal_reasons:
        clearance_sync(actor, post)
    audit_record(
        actor=actor,
        verb="brand_post.schedule",
        target=post,
        after={"scheduled_at": post.scheduled_at, "legal": post.legal_reasons},
    )
    return post


@transaction.atomic
def post_unschedule(*, actor, post: BrandPost) -> BrandPost:
    """Back to a draft: nothing goes out until it is scheduled again."""
    require(actor, "brand_post.write", post)
    post = lock(post)
    if post.status not in (PostStatus.SCHEDULED, PostStatus.HELD):
        raise ValidationError(_("Only a scheduled or held post can go back to draft."))
    if post.deliveries.filter(state=ReplyState.SENDING).exists():
        raise ValidationError(_("It is being sent right now."))
    before = {"status": post.status}
    post.status = PostStatus.DRAFT
    clear_hold(post)
    post.version += 1
    post.save()
    audit_record(actor=actor, verb="brand_post.unschedule", target=post, before=before)
    return post


def hold(post: BrandPost, reason: str, detail: str, freeze=None) -> None:
    post.status, post.held_reason, post.held_detail = PostStatus.HELD, reason, detail[:500]
    post.held_freeze = freeze if reason == HoldReason.FROZEN else None
    post.held_at = timezone.now()
    post.save(update_fields=["status", "held_reason", "held_detail", "held_freeze", "held_at"])
    audit_record(
        actor=None,
        verb="brand_post.hold",
        target=post,
        after={"reason": reason, "detail": post.held_detail, "freeze": getattr(freeze, "pk", None)},
    )


def clear_hold(post: BrandPost) -> None:
    post.held_reason, post.held_detail, post.held_freeze, post.held_at = "", "", None, None


def posts_hold_frozen() -> list[int]:
    """While a freeze is active, every scheduled post shows as held, with the incident."""
    freeze = freezes.current_freeze()
    if freeze is None:
        return []
    held = []
    for post_id in BrandPost.objects.filter(status=PostStatus.SCHEDULED).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            post = (
                BrandPost.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=post_id, status=PostStatus.SCHEDULED)
                .first()
            )
            if post is None or post.deliveries.filter(state=ReplyState.SENDING).exists():
                continue
            hold(post, HoldReason.FROZEN, frozen_detail(freeze), freeze)
            held.append(post.pk)
    return held


class Release:
    PUBLISH = "publish"
    RESCHEDULE = "reschedule"
    DROP = "drop"
    CHOICES = (PUBLISH, RESCHEDULE, DROP)


@transaction.atomic
def post_release(
    *, actor, post: BrandPost, decision: str, when: datetime | None = None
) -> BrandPost:
    """Decide on a held post: publish it (now, or at its time when a freeze held it before
    that; legal approved that time), if nothing holds it any more; reschedule it (a post
    for legal goes back to legal for the new time); or drop it."""
    require(actor, "brand_post.write", post)
    post = lock(post)
    if post.status != PostStatus.HELD:
        raise ValidationError(_("This post is not held."))
    if decision not in Release.CHOICES:
        raise ValidationError({"decision": _("Choose publish, reschedule or drop.")})
    before = {"status": post.status, "held": post.held_reason, "scheduled_at": post.scheduled_at}
    if decision == Release.DROP:
        post.status = PostStatus.DROPPED
        clear_hold(post)
        post.save()
        audit_record(actor=actor, verb="brand_post.drop", target=post, before=before)
        return post
    if decision == Release.RESCHEDULE:
        if when is None:
            raise ValidationError({"when": _("Choose the new time.")})
        post.scheduled_at = when
        _validate(actor, post, accounts_of(post), time_changed=True)
        post.version += 1
    else:
        _validate(actor, post, accounts_of(post), time_changed=False)
        for account in accounts_of(post):
            reason, detail = hold_for(post, account)
            if reason:
                raise ValidationError(
                    _("It is still held: %(reason)s. %(detail)s")
                    % {"reason": HoldReason(reason).label, "detail": detail}
                )
    post.status = PostStatus.SCHEDULED
    clear_hold(post)
    post.save()
    due = max(post.scheduled_at, timezone.now())
    post.deliveries.filter(state=ReplyState.QUEUED).update(next_attempt_at=due)
    if decision == Release.RESCHEDULE and post.legal_reasons:
        clearance_sync(actor, post)
    audit_record(
        actor=actor,
        verb=f"brand_post.release_{decision}",
        target=post,
        before=before,
        after={"status": post.status, "scheduled_at": post.scheduled_at},
    )
    if decision == Release.PUBLISH and post.is_due:
        for delivery_id in post.deliveries.filter(state=ReplyState.QUEUED).values_list(
            "pk", flat=True
        ):
            enqueue(delivery_id)
    return post


@transaction.atomic
def delivery_retry(*, actor, delivery: Delivery) -> Delivery:
    """Send a failed delivery again, after the person fixed what stopped it."""
    post = lock(delivery.post)
    require(actor, "brand_post.write", post)
    delivery = Delivery.objects.select_for_update().select_related("account").get(pk=delivery.pk)
    if delivery.state != ReplyState.FAILED:
        raise ValidationError(_("Only a failed delivery can be sent again."))
    problem = account_problem(actor, delivery.account, post.body)
    if problem:
        raise ValidationError(problem)
    delivery.state, delivery.next_attempt_at, delivery.error = ReplyState.QUEUED, timezone.now(), ""
    delivery.save(update_fields=["state", "next_attempt_at", "error"])
    post.status = PostStatus.SCHEDULED
    post.save(update_fields=["status"])
    audit_record(actor=actor, verb="brand_post.retry", target=post, after={"delivery": delivery.pk})
    enqueue(delivery.pk)
    return delivery


def enqueue(delivery_id: int) -> None:
    enqueue_on_commit("publishing.tasks.send_delivery", (delivery_id,), robust=True)
