"""What legal reviews on a sponsored post: the one list behind the digest, the void and the diff.

`REVIEWED` names every field the review page shows legal about the post itself
(templates/compliance/post_detail.html: title, text, media, links, network and
publishing account, partner, campaign, markets, planned time, contract). The
canonical content is built from it, the content digest is the SHA-256 of that
content (riskdesk.content_hash), an edit voids the approvals when the digest
changes (services.sponsored_post_update), and the diff shown to legal labels the
same keys. A field added here is covered by all three at once.

Not in it: the workflow around the review (named reviewers, approvals needed,
review due date, author), which legal does not approve but is approved by.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils.translation import gettext_lazy as _

# What a publishing tool holds and can send to the clearance endpoint instead of a digest.
PUBLISHED = ("text", "media", "links", "account", "planned_at")


def account_key(post) -> str:
    """The publishing account as the clearance endpoint and the digest know it."""
    if post.account_kind == "brand" and post.brand_account_id:
        account = post.brand_account
        return f"{account.platform}:@{account.handle.casefold()}"
    return f"{post.platform}:@{(post.partner_handle or '').casefold()}"


def planned_iso(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Reviewed:
    key: str
    label: str
    value: Callable  # (post, media sha256 list) -> JSON value


REVIEWED: tuple[Reviewed, ...] = (
    Reviewed("title", _("Title"), lambda post, media: post.title),
    Reviewed("text", _("Text"), lambda post, media: post.text),
    Reviewed("media", _("Media files"), lambda post, media: media),
    Reviewed("links", _("Links"), lambda post, media: list(post.links)),
    Reviewed("account", _("Publishing account"), lambda post, media: account_key(post)),
    Reviewed("account_kind", _("Published from"), lambda post, media: post.account_kind),
    Reviewed("partner_name", _("Partner or influencer"), lambda post, media: post.partner_name),
    Reviewed("partner_handle", _("Partner's handle"), lambda post, media: post.partner_handle),
    Reviewed("campaign", _("Campaign"), lambda post, media: post.campaign),
    Reviewed("markets", _("Markets"), lambda post, media: list(post.markets)),
    Reviewed(
        "planned_at", _("Planned publication"), lambda post, media: planned_iso(post.planned_at)
    ),
    Reviewed("contract", _("Contract file (SHA-256)"), lambda post, media: post.contract_sha256),
    Reviewed(
        "contract_reference", _("Contract reference"), lambda post, media: post.contract_reference
    ),
    Reviewed(
        "contract_handle",
        _("Handle named in the contract"),
        lambda post, media: post.contract_handle,
    ),
)
LABELS = {field.key: field.label for field in REVIEWED}


def canonical_content(post, media: list | None = None) -> dict:
    """Every reviewed field of `post` as JSON values (media as their SHA-256, in order)."""
    if media is None:
        media = list(post.media.all()) if post.pk else []
    digests = [m.sha256 for m in media]
    return {field.key: field.value(post, digests) for field in REVIEWED}


def published_part(content: dict) -> dict:
    """The part of a canonical content a publishing tool can send (see PUBLISHED)."""
    return {key: content.get(key) for key in PUBLISHED}
