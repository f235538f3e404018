"""What employees share: the text legal reads, the text each share carries, the share links.

The person never writes the shared text: it is the library post's text, its tracked link
and the disclosure of the market they chose, put together here, server-side.
"""

from urllib.parse import quote, urlencode

from advocacy import conf
from advocacy.models import ShareTarget
from compliance.content import planned_iso
from compliance.models import Market
from compliance.selectors import regulated_claims

# The compliance post that carries a library post through legal's queue.
LEGAL_PARTNER_NAME = "Employees (advocacy)"
LEGAL_PARTNER_HANDLE = "employees"
LEGAL_PLATFORM = "other"
LEGAL_CAMPAIGN = "Employee advocacy"


def disclosures(markets) -> list[str]:
    """The disclosures of `markets`, each once, in market order."""
    found = []
    for market in Market.values:
        if market in markets and conf.disclosure(market) not in found:
            found.append(conf.disclosure(market))
    return found


def legal_text(post) -> str:
    """The text as employees will share it, for legal: text, link, the markets' disclosures."""
    parts = [post.text.strip()]
    if post.link:
        parts.append(post.link)
    tags = disclosures(post.markets)
    if tags:
        parts.append(" ".join(tags))
    return "\n\n".join(parts)


def legal_published(post, sponsored) -> dict:
    """What compliance.selectors.clearance compares with the content legal approved."""
    return {
        "text": legal_text(post),
        "media": [],
        "links": [post.link] if post.link else [],
        "account": f"{LEGAL_PLATFORM}:@{LEGAL_PARTNER_HANDLE}",
        "planned_at": planned_iso(sponsored.planned_at),
    }


def find_claims(post) -> list[dict]:
    """Regulated claims (health, finance...) compliance's checks find in the text legal reads."""
    return [
        {"term": f["params"].get("term", ""), "category": f["params"].get("category", "")}
        for f in regulated_claims(legal_text(post), post.markets)
    ]


def shared_text(post, *, market: str, tracked_url: str) -> str:
    """The text a share carries: the disclosure is always in it."""
    parts = [post.text.strip()]
    if post.link:
        parts.append(tracked_url)
    parts.append(conf.disclosure(market))
    return "\n\n".join(parts)


def share_url(network: str, *, text: str, url: str, instance: str = "") -> str:
    """The network's own share (intent) address, prefilled."""
    if network == ShareTarget.X:
        return "https://twitter.com/intent/tweet?" + urlencode({"text": text}, quote_via=quote)
    if network == ShareTarget.LINKEDIN:
        return "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url})
    if network == ShareTarget.FACEBOOK:
        return "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})
    if network == ShareTarget.MASTODON:
        return f"https://{instance}/share?" + urlencode({"text": text}, quote_via=quote)
    if network == ShareTarget.BLUESKY:
        return "https://bsky.app/intent/compose?" + urlencode({"text": text}, quote_via=quote)
    return ""
