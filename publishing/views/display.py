"""How the pages show a post: per-network previews, legal's reasons, the history's words.

Nothing here reads the network: the preview counts as the publisher counts (a bare instance
of its class, as respond.services.text_problem does) and the link card shows the link's
address, never what is behind it."""

from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from compliance.checks import FOLD, FOLDED_PLATFORMS
from publishing import services
from publishing.models import BrandPost
from respond.publishers import get_publisher

HISTORY_VERBS = {
    "brand_post.create": gettext_lazy("Written"),
    "brand_post.update": gettext_lazy("Changed"),
    "brand_post.schedule": gettext_lazy("Scheduled"),
    "brand_post.unschedule": gettext_lazy("Back to draft"),
    "brand_post.hold": gettext_lazy("Held"),
    "brand_post.release_publish": gettext_lazy("Released: publish now"),
    "brand_post.release_reschedule": gettext_lazy("Released: rescheduled"),
    "brand_post.drop": gettext_lazy("Dropped"),
    "brand_post.sent": gettext_lazy("Published on the network"),
    "brand_post.retry_later": gettext_lazy("Not sent yet: will try again"),
    "brand_post.failed": gettext_lazy("Not published"),
    "brand_post.retry": gettext_lazy("Sent again"),
}
STATUS_BADGES = {
    "draft": "badge--muted",
    "scheduled": "badge--info",
    "held": "badge--warning",
    "published": "badge--success",
    "failed": "badge--danger",
    "dropped": "badge--muted",
}


def network_of(account) -> tuple[str, str]:
    """(code, label) of the network `account` publishes on."""
    brand = account.brand_account
    if brand is not None:
        return brand.platform, brand.get_platform_display()
    return account.platform or account.kind, account.get_platform_display() or account.kind


def link_card(link: str) -> dict | None:
    link = (link or "").strip()
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.removeprefix("www.")
    return {"host": host, "url": link}


def preview(account, body: str) -> dict:
    """`body` as `account`'s network shows it: counted, cut at the fold, over the limit."""
    code, label = network_of(account)
    publisher = get_publisher(account.kind)
    length = publisher.length(object.__new__(publisher), body)
    limit = publisher.max_length or None
    fold = None
    if code in FOLDED_PLATFORMS and len(body) > FOLD:
        fold = {"shown": body[:FOLD], "hidden": body[FOLD:]}
    return {
        "account": account.pk,
        "name": account.name,
        "network": label,
        "network_code": code,
        "body": body,
        "length": length,
        "limit": limit,
        "over": bool(limit and length > limit),
        "over_by": length - limit if limit and length > limit else 0,
        "fold": fold,
        "fold_at": FOLD if code in FOLDED_PLATFORMS else None,
    }


def previews(accounts, text: str, link: str) -> dict:
    body = BrandPost(text=text or "", link=(link or "").strip()).body
    return {
        "body": body,
        "accounts": [preview(account, body) for account in accounts],
        "link": link_card(link),
    }


def legal_labels(
    *, text: str, sponsored: bool, ask_legal: bool, markets, accounts=(), clearance_id=None
) -> list[str]:
    """Why legal must approve the post, in words (the codes of services.legal_reasons)."""
    post = BrandPost(
        text=text or "", sponsored=sponsored, ask_legal=ask_legal, clearance_id=clearance_id
    )
    post.markets = list(markets or [])
    needs = services.legal_needs(post, list(accounts))
    codes = needs.codes
    labels = []
    if "sponsored" in codes:
        labels.append(_("Sponsored"))
    for finding in needs.claims:
        params = finding.get("params", {})
        labels.append(
            _("A regulated claim: “%(term)s” (%(category)s)")
            % {"term": params.get("term", ""), "category": params.get("category", "")}
        )
    for rule in needs.rules:
        labels.append(
            _("A team's rule: %(rule)s (%(team)s)") % {"rule": rule.name, "team": rule.team}
        )
    if "asked" in codes:
        labels.append(_("Asked for"))
    if "reviewed" in codes:
        labels.append(_("Legal has reviewed it: it stays with legal"))
    return labels


def post_legal_labels(post: BrandPost) -> list[str]:
    return legal_labels(
        text=post.text,
        sponsored=post.sponsored,
        ask_legal=post.ask_legal,
        markets=post.markets,
        accounts=[d.account for d in post.deliveries.all()],
        clearance_id=post.clearance_id,
    )


def decorate(post: BrandPost) -> BrandPost:
    """What a chip on the calendar shows: the networks, and legal's state in words."""
    post.networks = [network_of(d.account)[1] for d in post.deliveries.all()]
    post.badge = STATUS_BADGES.get(post.status, "badge--muted")
    if post.needs_legal:
        post.legal_state = (
            post.clearance.get_status_display() if post.clearance else _("not sent to legal yet")
        )
    return post


def history_label(verb: str) -> str:
    return str(HISTORY_VERBS.get(verb, verb))
