"""Mastodon: a hashtag timeline, a status search, or the brand account's mentions.

`stream.options` picks the source:

- `{"hashtag": "acme", "any": ["acmeco"]}`: the public tag timeline (the default,
  with the stream's query as the tag);
- `{"mode": "search"}`: `/api/v2/search` for the stream's query (needs an access token);
- `{"mode": "notifications"}`: mentions of the account whose token the credential holds.

The first poll takes the newest page. Later polls ask for what is newer than the
newest id seen (`min_id`): Mastodon then answers with the chunk just above it, so a
burst bigger than a page is read page by page without gaps. Ids are opaque strings
(other servers use non-numeric ones): the connector never compares them, it
takes the newest from the `Link: rel="prev"` header or from `created_at`.
"""

from urllib.parse import parse_qs, quote, urlsplit

import httpx

from monitoring.connectors.base import (
    Connector,
    ConnectorError,
    NormalizedMention,
    Page,
    PermanentError,
    error_text,
    item_label,
    parse_time,
    require_fields,
    skip_reason,
)
from monitoring.connectors.text import html_to_text

PAGE_SIZE = 40  # Mastodon's maximum


class MastodonConnector(Connector):
    name = "mastodon"
    label = "Mastodon"
    platform = "mastodon"
    default_base_url = "https://mastodon.social"
    secret_fields = ("access_token",)
    api_hosts = frozenset({"mastodon.social"})  # another instance: allowed on the credential
    credential_optional = True  # public hashtag timelines need no token

    @property
    def mode(self) -> str:
        return self.options.get("mode") or "hashtag"

    @property
    def hashtag(self) -> str:
        return str(self.options.get("hashtag") or self.query).strip().lstrip("#")

    def fetch(self, cursor: dict) -> Page:
        path, params = self._source()
        since = cursor.get("min_id")
        if since:
            params["min_id"] = since
        response = self.get(path, params=params, headers=self._auth_headers())
        items = self._items(response)

        mentions, problems, seen = [], [], set()
        for item in items:
            try:
                mention = self.normalize(item)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                problems.append(f"{self.label} item {item_label(item)} skipped: {skip_reason(exc)}")
                continue
            if mention is None or mention.external_id in seen:
                continue
            seen.add(mention.external_id)
            mentions.append(mention)

        newest = _newest_id(response, items, since)
        advanced = newest is not None and newest != since
        return Page(
            mentions=mentions,
            cursor={"min_id": newest} if advanced else dict(cursor),
            # Only later polls walk forward: the first one does not dig into the past.
            has_more=bool(since) and advanced and len(items) >= PAGE_SIZE,
            problems=problems,
        )

    def _source(self) -> tuple[str, dict]:
        if self.mode == "search":
            self._require_token("search")
            return "/api/v2/search", {"q": self.query, "type": "statuses", "limit": PAGE_SIZE}
        if self.mode == "notifications":
            self._require_token("notifications")
            return "/api/v1/notifications", {"types[]": "mention", "limit": PAGE_SIZE}
        if self.mode != "hashtag":
            raise PermanentError(
                f"Unknown Mastodon mode {self.mode!r}: use hashtag, search or notifications."
            )
        if not self.hashtag:
            raise PermanentError(
                "Mastodon stream has no hashtag: set options.hashtag or the query."
            )
        params: dict = {"limit": PAGE_SIZE}
        extra = self.options.get("any")
        if extra:
            params["any[]"] = [str(tag).lstrip("#") for tag in extra]
        return f"/api/v1/timelines/tag/{quote(self.hashtag, safe='')}", params

    def _require_token(self, what: str) -> None:
        if not self.secret.get("access_token"):
            raise PermanentError(f"Mastodon {what} needs a credential with an access token.")

    def _auth_headers(self) -> dict:
        token = self.secret.get("access_token")
        return {"Authorization": f"Bearer {token}"} if token else {}

    def _items(self, response: httpx.Response) -> list:
        body = self.parse_json(response)
        if self.mode == "search":
            if not isinstance(body, dict) or not isinstance(body.get("statuses"), list):
                raise self.malformed(response, "expected an object with a list of statuses")
            return body["statuses"]
        if not isinstance(body, list):
            raise self.malformed(response, "expected a list")
        return body

    def normalize(self, item: dict) -> NormalizedMention | None:
        """One timeline/search status or mention notification; None when filtered out."""
        if self.mode == "notifications":
            require_fields(item, "status")
        status = item["status"] if self.mode == "notifications" else item
        original = status.get("reblog") or status  # a boost stands for the post it boosts
        require_fields(original, "id", "created_at", "account")
        account = original["account"]
        require_fields(account, "acct")
        if not isinstance(original.get("content"), str):
            raise KeyError("content")
        published = parse_time(original["created_at"])
        if published is None:
            raise ValueError(f"unreadable created_at {original['created_at']!r}")
        language = original.get("language") or ""
        if self.language and language and language.split("-")[0].lower() != self.language.lower():
            return None

        text = html_to_text(original["content"])
        spoiler = (original.get("spoiler_text") or "").strip()
        if spoiler:
            text = f"{spoiler}\n\n{text}".strip()
        followers = account.get("followers_count")
        return NormalizedMention(
            platform=self.platform,
            external_id=str(original.get("uri") or original["id"]),
            text=text,
            published_at=published,
            author_id=str(account.get("url") or account["acct"]),
            author_handle=self._handle(account),
            author_name=account.get("display_name") or account.get("username") or "",
            author_followers=followers if isinstance(followers, int) else None,
            author_verified=any(
                isinstance(f, dict) and f.get("verified_at") for f in account.get("fields") or []
            ),
            url=original.get("url") or original.get("uri") or "",
            language=language,
            parent_id=self._parent_id(original),
            engagement=sum(
                count
                for count in (
                    original.get("replies_count"),
                    original.get("reblogs_count"),
                    original.get("favourites_count"),
                )
                if isinstance(count, int) and count > 0
            ),
            raw=item,
        )

    def _parent_id(self, status: dict) -> str:
        """The post it replies to, named as riskdesk stores posts: by URI.

        Mastodon gives the instance's own id of the parent and its author's account id. When
        that author lives on the polled instance (in the reply's author or mentions, an acct
        without a domain), the parent's URI is Mastodon's `/users/<name>/statuses/<id>`; for a
        remote parent the instance's id is all there is (it matches no stored post).
        """
        parent = status.get("in_reply_to_id")
        if not parent:
            return ""
        author = str(status.get("in_reply_to_account_id") or "")
        for account in [status.get("account"), *(status.get("mentions") or [])]:
            if not isinstance(account, dict) or str(account.get("id") or "") != author:
                continue
            username = str(account.get("acct") or "").lstrip("@")
            where = urlsplit(str(account.get("url") or ""))
            if username and "@" not in username and where.scheme and where.netloc:
                return f"{where.scheme}://{where.netloc}/users/{username}/statuses/{parent}"
            break
        return str(parent)

    def _handle(self, account: dict) -> str:
        """`@user@domain` for everyone: a local account's acct has no domain, its URL has."""
        acct = str(account["acct"]).lstrip("@")
        if "@" not in acct:
            domain = urlsplit(account.get("url") or "").hostname or urlsplit(self.base_url).hostname
            acct = f"{acct}@{domain}" if domain else acct
        return f"@{acct}"

    def rate_limit(self, response: httpx.Response):
        try:
            remaining = float(response.headers["X-RateLimit-Remaining"])
        except (KeyError, ValueError):
            remaining = None
        # An ISO 8601 timestamp with microseconds, not epoch seconds.
        return remaining, parse_time(response.headers.get("X-RateLimit-Reset"))

    def error_for(self, response: httpx.Response) -> ConnectorError:
        reason = error_text(response)
        if response.status_code == 401:
            message = f"Mastodon refused the access token (401: {reason})."
        elif response.status_code == 404 and self.mode == "hashtag":
            host = urlsplit(self.base_url).netloc
            message = f"{host} knows no hashtag #{self.hashtag} (404: {reason})."
        else:
            return super().error_for(response)
        return PermanentError(message, status_code=response.status_code, body=response.text)


def _newest_id(response: httpx.Response, items: list, since: str | None) -> str | None:
    """The id to ask `min_id` from next time: Link rel="prev", else the latest item.

    A prev link that points where we already are (a server looping its links) is ignored.
    """
    prev = response.links.get("prev", {}).get("url", "")
    linked = parse_qs(urlsplit(prev).query).get("min_id", [None])[0]
    if linked and linked != since:
        return linked
    newest, newest_at = None, None
    for item in items:
        if not isinstance(item, dict) or item.get("id") in (None, ""):
            continue
        at = parse_time(item.get("created_at"))
        # Mastodon lists newest first: keep the first of equal times.
        if newest is None or (at is not None and (newest_at is None or at > newest_at)):
            newest, newest_at = str(item["id"]), at
    return newest
