"""Mastodon's JSON as the demo network and the test fake send it: accounts and statuses."""

import html
import re
import zlib
from datetime import UTC, datetime

DOMAIN = "demo.riskdesk.local"


# --- Mastodon JSON ---------------------------------------------------------------------


def iso(moment: float | datetime) -> str:
    """Mastodon's timestamps: UTC with milliseconds."""
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def account_id(acct: str) -> str:
    return str(100_000_000 + zlib.crc32(acct.encode()))


def split_acct(acct: str) -> tuple[str, str]:
    username, _, domain = acct.lstrip("@").partition("@")
    return username, domain or DOMAIN


def acct_of(username: str, domain: str) -> str:
    """Mastodon's `acct`: the bare username for local accounts, user@domain for others."""
    return username if domain == DOMAIN else f"{username}@{domain}"


def account_json(
    acct: str,
    display_name: str = "",
    followers: int = 0,
    *,
    verified_site: str | None = None,
    created_at: str = "2022-11-05T00:00:00.000Z",
) -> dict:
    username, domain = split_acct(acct)
    fields = []
    if verified_site:
        link = f'<a href="https://{verified_site}" rel="nofollow noopener me">{verified_site}</a>'
        fields.append({"name": "Website", "value": link, "verified_at": created_at})
    return {
        "id": account_id(acct_of(username, domain)),
        "username": username,
        "acct": acct_of(username, domain),
        "display_name": display_name or username,
        "url": f"https://{domain}/@{username}",
        "uri": f"https://{domain}/users/{username}",
        "bot": False,
        "locked": False,
        "created_at": created_at,
        "note": "",
        "avatar": f"https://{DOMAIN}/avatars/original/missing.png",
        "followers_count": followers,
        "following_count": followers // 7 + 3,
        "statuses_count": followers // 3 + 12,
        "fields": fields,
    }


_MENTIONS = re.compile(r"@\w+(?:@[\w-]+(?:\.[\w-]+)+)?")
_TOKENS = re.compile(rf"(https?://\S+|#\w+|{_MENTIONS.pattern})")


def to_html(text: str) -> str:
    """Plain text as Mastodon renders it: paragraphs, line breaks, linked tags and mentions."""
    paragraphs = []
    for paragraph in text.strip().split("\n\n"):
        lines = [
            "".join(_linked(part) for part in _TOKENS.split(line)) for line in paragraph.split("\n")
        ]
        paragraphs.append(f"<p>{'<br />'.join(lines)}</p>")
    return "".join(paragraphs)


def _linked(part: str) -> str:
    if part.startswith("#") and len(part) > 1:
        tag = part[1:]
        return (
            f'<a href="https://{DOMAIN}/tags/{html.escape(tag.lower())}" class="mention hashtag" '
            f'rel="tag">#<span>{html.escape(tag)}</span></a>'
        )
    if part.startswith("@") and len(part) > 1:
        username, domain = split_acct(part)
        return (
            f'<span class="h-card" translate="no"><a href="https://{domain}/@{username}" '
            f'class="u-url mention">@<span>{html.escape(username)}</span></a></span>'
        )
    if part.startswith(("http://", "https://")):
        url = part.rstrip(".,;:!?)")
        scheme, rest = url.split("://", 1)
        shown, hidden = rest[:30], rest[30:]
        spans = (
            f'<span class="invisible">{scheme}://</span>'
            f'<span class="{"ellipsis" if hidden else ""}">{html.escape(shown)}</span>'
            f'<span class="invisible">{html.escape(hidden)}</span>'
        )
        link = (
            f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener" translate="no">'
        )
        return f"{link}{spans}</a>{html.escape(part[len(url) :])}"
    return html.escape(part, quote=False)


def status_json(
    *,
    id: str,
    account: dict,
    text: str = "",
    content: str | None = None,
    created_at: float | datetime,
    language: str | None = "en",
    spoiler_text: str = "",
    in_reply_to: dict | None = None,
    reblog: dict | None = None,
    counts: tuple[int, int, int] = (0, 0, 0),
    visibility: str = "public",
) -> dict:
    """A status as Mastodon sends it. `text` is rendered to HTML unless `content` is given."""
    if content is None:
        content = "" if reblog else to_html(text)
    tags = [] if reblog else sorted({t.lower() for t in re.findall(r"#(\w+)", text)})
    mentions = [] if reblog else [_mention(m) for m in dict.fromkeys(_MENTIONS.findall(text))]
    return {
        "id": id,
        "uri": f"{account['uri']}/statuses/{id}",
        "url": None if reblog else f"{account['url']}/{id}",
        "created_at": iso(created_at),
        "edited_at": None,
        "account": account,
        "content": content,
        "spoiler_text": spoiler_text,
        "sensitive": bool(spoiler_text),
        "visibility": visibility,
        "language": None if reblog else language,
        "in_reply_to_id": in_reply_to["id"] if in_reply_to else None,
        "in_reply_to_account_id": in_reply_to["account"]["id"] if in_reply_to else None,
        "replies_count": counts[0],
        "reblogs_count": counts[1],
        "favourites_count": counts[2],
        "reblog": reblog,
        "mentions": mentions,
        "tags": [{"name": t, "url": f"https://{DOMAIN}/tags/{t}"} for t in tags],
        "emojis": [],
        "media_attachments": [],
        "card": None,
        "poll": None,
    }


def _mention(handle: str) -> dict:
    username, domain = split_acct(handle)
    acct = acct_of(username, domain)
    return {
        "id": account_id(acct),
        "username": username,
        "acct": acct,
        "url": f"https://{domain}/@{username}",
    }
