"""Bluesky: the AT Protocol post search (`app.bsky.feed.searchPosts`, newest first).

The credential holds a handle (or email) and an app password. The connector signs
in once and keeps the session in the cache for every worker: `createSession` allows
about 30 calls in 5 minutes, so a poll never signs in again while the session
lasts. An expired access token is refreshed (or, failing that, a new session
created) and the search retried once.

The cursor keeps the time of the newest post seen (`since`, which Bluesky reads
inclusively, and the uris at that time so they are not read twice). The first poll
takes the newest page only; later polls page down with the search cursor until
they reach posts already seen.
"""

from datetime import UTC, datetime

import httpx

from monitoring.connectors.base import (
    Connector,
    ConnectorError,
    NormalizedMention,
    Page,
    PermanentError,
    body_field,
    epoch,
    error_text,
    item_label,
    parse_time,
    require_fields,
    skip_reason,
)
from monitoring.connectors.paging import after_page, is_seen

PAGE_SIZE = 100  # searchPosts' maximum
SESSION_TTL = 24 * 3600  # access tokens last about 2 hours, refresh tokens for weeks
CREATE_SESSION = "/xrpc/com.atproto.server.createSession"
REFRESH_SESSION = "/xrpc/com.atproto.server.refreshSession"
SEARCH_POSTS = "/xrpc/app.bsky.feed.searchPosts"


class SessionRejected(PermanentError):
    """The access or refresh token is expired or invalid: sign in again, once."""


class BlueskyConnector(Connector):
    name = "bluesky"
    label = "Bluesky"
    platform = "bluesky"
    default_base_url = "https://bsky.social"
    secret_fields = ("identifier", "app_password")
    api_hosts = frozenset({"bsky.social", "public.api.bsky.app", "api.bsky.app"})

    def fetch(self, cursor: dict) -> Page:
        if not self.query.strip():
            raise PermanentError("Bluesky search needs a query.")
        params = {"q": self.query, "sort": "latest", "limit": PAGE_SIZE}
        if self.language:
            params["lang"] = self.language
        newest = parse_time(cursor.get("newest"))
        if newest:
            # Milliseconds, rounded down: `since` is inclusive, so nothing is lost.
            params["since"] = newest.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if cursor.get("page"):
            params["cursor"] = cursor["page"]
        response = self._search(params)

        body = self.parse_json(response)
        if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
            raise self.malformed(response, "expected an object with a list of posts")
        mentions, problems, fresh, reached_old = [], [], [], False
        for post in body["posts"]:
            try:
                mention = self.normalize(post)
                at = sort_at(post) or mention.published_at
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                problems.append(
                    f"Bluesky post {item_label(post, 'uri')} skipped: {skip_reason(exc)}"
                )
                continue
            if is_seen(cursor, at, mention.external_id):
                reached_old = True
                continue
            fresh.append((at, mention.external_id))
            mentions.append(mention)
        token = body.get("cursor") if isinstance(body.get("cursor"), str) else None
        state, has_more, problem = after_page(cursor, fresh, token, reached_old, self.label)
        return Page(mentions, state, has_more, [*problems, problem] if problem else problems)

    def normalize(self, post: dict) -> NormalizedMention:
        require_fields(post, "uri", "author", "record")
        author, record = post["author"], post["record"]
        require_fields(author, "did", "handle")
        if not isinstance(record.get("text"), str):
            raise KeyError("record.text")
        published = parse_time(record.get("createdAt")) or parse_time(post.get("indexedAt"))
        if published is None:
            raise ValueError(f"unreadable createdAt {record.get('createdAt')!r}")
        uri, did, handle = post["uri"], author["did"], author["handle"]
        # A handle that no longer resolves reads "handle.invalid"; the DID always links.
        profile = did if handle == "handle.invalid" else handle
        reply = record.get("reply") or {}
        langs = record.get("langs")
        verification = author.get("verification") or {}
        return NormalizedMention(
            platform=self.platform,
            external_id=uri,
            text=record["text"],
            published_at=published,
            author_id=did,
            author_handle=did if profile == did else f"@{handle}",
            author_name=author.get("displayName") or "",
            author_verified=verification.get("verifiedStatus") == "valid",
            url=f"https://bsky.app/profile/{profile}/post/{uri.rsplit('/', 1)[-1]}",
            language=langs[0] if isinstance(langs, list) and langs else "",
            parent_id=(reply.get("parent") or {}).get("uri") or "",
            thread_id=(reply.get("root") or {}).get("uri") or uri,
            engagement=sum(
                count
                for count in (
                    post.get(name)
                    for name in ("replyCount", "repostCount", "likeCount", "quoteCount")
                )
                if isinstance(count, int) and count > 0
            ),
            raw=post,
        )

    # --- Session ------------------------------------------------------------------------

    def _search(self, params: dict) -> httpx.Response:
        session = self._session()
        try:
            return self.get(SEARCH_POSTS, params=params, headers=_bearer(session["accessJwt"]))
        except SessionRejected:
            session = self._renew(session)
        try:
            return self.get(SEARCH_POSTS, params=params, headers=_bearer(session["accessJwt"]))
        except SessionRejected as exc:
            raise PermanentError(
                f"{exc.message} Signing in again did not help.",
                status_code=exc.status_code,
                body=exc.body,
            ) from exc

    @property
    def _session_name(self) -> str:
        # Per identifier: a credential edited to another account must not reuse the old session.
        return f"session:{self.secret.get('identifier', '')}"

    def _session(self) -> dict:
        return self.recall_token(self._session_name) or self._create_session()

    def _create_session(self) -> dict:
        identifier, password = self.secret.get("identifier"), self.secret.get("app_password")
        if not identifier or not password:
            raise PermanentError("Bluesky credential needs an identifier and an app password.")
        response = self.request(
            "POST", CREATE_SESSION, json={"identifier": identifier, "password": password}
        )
        return self._keep(response)

    def _renew(self, session: dict) -> dict:
        self.forget_token(self._session_name)
        try:
            response = self.request(
                "POST", REFRESH_SESSION, headers=_bearer(session.get("refreshJwt", ""))
            )
        except SessionRejected:
            return self._create_session()
        return self._keep(response)

    def _keep(self, response: httpx.Response) -> dict:
        body = self.parse_json(response)
        if not isinstance(body, dict) or not all(
            isinstance(body.get(key), str) and body[key] for key in ("accessJwt", "refreshJwt")
        ):
            raise self.malformed(response, "a session without accessJwt and refreshJwt")
        session = {key: body[key] for key in ("accessJwt", "refreshJwt")}
        # Who signed in: a publisher writes to this repository and links to this profile.
        session |= {key: body[key] for key in ("did", "handle") if isinstance(body.get(key), str)}
        self.remember_token(self._session_name, session, SESSION_TTL)
        return session

    # --- Answers ------------------------------------------------------------------------

    def rate_limit(self, response: httpx.Response):
        try:
            remaining = float(response.headers["RateLimit-Remaining"])
        except (KeyError, ValueError):
            remaining = None
        return remaining, epoch(response.headers.get("RateLimit-Reset"))

    def error_for(self, response: httpx.Response) -> ConnectorError:
        name = body_field(response, "error")
        status = f"{response.status_code} {name}" if name else str(response.status_code)
        detail = f"{status}: {error_text(response)}"
        path = response.request.url.path
        kwargs = {"status_code": response.status_code, "body": response.text}
        if path.endswith(CREATE_SESSION):
            return PermanentError(
                f"Bluesky refused to sign in as {self.secret.get('identifier')!r} ({detail}). "
                "Check the identifier and the app password.",
                **kwargs,
            )
        if name in ("ExpiredToken", "InvalidToken"):
            return SessionRejected(f"Bluesky did not accept the session ({detail}).", **kwargs)
        if path.endswith(SEARCH_POSTS) and response.status_code == 400:
            return PermanentError(
                f"Bluesky rejected the search {self.query!r} ({detail}).", **kwargs
            )
        return super().error_for(response)


def sort_at(post: dict) -> datetime | None:
    """The time Bluesky sorts and filters by: the earlier of createdAt and indexedAt."""
    times = [
        t
        for t in (
            parse_time((post.get("record") or {}).get("createdAt")),
            parse_time(post.get("indexedAt")),
        )
        if t is not None
    ]
    return min(times).astimezone(UTC) if times else None


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
