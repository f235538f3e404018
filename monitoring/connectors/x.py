"""X (Twitter): API v2 recent search (`/2/tweets/search/recent`, the last seven days).

Every request carries the app's bearer token. Results come newest first. The first
poll takes the newest page only: like the other connectors it does not dig into the
past (every post read counts against X's monthly cap). Later polls ask for what is
newer than the newest id seen (`since_id`) and page down with `next_token` until it
is absent; the newest id of the run's first page becomes the next `since_id` once
the run ends, so an interrupted run resumes where it was.

Cursor between runs: `{"since_id"}`; while a run pages down, also `next_token`,
`newest_id` (the run's newest) and `tokens` (asked so far, to notice a loop).
"""

from datetime import timedelta

import httpx
from django.utils import timezone

from monitoring.connectors.base import (
    Connector,
    ConnectorError,
    NormalizedMention,
    Page,
    PermanentError,
    RateLimited,
    body_field,
    epoch,
    error_text,
    item_label,
    parse_time,
    require_fields,
    skip_reason,
)

SEARCH = "/2/tweets/search/recent"
PAGE_SIZE = 100  # recent search's maximum
EXPANSIONS = "author_id"
TWEET_FIELDS = (
    "created_at,lang,author_id,conversation_id,public_metrics,referenced_tweets,note_tweet"
)
USER_FIELDS = "username,name,verified,verified_type,public_metrics"
ENGAGEMENT = ("retweet_count", "reply_count", "like_count", "quote_count")
USAGE_CAP_WAIT = timedelta(days=1)
TOKENS_KEPT = 100


class CursorRejected(PermanentError):
    """X no longer accepts the stored `since_id` or `next_token` (too old, expired)."""


class XConnector(Connector):
    name = "x"
    label = "X"
    platform = "x"
    default_base_url = "https://api.x.com"
    secret_fields = ("bearer_token",)
    api_hosts = frozenset({"api.x.com", "api.twitter.com"})

    def fetch(self, cursor: dict) -> Page:
        if not self.query.strip():
            raise PermanentError("X search needs a query.")
        if not self.secret.get("bearer_token"):
            raise PermanentError("X needs a credential with a bearer token.")
        try:
            response = self.get(
                SEARCH,
                params=self._params(cursor),
                headers={"Authorization": f"Bearer {self.secret['bearer_token']}"},
            )
        except CursorRejected as exc:
            page = self.fetch({})  # no since_id nor next_token: cannot be rejected again
            page.problems.insert(
                0, f"{exc.message} Started again from the newest posts; some may be missed."
            )
            return page

        body = self.parse_json(response)
        if not isinstance(body, dict):
            raise self.malformed(response, "expected an object")
        tweets = body.get("data", [])
        meta = body.get("meta", {})
        if not isinstance(tweets, list):
            raise self.malformed(response, "data is not a list")
        if not isinstance(meta, dict):
            raise self.malformed(response, "meta is not an object")

        problems = [f"X reported: {_error_text(error)}" for error in _list(body.get("errors"))]
        users = _users(body.get("includes"))
        mentions, seen = [], set()
        for tweet in tweets:
            try:
                mention = self.normalize(tweet, users)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                problems.append(f"X post {item_label(tweet)} skipped: {skip_reason(exc)}")
                continue
            if mention.external_id not in seen:
                seen.add(mention.external_id)
                mentions.append(mention)

        state, has_more, problem = self._after(cursor, meta, tweets)
        return Page(mentions, state, has_more, [*problems, problem] if problem else problems)

    def _params(self, cursor: dict) -> dict:
        query = self.query.strip()
        if self.language:
            # AND binds tighter than OR in X's syntax: keep the language on the whole query.
            query = f"({query})" if " OR " in query else query
            query = f"{query} lang:{self.language}"
        params = {
            "query": query,
            "max_results": PAGE_SIZE,
            "expansions": EXPANSIONS,
            "tweet.fields": TWEET_FIELDS,
            "user.fields": USER_FIELDS,
        }
        for name in ("since_id", "next_token"):
            if cursor.get(name):
                params[name] = cursor[name]
        return params

    def _after(self, cursor: dict, meta: dict, tweets: list) -> tuple[dict, bool, str]:
        """The cursor after this page: (cursor, read on now, problem)."""
        since = cursor.get("since_id")
        newest = cursor.get("newest_id") or _newest_id(meta, tweets)
        token = meta.get("next_token") if isinstance(meta.get("next_token"), str) else None
        asked = cursor.get("tokens", [])
        problem = ""
        if token and (token in asked or token == cursor.get("next_token")):
            problem = f"X sent next_token {token!r} again: stopped paging to avoid a loop"
            token = None
        # Only a run from a since_id pages down: the first poll does not dig into the past.
        if token and since:
            state = {
                "since_id": since,
                "next_token": token,
                "newest_id": newest,
                "tokens": [*asked, token][-TOKENS_KEPT:],
            }
            return state, True, problem
        newest = newest or since
        return ({"since_id": newest} if newest else {}), False, problem

    def normalize(self, tweet: dict, users: dict[str, dict]) -> NormalizedMention:
        require_fields(tweet, "id", "created_at")
        note = tweet.get("note_tweet")
        text = note.get("text") if isinstance(note, dict) else None
        if not isinstance(text, str) or not text:
            text = tweet.get("text")
        if not isinstance(text, str):
            raise KeyError("text")
        published = parse_time(tweet["created_at"])
        if published is None:
            raise ValueError(f"unreadable created_at {tweet['created_at']!r}")

        tweet_id = str(tweet["id"])
        author_id = str(tweet.get("author_id") or "")
        user = users.get(author_id, {})
        username = user.get("username") or ""
        followers = (user.get("public_metrics") or {}).get("followers_count")
        metrics = tweet.get("public_metrics") or {}
        parent = next(
            (
                ref.get("id")
                for ref in _list(tweet.get("referenced_tweets"))
                if isinstance(ref, dict) and ref.get("type") == "replied_to"
            ),
            None,
        )
        language = tweet.get("lang") or ""
        return NormalizedMention(
            platform=self.platform,
            external_id=tweet_id,
            text=text,
            published_at=published,
            author_id=author_id,
            author_handle=f"@{username}" if username else "",
            author_name=user.get("name") or "",
            author_followers=followers if _is_count(followers) else None,
            author_verified=(
                bool(user.get("verified")) or user.get("verified_type") not in (None, "", "none")
            ),
            url=f"https://x.com/{username or 'i/web'}/status/{tweet_id}",
            language="" if language == "und" else language,  # "und": X could not tell
            parent_id=str(parent or ""),
            thread_id=str(tweet.get("conversation_id") or tweet_id),
            engagement=sum(metrics[name] for name in ENGAGEMENT if _is_count(metrics.get(name))),
            raw={**tweet, "author": user} if user else tweet,
        )

    # --- Answers ------------------------------------------------------------------------

    def rate_limit(self, response: httpx.Response):
        try:
            remaining = float(response.headers["x-rate-limit-remaining"])
        except (KeyError, ValueError):
            remaining = None
        return remaining, epoch(response.headers.get("x-rate-limit-reset"))

    def rate_limited(self, response: httpx.Response) -> RateLimited:
        if not body_field(response, "type").endswith("usage-capped"):
            return super().rate_limited(response)
        now = timezone.now()
        _remaining, reset = self.rate_limit(response)
        until = reset if reset and reset > now else now + USAGE_CAP_WAIT
        return RateLimited(
            f"X usage cap reached ({error_text(response)}): "
            f"waiting until {until:%Y-%m-%d %H:%M} UTC",
            until=until,
            status_code=429,
            body=response.text,
        )

    def error_for(self, response: httpx.Response) -> ConnectorError:
        status = response.status_code
        detail = f"{status}: {_reason(response)}"
        kwargs = {"status_code": status, "body": response.text}
        if status == 401:
            return PermanentError(
                f"X refused the bearer token ({detail}). Check the credential.", **kwargs
            )
        if status == 403:
            return PermanentError(
                f"X refused recent search for this app ({detail}). "
                "Check the app's project and access level.",
                **kwargs,
            )
        if status == 400:
            sent = response.request.url.params
            for name in ("since_id", "next_token"):
                if name in sent and name in response.text:
                    return CursorRejected(f"X rejected the stored {name} ({detail}).", **kwargs)
            return PermanentError(f"X rejected the search {self.query!r} ({detail}).", **kwargs)
        return super().error_for(response)


def _newest_id(meta: dict, tweets: list) -> str | None:
    newest = meta.get("newest_id")
    if isinstance(newest, str | int) and str(newest).isdigit():
        return str(newest)
    ids = [
        int(tweet["id"])
        for tweet in tweets
        if isinstance(tweet, dict) and str(tweet.get("id", "")).isdigit()
    ]
    return str(max(ids)) if ids else None


def _users(includes) -> dict[str, dict]:
    users = includes.get("users") if isinstance(includes, dict) else None
    return {
        str(user["id"]): user
        for user in _list(users)
        if isinstance(user, dict) and user.get("id") not in (None, "")
    }


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _error_text(error) -> str:
    if not isinstance(error, dict):
        return repr(error)
    text = error.get("detail") or error.get("message") or error.get("title") or repr(error)
    resource = " ".join(str(error[k]) for k in ("resource_type", "resource_id") if error.get(k))
    return f"{text} ({resource})" if resource and resource not in text else text


def _reason(response: httpx.Response) -> str:
    """X's error text; for a 400, the messages naming the invalid parameters."""
    try:
        body = response.json()
    except ValueError:
        body = None
    errors = body.get("errors") if isinstance(body, dict) else None
    messages = [e["message"] for e in _list(errors) if isinstance(e, dict) and e.get("message")]
    return "; ".join(messages) or error_text(response)
