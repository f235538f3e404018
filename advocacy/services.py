"""Every change to the advocacy library and its shares.

Each service checks the permission, changes the rows, writes the audit event in the same
transaction and returns the object. A post that needs legal goes through compliance's own
workflow (a SponsoredPost, `clearance`): asking legal creates and submits it, an edit
updates its text through compliance (which voids an approval), and a share asks
compliance again whether the exact current content is cleared.
"""

import re
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import TeamMembership
from advocacy import content, selectors
from advocacy.models import COPY, LINK_ONLY_TARGETS, LibraryPost, LibraryStatus, Share, ShareTarget
from compliance import conf as compliance_conf
from compliance import services as compliance
from compliance.checks import PLATFORM_LIMITS, post_length
from compliance.models import Market, PostStatus
from riskdesk.audit import audit_record, snapshot
from riskdesk.content_hash import content_digest
from riskdesk.mail import absolute_url
from riskdesk.permissions import can, require

FIELDS = ["title", "text", "link", "networks", "markets", "needs_legal"]
AUDIT_FIELDS = [*FIELDS, "status", "content_digest", "clearance"]
MAX_TEXT = 5000
INSTANCE_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# compliance statuses after which the library post goes back to its curator
LEGAL_SENT_BACK = (PostStatus.CHANGES_REQUESTED, PostStatus.REJECTED)


class Conflict(ValidationError):
    """The post is not in a state that allows this (status, legal, freeze): the API says 409."""


class NotReady(ValidationError):
    """The person has not acknowledged the social media policy or lacks its training (403)."""

    def __init__(self, readiness):
        super().__init__(readiness.reason, code="not_ready")
        self.readiness = readiness


# --- Validation ---------------------------------------------------------------------------


def _validate(post: LibraryPost) -> None:
    errors: dict[str, list[str]] = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    post.title = " ".join((post.title or "").split())
    post.text = (post.text or "").strip()
    post.link = (post.link or "").strip()
    if not post.title:
        add("title", _("Give the post a title."))
    elif len(post.title) > 200:
        add("title", _("At most 200 characters."))
    if not post.text:
        add("text", _("Write the text employees will share."))
    elif len(post.text) > MAX_TEXT:
        add("text", _("At most %(max)s characters.") % {"max": MAX_TEXT})
    if post.link:
        try:
            URLValidator(schemes=["http", "https"])(post.link)
        except ValidationError:
            add("link", _("Give an http:// or https:// address."))
        if len(post.link) > 500:
            add("link", _("At most 500 characters."))
    networks = post.networks if isinstance(post.networks, list | tuple) else []
    if not networks or any(n not in ShareTarget.values for n in networks):
        add(
            "networks", _("Choose at least one network.") if not networks else _("Unknown network.")
        )
    else:
        post.networks = [n for n in ShareTarget.values if n in networks]
        if not post.link and any(n in LINK_ONLY_TARGETS for n in post.networks):
            add("link", _("LinkedIn and Facebook share a link: give one, or leave them out."))
    markets = post.markets if isinstance(post.markets, list | tuple) else []
    if not markets or any(m not in Market.values for m in markets):
        add("markets", _("Choose at least one market.") if not markets else _("Unknown market."))
    else:
        post.markets = [m for m in Market.values if m in markets]
    if not errors:
        _check_lengths(post, add)
    if errors:
        raise ValidationError(errors)


def _check_lengths(post: LibraryPost, add) -> None:
    """The shared text (with its tracked link and disclosure) must fit each network."""
    sample_url = absolute_url(reverse("share_redirect", kwargs={"token": "x" * 16}))
    labels = dict(ShareTarget.choices)
    for network in post.networks:
        limit = PLATFORM_LIMITS.get(network, (None, None))[0]
        if limit is None:
            continue
        longest = max(
            post_length(content.shared_text(post, market=m, tracked_url=sample_url), network)
            for m in post.markets
        )
        if longest > limit:
            add(
                "text",
                _(
                    "Too long for %(network)s once the link and the disclosure are added: "
                    "%(length)s characters, at most %(max)s."
                )
                % {"network": labels[network], "length": longest, "max": limit},
            )


def _refresh(post: LibraryPost) -> None:
    post.content_digest = post.compute_digest()
    post.claims = content.find_claims(post)


def _apply(post: LibraryPost, fields: dict) -> None:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"not library post fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(post, name, list(value) if name in ("networks", "markets") else value)


def _lock(post: LibraryPost) -> LibraryPost:
    return (
        LibraryPost.objects.select_for_update(of=("self",))
        .select_related("clearance", "curator")
        .get(pk=post.pk)
    )


# --- The library --------------------------------------------------------------------------


@transaction.atomic
def library_post_create(*, actor, needs_legal: bool = False, **fields) -> LibraryPost:
    require(actor, "library_post.curate")
    post = LibraryPost(curator=actor, status=LibraryStatus.DRAFT, needs_legal=bool(needs_legal))
    _apply(post, fields)
    _validate(post)
    _refresh(post)
    post.save()
    audit_record(
        actor=actor, verb="library_post.create", target=post, after=snapshot(post, AUDIT_FIELDS)
    )
    return post


def _legal_writer(actor) -> None:
    if not can(actor, "sponsored_post.create") or not can(actor, "sponsored_post.change"):
        raise Conflict(
            _(
                "Legal reviews this post through a sponsored post: only someone who may write "
                "sponsored posts (the social team) can ask legal or change what legal reviews."
            ),
            code="legal_writer",
        )


def _legal_fields(post: LibraryPost) -> dict:
    return {
        "title": f"{_('Employee advocacy')}: {post.title}"[:200],
        "text": content.legal_text(post),
        "links": [post.link] if post.link else [],
        "markets": list(post.markets),
    }


@transaction.atomic
def library_post_update(*, actor, post: LibraryPost, version=None, **fields) -> LibraryPost:
    """Change a post. A change to content legal approved voids the approval (compliance)."""
    require(actor, "library_post.curate", post)
    post = _lock(post)
    if post.status == LibraryStatus.RETIRED:
        raise Conflict(_("A retired post cannot be changed."), code="state")
    if version is not None and int(version) != post.version:
        raise Conflict(
            _(
                "Someone changed this post after you opened it. "
                "Reload it and make your changes again."
            ),
            code="stale",
        )
    before = snapshot(post, AUDIT_FIELDS)
    old_digest, old_text = post.content_digest, content.legal_text(post)
    _apply(post, fields)
    if post.clearance_id is not None:
        post.needs_legal = True  # once legal has seen it, unticking the box cannot skip them
    _validate(post)
    _refresh(post)
    if post.content_digest == old_digest and snapshot(post, AUDIT_FIELDS) == before:
        return post
    post.version += 1
    sponsored = post.clearance
    voided = False
    if sponsored is not None and not sponsored.is_final:
        legal = _legal_fields(post)
        if content.legal_text(post) != old_text or sponsored.markets != legal["markets"]:
            _legal_writer(actor)
            was_approved = sponsored.status in (PostStatus.APPROVED, PostStatus.SCHEDULED)
            sponsored = compliance.sponsored_post_update(actor=actor, post=sponsored, **legal)
            voided = was_approved and sponsored.status == PostStatus.SUBMITTED
        post.clearance = sponsored
        if post.status in (LibraryStatus.AVAILABLE, LibraryStatus.WAITING):
            if sponsored.status == PostStatus.SUBMITTED:
                post.status = LibraryStatus.WAITING
            elif sponsored.status in (PostStatus.APPROVED, PostStatus.SCHEDULED):
                post.status = LibraryStatus.AVAILABLE  # the change left legal's content alone
            else:
                post.status = LibraryStatus.DRAFT
    elif post.status in (LibraryStatus.AVAILABLE, LibraryStatus.WAITING) and post.requires_legal:
        post.status = LibraryStatus.DRAFT  # legal must see the new content first
    post.save()
    audit_record(
        actor=actor,
        verb="library_post.update",
        target=post,
        before=before,
        after=snapshot(post, AUDIT_FIELDS),
    )
    if voided:
        audit_record(
            actor=actor,
            verb="library_post.approval_void",
            target=post,
            before={"digest": old_digest},
            after={"digest": post.content_digest, "status": post.status},
        )
    return post


@transaction.atomic
def library_post_ask_legal(*, actor, post: LibraryPost) -> LibraryPost:
    """Send the post to legal's queue as a sponsored post from "Employees (advocacy)"."""
    require(actor, "library_post.curate", post)
    post = _lock(post)
    lapsed = post.status == LibraryStatus.AVAILABLE and post.clearance_id is not None
    if lapsed:
        state = selectors.legal_state(post)
        lapsed = not state["cleared"] and state["reason"] in ("expired", "not_approved")
    if post.status != LibraryStatus.DRAFT and not lapsed:
        raise Conflict(
            _(
                "Only a draft, or a post whose approval has lapsed, goes to legal: "
                "this post is %(status)s."
            )
            % {"status": post.get_status_display().lower()},
            code="state",
        )
    _legal_writer(actor)
    before = snapshot(post, AUDIT_FIELDS)
    planned_at = timezone.now() + timedelta(days=compliance_conf.get("COMPLIANCE_APPROVAL_DAYS"))
    sponsored = post.clearance
    legal = _legal_fields(post)
    if sponsored is None or sponsored.is_final:
        sponsored = compliance.sponsored_post_create(
            actor=actor,
            platform=content.LEGAL_PLATFORM,
            account_kind="partner",
            partner_name=content.LEGAL_PARTNER_NAME,
            partner_handle=content.LEGAL_PARTNER_HANDLE,
            campaign=content.LEGAL_CAMPAIGN,
            planned_at=planned_at,
            **legal,
        )
    elif sponsored.status != PostStatus.SUBMITTED:
        sponsored = compliance.sponsored_post_update(
            actor=actor, post=sponsored, planned_at=planned_at, **legal
        )
    if sponsored.status in (PostStatus.DRAFT, PostStatus.CHANGES_REQUESTED, PostStatus.EXPIRED):
        sponsored = compliance.sponsored_post_submit(actor=actor, post=sponsored)
    post.clearance = sponsored
    post.needs_legal = True
    post.status = LibraryStatus.WAITING
    post.version += 1
    post.save()
    audit_record(
        actor=actor,
        verb="library_post.ask_legal",
        target=post,
        before=before,
        after={**snapshot(post, AUDIT_FIELDS), "sponsored_post": sponsored.pk},
    )
    return post


@transaction.atomic
def library_post_publish(*, actor, post: LibraryPost) -> LibraryPost:
    """Make a draft available to everyone; a post that needs legal must be cleared first."""
    require(actor, "library_post.curate", post)
    post = _lock(post)
    if post.status not in (LibraryStatus.DRAFT, LibraryStatus.WAITING):
        raise Conflict(
            _("This post is %(status)s: it cannot be made available.")
            % {"status": post.get_status_display().lower()},
            code="state",
        )
    if post.requires_legal:
        state = selectors.legal_state(post)
        if state is None or not state["cleared"]:
            why = _("It contains a regulated claim.") if post.claims else ""
            raise Conflict(
                " ".join(
                    filter(
                        None,
                        [
                            _("Legal must approve this post before it is available."),
                            why,
                            state["detail"] if state else _("Ask legal."),
                        ],
                    )
                ),
                code="needs_legal",
            )
    return _make_available(post, actor=actor, verb="library_post.publish")


def _make_available(post: LibraryPost, *, actor, verb: str) -> LibraryPost:
    before = {"status": post.status}
    post.status = LibraryStatus.AVAILABLE
    post.available_at = timezone.now()
    post.version += 1
    post.save()
    audit_record(
        actor=actor,
        verb=verb,
        target=post,
        before=before,
        after={"status": post.status, "digest": post.content_digest},
    )
    return post


@transaction.atomic
def library_post_retire(*, actor, post: LibraryPost) -> LibraryPost:
    require(actor, "library_post.curate", post)
    post = _lock(post)
    if post.status == LibraryStatus.RETIRED:
        raise Conflict(_("This post is already retired."), code="state")
    before = {"status": post.status}
    post.status = LibraryStatus.RETIRED
    post.retired_at = timezone.now()
    post.version += 1
    post.save()
    audit_record(
        actor=actor,
        verb="library_post.retire",
        target=post,
        before=before,
        after={"status": post.status},
    )
    return post


@transaction.atomic
def library_post_delete(*, actor, post: LibraryPost) -> None:
    """Delete a draft nobody shared (retire the others: their shares are history)."""
    require(actor, "library_post.curate", post)
    post = _lock(post)
    if post.status != LibraryStatus.DRAFT or post.shares.exists():
        raise Conflict(_("Only a draft nobody shared can be deleted: retire it."), code="state")
    audit_record(
        actor=actor,
        verb="library_post.delete",
        target=post,
        before=snapshot(post, AUDIT_FIELDS),
    )
    post.delete()


def library_posts_sync() -> list[int]:
    """Legal's decisions reach the library: a post waiting for legal becomes available once
    compliance clears its exact content, and goes back to its curator when legal asks for
    changes or rejects it. Returns the ids changed."""
    changed = []
    waiting = LibraryPost.objects.filter(status=LibraryStatus.WAITING, clearance__isnull=False)
    for post_id in waiting.values_list("pk", flat=True):
        with transaction.atomic():
            post = (
                LibraryPost.objects.select_for_update(of=("self",))
                .select_related("clearance")
                .filter(pk=post_id, status=LibraryStatus.WAITING)
                .first()
            )
            if post is None:
                continue
            state = selectors.legal_state(post)
            if state is not None and state["cleared"]:
                _make_available(post, actor=None, verb="library_post.cleared")
            elif post.clearance.status in LEGAL_SENT_BACK:
                post.status = LibraryStatus.DRAFT
                post.version += 1
                post.save()
                audit_record(
                    actor=None,
                    verb="library_post.sent_back",
                    target=post,
                    before={"status": LibraryStatus.WAITING},
                    after={"status": post.status, "legal": post.clearance.status},
                )
            else:
                continue
            changed.append(post_id)
    return changed


# --- Shares -------------------------------------------------------------------------------


def _instance(value: str) -> str:
    value = (value or "").strip().lower()
    value = re.sub(r"^https?://", "", value).split("/")[0].lstrip("@")
    if "@" in value:  # "@me@mastodon.social": the server is after the last @
        value = value.rsplit("@", 1)[1]
    return value if INSTANCE_RE.match(value) else ""


def tracked_url(share: Share) -> str:
    return absolute_url(reverse("share_redirect", kwargs={"token": share.token}))


def share_url(share: Share) -> str:
    """The network's share address for `share` (empty for a copied text)."""
    return content.share_url(
        share.network, text=share.text, url=tracked_url(share), instance=share.instance
    )


@transaction.atomic
def share_create(
    *, actor, post: LibraryPost, network: str, market: str, instance: str = ""
) -> Share:
    """Share an available post: the text, its tracked link and the disclosure are ours."""
    require(actor, "share.create", post)
    gate = selectors.readiness(actor)
    if not gate.ready:
        raise NotReady(gate)
    post = LibraryPost.objects.select_related("clearance").get(pk=post.pk)
    errors = {}
    if network != COPY and network not in post.networks:
        errors["network"] = _("This post is not for that network.")
    if market not in post.markets:
        errors["market"] = _("Choose one of the post's markets.")
    server = ""
    if network == ShareTarget.MASTODON:
        server = _instance(instance)
        if not server:
            errors["instance"] = _("Give your Mastodon server, e.g. mastodon.social.")
    if errors:
        raise ValidationError(errors)
    blocked = selectors.share_block(post)
    if blocked:
        raise Conflict(blocked, code="blocked")
    membership = (
        TeamMembership.objects.filter(user=actor).select_related("team").order_by("team__name")
    ).first()
    share = Share(
        post=post,
        user=actor,
        team=membership.team if membership else None,
        network=network,
        market=market,
        instance=server,
        post_version=post.version,
        link=post.link,
        token=secrets.token_urlsafe(12),
    )
    share.text = content.shared_text(post, market=market, tracked_url=tracked_url(share))
    share.text_digest = content_digest({"text": share.text})
    share.save()
    audit_record(
        actor=actor,
        verb="share.create",
        target=share,
        after={
            "post": post.pk,
            "version": post.version,
            "network": network,
            "market": market,
            "digest": share.text_digest,
        },
    )
    return share


def share_click(*, token: str) -> str | None:
    """Count a click on a tracked link; the address to send the reader to, or None (404).

    Only ever the post's own stored link: the token names a share, never an address."""
    share = Share.objects.filter(token=token).select_related("post").first()
    if share is None:
        return None
    destination = share.post.link or share.link
    if not destination:
        return None
    Share.objects.filter(pk=share.pk).update(clicks=F("clicks") + 1)
    return destination
