"""Reddit: the search listing (`/search`, or `/r/{sub}/search` with `options.subreddit`).

The app signs in with OAuth client credentials (client id and secret, HTTP Basic)
at the token endpoint, which in reality lives on www.reddit.com while the API is on
oauth.reddit.com. The access token is kept in the cache for every worker until
shortly before it expires; an API 401 gets one new token and one retry.

Listings come newest first, paged with `after`, and Reddit has no "newer than"
parameter. So the cursor keeps a watermark (`monitoring.connectors.paging`): the
time of the newest item seen and the fullnames at that time. The first poll takes
the newest page only; later polls page down with `after` until they reach an item
already seen (or older), so a re-poll never walks the whole 1,000-item listing.
"""

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from django.utils import timezone

from monitoring.connectors.base import (
    Connector,
    ConnectorError,
    NormalizedMention,
    Page,
    PermanentError,
    body_field,
    epoch,
    error_text,
    require_fields,
    skip_reason,
)
from monitoring.connectors.paging import after_page, is_seen

PAGE_SIZE = 100  # Reddit's maximum
ACCESS_PATH = "/api/v1/access_token"
ACCESS_URL = f"https://www.reddit.com{ACCESS_PATH}"
TOKEN_MARGIN = 300  # seconds before expiry when a token is no longer used
SUBREDDIT = re.compile(r"[A-Za-z0-9_]{2,21}(\+[A-Za-z0-9_]{2,21})*")  # "a+b" searches both
REMOVED = ("[removed]", "[deleted]")


class TokenRejected(PermanentError):
    """The API did not accept the access token (expired, revoked): get a new one, once."""


class RedditConnector(Connector):
    name = "reddit"
    label = "Reddit"
    platform = "reddit"
    default_base_url = "https://oauth.reddit.com"
    secret_fields = ("client_id", "client_secret")
    api_hosts = frozenset({"oauth.reddit.com", "www.reddit.com"})
    grant_refused = "Reddit refused the app's client credentials"  # a 200 with an error code

    @property
    def subreddit(self) -> str:
        name = str(self.options.get("subreddit") or "").strip().strip("/")
        return name.removeprefix("r/")

    @property
    def token_url(self) -> str:
        if self.options.get("token_url"):
            return self.options["token_url"]
        return f"{self.base_url}{ACCESS_PATH}" if self.stream.base_url else ACCESS_URL

    def fetch(self, cursor: dict) -> Page:
        path, params = self._source()
        if cursor.get("page"):
            params["after"] = cursor["page"]
        response = self._search(path, params)
        children, after = self._listing(response)

        mentions, problems, fresh, reached_old = [], [], [], False
        names: set[str] = set()
        for child in children:
            try:
                name, at = identity(child)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                problems.append(f"Reddit item {_item_id(child)} skipped: {skip_reason(exc)}")
                continue
            if is_seen(cursor, at, name):
                reached_old = True
                continue
            if name in names:
                continue
            names.add(name)
            fresh.append((at, name))
            try:
                mentions.append(self.normalize(child))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                problems.append(f"Reddit item {name!r} skipped: {skip_reason(exc)}")

        state, has_more, problem = after_page(cursor, fresh, after, reached_old, self.label)
        return Page(mentions, state, has_more, [*problems, problem] if problem else problems)

    def _source(self) -> tuple[str, dict]:
        if not self.query.strip():
            raise PermanentError("Reddit search needs a query.")
        params = {"q": self.query, "sort": "new", "limit": PAGE_SIZE, "raw_json": 1}
        if not self.subreddit:
            return "/search", params
        if not SUBREDDIT.fullmatch(self.subreddit):
            raise PermanentError(f"{self.subreddit!r} is not a subreddit name.")
        return f"/r/{self.subreddit}/search", params | {"restrict_sr": 1}

    def _listing(self, response: httpx.Response) -> tuple[list, str | None]:
        body = self.parse_json(response)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("children"), list):
            raise self.malformed(response, "expected a Listing with a list of children")
        after = data.get("after")
        return data["children"], after if isinstance(after, str) and after else None

    def normalize(self, child: dict) -> NormalizedMention:
        """A post (t3: title and selftext) or a comment (t1: body)."""
        name, published = identity(child)
        kind, data = child["kind"], child["data"]
        require_fields(data, "permalink")
        if kind == "t3":
            title = data.get("title")
            if not isinstance(title, str) or not title:
                raise KeyError("title")
            body = data.get("selftext") or ""
            text = f"{title}\n\n{body}" if body.strip() and body not in REMOVED else title
            parent, thread = "", name
            counts = (data.get("score"), data.get("num_comments"))
        elif kind == "t1":
            text = data.get("body")
            if not isinstance(text, str):
                raise KeyError("body")
            require_fields(data, "link_id")
            parent, thread = data.get("parent_id") or "", data["link_id"]
            counts = (data.get("score"),)
        else:
            raise ValueError(f"kind {kind!r} is neither a post nor a comment")
        author = data.get("author") or ""
        if author in REMOVED:
            author = ""
        return NormalizedMention(
            platform=self.platform,
            external_id=name,
            text=text,
            published_at=published,
            author_id=(data.get("author_fullname") or "") if author else "",
            author_handle=f"u/{author}" if author else "",
            author_name=author,
            url=f"https://www.reddit.com{data['permalink']}",
            parent_id=parent,
            thread_id=thread,
            engagement=sum(c for c in counts if isinstance(c, int) and c > 0),
            raw=child,
        )

    # --- Access token ---------------------------------------------------------------------

    def _search(self, path: str, params: dict) -> httpx.Response:
        try:
            return self.get(path, params=params, headers=_bearer(self._token()))
        except TokenRejected:
            self.forget_token(self._token_name)
        try:
            return self.get(path, params=params, headers=_bearer(self._token()))
        except TokenRejected as exc:
            raise PermanentError(
                f"{exc.message[:-1]} even with a new token.",
                status_code=exc.status_code,
                body=exc.body,
            ) from exc

    @property
    def _token_name(self) -> str:
        # Per client id: a credential edited to another app must not reuse the old token.
        return f"access:{self.secret.get('client_id', '')}"

    def _token(self) -> str:
        return self.recall_token(self._token_name) or self._new_token()

    def _token_grant(self) -> tuple[tuple[str, str], dict]:
        """The app's id and secret (HTTP Basic) and the grant it asks a token with: its own,
        reading as no one (a publisher acting as a brand account asks another)."""
        client_id, client_secret = self.secret.get("client_id"), self.secret.get("client_secret")
        if not client_id or not client_secret:
            raise PermanentError("Reddit needs a credential with a client id and a client secret.")
        return (client_id, client_secret), {"grant_type": "client_credentials"}

    def _new_token(self) -> str:
        client, grant = self._token_grant()
        response = self.request("POST", self.token_url, auth=client, data=grant)
        body = self.parse_json(response)
        if isinstance(body, dict) and body.get("error") and not body.get("access_token"):
            # Reddit answers some refusals with a 200 and an error code.
            raise PermanentError(
                f"{self.grant_refused} ({body['error']}).",
                status_code=response.status_code,
                body=response.text,
            )
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise self.malformed(response, "a token answer without access_token")
        try:
            lifetime = float(body.get("expires_in"))
        except (TypeError, ValueError):
            lifetime = 3600.0
        ttl = lifetime - TOKEN_MARGIN if lifetime > 2 * TOKEN_MARGIN else lifetime / 2
        self.remember_token(self._token_name, token, ttl)
        return token

    # --- Answers --------------------------------------------------------------------------

    def rate_limit(self, response: httpx.Response):
        try:
            remaining = float(response.headers["x-ratelimit-remaining"])
        except (KeyError, ValueError):
            remaining = None
        try:
            # Seconds until the window ends, not a timestamp.
            reset = timezone.now() + timedelta(seconds=float(response.headers["x-ratelimit-reset"]))
        except (KeyError, ValueError, OverflowError):
            reset = None
        return remaining, reset

    def error_for(self, response: httpx.Response) -> ConnectorError:
        status = response.status_code
        detail = f"{status}: {error_text(response)}"
        kwargs = {"status_code": status, "body": response.text}
        if urlsplit(str(response.request.url)).path.endswith(ACCESS_PATH):
            return PermanentError(
                f"Reddit refused the app's client id and secret ({detail}). Check the credential.",
                **kwargs,
            )
        if status == 401:
            return TokenRejected(f"Reddit did not accept the access token ({detail}).", **kwargs)
        reason = body_field(response, "reason")  # "private", "banned"...
        if status in (403, 404) and self.subreddit and reason:
            return PermanentError(
                f"r/{self.subreddit} cannot be searched: it is {reason} ({detail}).", **kwargs
            )
        return super().error_for(response)


def identity(child) -> tuple[str, datetime]:
    """An item's fullname and creation time, what the watermark is made of."""
    if not isinstance(child, dict) or not isinstance(child.get("data"), dict):
        raise TypeError("not a listing item")
    data = child["data"]
    require_fields(data, "created_utc")
    name = data.get("name") or f"{child['kind']}_{data['id']}"
    at = epoch(data["created_utc"])
    if at is None:
        raise ValueError(f"unreadable created_utc {data['created_utc']!r}")
    return str(name), at


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _item_id(item) -> str:
    data = item.get("data") if isinstance(item, dict) else None
    if not isinstance(data, dict):
        return "(not an object)"
    return repr(data.get("name") or data.get("id"))
