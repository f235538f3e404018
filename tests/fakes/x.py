"""A fake X API v2: recent search and the brand's writes, fed by tests, with switches.

It answers `GET /2/tweets/search/recent` as X does: bearer token checked first
(401 problem+json), rate-limit headers on every answer with a decrementing count,
newest first, `since_id`/`until_id` (exclusive), `max_results` 10-100, opaque
`next_token`s, only the fields asked for (`tweet.fields`, `user.fields`, the
author in `includes.users` with `expansions=author_id`), and `{"meta":
{"result_count": 0}}` when nothing matches. The query is matched loosely: every
word must appear in the text, `-word` must not, `lang:xx` filters the language.

    with FakeX() as x:
        alice = x.add_user("alice", "Alice", followers=10)
        x.add_tweet("Love my acme kettle", author=alice)
        x.rate_limit = 1          # the next request spends the window's quota
        x.usage_capped = True     # 429 with the monthly usage cap problem
        x.errors = [x.not_found_user("42")]   # partial errors inside each 200
        x.empty_pages = True      # nothing matches, whatever the query
        x.loop_cursor = True      # a next_token answers the same page and token again

Writes act as the brand account `x.brand` (@acme) with its OAuth 2.0 user token
("user-token"; the app's bearer token is refused as X refuses app-only auth there):
`POST /2/tweets` (a reply with `reply.in_reply_to_tweet_id`; duplicates, replies to a
deleted post and texts over 280 weighted characters refused), `DELETE /2/tweets/:id`
(the brand's own only), `PUT /2/tweets/:id/hidden` (replies in the brand's own
conversations only), `POST /2/dm_conversations/with/:participant_id/messages`, and the
reads a publisher checks with: `GET /2/users/me`, `GET /2/users/:id/tweets` and
`GET /2/dm_conversations/with/:participant_id/dm_events`. Writes have their own
rate-limit window (`x.write_limit`), user-context reads theirs (`x.user_limit`).

        x.dm_closed.add(user_id)  # that user does not take messages from the brand
"""

import re
import time
import uuid
from datetime import UTC, datetime, timedelta

from respond.publishers.textlength import x_weighted_length
from tests.fakes.base import FakeServer, Reply

SEARCH = "/2/tweets/search/recent"
PROBLEM = "application/problem+json"
WINDOW = 15 * 60
LIMIT = 450  # recent search, per app and window
FIRST_ID = 1_895_000_000_000_000_000
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TWEET_DEFAULTS = ("id", "text", "edit_history_tweet_ids")
USER_DEFAULTS = ("id", "name", "username")
DM_DEFAULTS = ("id", "event_type", "text")
BRAND_ID = "2244994945"
WRITE_LIMIT = 100  # posts per user and window (X's figure for POST /2/tweets, 15 minutes)
USER_LIMIT = 900  # user-context reads per window
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
USER_TWEETS = re.compile(r"/2/users/(?P<id>\d+)/tweets")
TWEET = re.compile(r"/2/tweets/(?P<id>\d+)")
HIDDEN = re.compile(r"/2/tweets/(?P<id>\d+)/hidden")
DM_WITH = re.compile(r"/2/dm_conversations/with/(?P<id>\d+)/(?P<what>messages|dm_events)")


class FakeX(FakeServer):
    def __init__(self, *, tokens=("good-token",), user_tokens=None):
        super().__init__()
        self.tokens = set(tokens)
        self.tweets: list[dict] = []
        self.users: dict[str, dict] = {}
        self._user_serial = 0
        self.brand = self.add_user("acme", "Acme", 50_000, verified_type="business", id=BRAND_ID)
        # OAuth 2.0 user-context tokens: token -> the user id it acts as.
        self.user_tokens = dict(user_tokens or {"user-token": BRAND_ID})
        self.dm_events: list[dict] = []
        self.dm_closed: set[str] = set()
        self.write_limit = WRITE_LIMIT
        self.user_limit = USER_LIMIT
        self.rate_limit = LIMIT  # requests left in the window
        self.reset_at = int(time.time()) + WINDOW
        self.usage_capped = False
        self.errors: list[dict] = []
        self.empty_pages = False
        self.loop_cursor = False
        self._serial = 0
        self._pages: dict[str, int] = {}  # next_token -> the id its page starts below

    # --- What tests add -----------------------------------------------------------

    def add_user(
        self,
        username: str = "alice",
        name: str = "Alice",
        followers: int = 10,
        *,
        verified: bool = False,
        verified_type: str = "none",
        id: str | None = None,
    ) -> dict:
        if id is None:
            id = str(1000 + self._user_serial)
            self._user_serial += 1
        user = {
            "id": id,
            "name": name,
            "username": username,
            "verified": verified,
            "verified_type": verified_type,
            "public_metrics": {
                "followers_count": followers,
                "following_count": 3,
                "tweet_count": 100,
                "listed_count": 0,
                "like_count": 5,
            },
        }
        self.users[user["id"]] = user
        return user

    def add_tweet(
        self,
        text: str = "Talking about acme",
        *,
        author: dict | None = None,
        id: str | None = None,
        created_at: datetime | None = None,
        lang: str = "en",
        reply_to: dict | None = None,
        metrics: tuple[int, int, int, int] = (0, 0, 0, 0),
        note: str | None = None,
        **fields,
    ) -> dict:
        """Add a tweet. `metrics`: retweets, replies, likes, quotes; `note`: a long post's text."""
        self._serial += 1
        author = author or self.users.get("1000") or self.add_user()
        tweet_id = id or self._next_id()
        retweets, replies, likes, quotes = metrics
        tweet = {
            "id": tweet_id,
            "text": text,
            "edit_history_tweet_ids": [tweet_id],
            "author_id": author["id"],
            "created_at": _iso(created_at or START + timedelta(minutes=self._serial)),
            "lang": lang,
            "conversation_id": reply_to["conversation_id"] if reply_to else tweet_id,
            "public_metrics": {
                "retweet_count": retweets,
                "reply_count": replies,
                "like_count": likes,
                "quote_count": quotes,
                "bookmark_count": 0,
                "impression_count": 1000,
            },
        }
        if reply_to:
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": reply_to["id"]}]
        if note is not None:
            tweet["note_tweet"] = {"text": note}
        tweet.update(fields)
        self.tweets.append(tweet)
        return tweet

    @staticmethod
    def not_found_user(user_id: str) -> dict:
        """A partial error as X puts it in `errors[]` of a 200."""
        return {
            "value": user_id,
            "detail": f"Could not find user with id: [{user_id}].",
            "title": "Not Found Error",
            "resource_type": "user",
            "parameter": "id",
            "resource_id": user_id,
            "type": "https://api.twitter.com/2/problems/resource-not-found",
        }

    def _next_id(self) -> str:
        """Ids grow with time, as X's snowflake ids do."""
        return str(FIRST_ID + self._serial * 1000)

    def find(self, tweet_id: str) -> dict | None:
        return next((t for t in self.tweets if t["id"] == str(tweet_id)), None)

    def by_brand(self) -> list[dict]:
        return [t for t in self.tweets if t["author_id"] == BRAND_ID]

    # --- Answers ------------------------------------------------------------------------

    def handle(self, request) -> Reply:
        if request.path != SEARCH:
            return self.user_context(request)
        bearer = request.headers.get("authorization", "")
        if not any(bearer == f"Bearer {token}" for token in self.tokens):
            return _problem(401, "Unauthorized", "Unauthorized")
        if self.rate_limit <= 0:
            return _problem(429, "Too Many Requests", "Too Many Requests", self._headers())
        self.rate_limit -= 1
        headers = self._headers()
        if self.usage_capped:
            return Reply(429, _USAGE_CAPPED, headers, PROBLEM)

        query = request.arg("query") or ""
        size = request.arg("max_results", "10")
        if not query:
            return _invalid("query", "", "The `query` query parameter can not be empty", headers)
        if not size.isdigit() or not 10 <= int(size) <= 100:
            message = f"The `max_results` query parameter value [{size}] is not between 10 and 100"
            return _invalid("max_results", size, message, headers)
        token = request.arg("next_token")
        if token and token not in self._pages:
            return _invalid("next_token", token, f"Invalid 'next_token':'{token}'.", headers)

        found = [] if self.empty_pages else self._matching(request, query)
        if token:
            found = [t for t in found if int(t["id"]) < self._pages[token]]
        page, more = found[: int(size)], len(found) > int(size)
        if not page:
            return Reply(200, {"meta": {"result_count": 0}}, headers)
        meta = {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"], "result_count": len(page)}
        if more:
            meta["next_token"] = token if self.loop_cursor and token else self._token(page)
        body = {"data": [_only(t, TWEET_DEFAULTS, request.arg("tweet.fields")) for t in page]}
        if "author_id" in (request.arg("expansions") or "").split(","):
            authors = dict.fromkeys(t["author_id"] for t in page)
            body["includes"] = {
                "users": [
                    _only(self.users[a], USER_DEFAULTS, request.arg("user.fields"))
                    for a in authors
                    if a in self.users
                ]
            }
        if self.errors:
            body["errors"] = list(self.errors)
        body["meta"] = meta
        return Reply(200, body, headers)

    def _matching(self, request, query: str) -> list[dict]:
        words = re.sub(r"[()]", " ", query).split()
        langs = [w[5:] for w in words if w.startswith("lang:")]
        wanted = [w.lower() for w in words if w != "OR" and not w.startswith(("lang:", "-"))]
        unwanted = [w[1:].lower() for w in words if w.startswith("-")]
        since, until = request.arg("since_id"), request.arg("until_id")
        found = []
        for tweet in self.tweets:
            text = (tweet.get("note_tweet") or {}).get("text", tweet["text"]).lower()
            if (
                all(w in text for w in wanted)
                and not any(w in text for w in unwanted)
                and (not langs or tweet["lang"] in langs)
                and (not since or int(tweet["id"]) > int(since))
                and (not until or int(tweet["id"]) < int(until))
            ):
                found.append(tweet)
        return sorted(found, key=lambda t: int(t["id"]), reverse=True)

    def _token(self, page: list[dict]) -> str:
        token = uuid.uuid4().hex[:20]
        self._pages[token] = int(page[-1]["id"])
        return token

    def _headers(self) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(LIMIT),
            "x-rate-limit-remaining": str(max(0, self.rate_limit)),
            "x-rate-limit-reset": str(self.reset_at),
        }

    # --- The brand's side: user-context reads and writes -------------------------------

    def user_context(self, request) -> Reply:
        found = self._route(request)
        if found is None:
            return _problem(404, "Not Found Error", "Sorry, that page does not exist.")
        handler, window, args = found
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if bearer in self.tokens:
            return Reply(403, _APP_ONLY_FORBIDDEN, {}, PROBLEM)
        me = self.user_tokens.get(bearer)
        if me is None:
            return _problem(401, "Unauthorized", "Unauthorized")
        left = getattr(self, window)
        if left <= 0:
            return _problem(
                429, "Too Many Requests", "Too Many Requests", self._user_headers(window)
            )
        setattr(self, window, left - 1)
        reply = handler(request, me, *args)
        reply.headers |= self._user_headers(window)
        return reply

    def _route(self, request):
        method, path = request.method, request.path
        if method == "GET" and path == "/2/users/me":
            return self.users_me, "user_limit", ()
        if method == "POST" and path == "/2/tweets":
            return self.create_tweet, "write_limit", ()
        if method == "GET" and (match := USER_TWEETS.fullmatch(path)):
            return self.user_tweets, "user_limit", (match["id"],)
        if method == "DELETE" and (match := TWEET.fullmatch(path)):
            return self.delete_tweet, "write_limit", (match["id"],)
        if method == "PUT" and (match := HIDDEN.fullmatch(path)):
            return self.hide_reply, "write_limit", (match["id"],)
        match = DM_WITH.fullmatch(path)
        if match and method == "POST" and match["what"] == "messages":
            return self.send_dm, "write_limit", (match["id"],)
        if match and method == "GET" and match["what"] == "dm_events":
            return self.dm_conversation, "user_limit", (match["id"],)
        return None

    def users_me(self, request, me) -> Reply:
        return Reply(
            200, {"data": _only(self.users[me], USER_DEFAULTS, request.arg("user.fields"))}
        )

    def create_tweet(self, request, me) -> Reply:
        body = _json_body(request)
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            return _invalid("text", "", "The `text` field can not be empty", {})
        if x_weighted_length(text) > 280:
            return _invalid("text", text[:20], "Tweet text is too long", {})
        reply = body.get("reply") or {}
        parent_id = reply.get("in_reply_to_tweet_id") if isinstance(reply, dict) else None
        parent = self.find(parent_id) if parent_id else None
        if parent_id and parent is None:
            detail = "You attempted to reply to a Tweet that is deleted or not visible to you."
            return _problem(403, "Forbidden", detail)
        if any(t["author_id"] == me and t.get("_sent") == text for t in self.tweets):
            return _problem(403, "Forbidden", DUPLICATE)
        tweet = self.add_tweet(
            _as_x_shows(text, parent and self.users.get(parent["author_id"])),
            author=self.users[me],
            reply_to=parent,
            created_at=datetime.now(UTC),
            _sent=text,
        )
        answer = {k: tweet[k] for k in TWEET_DEFAULTS}
        return Reply(201, {"data": answer})

    def user_tweets(self, request, me, user_id) -> Reply:
        size = request.arg("max_results", "10")
        if not size.isdigit() or not 5 <= int(size) <= 100:
            message = f"The `max_results` query parameter value [{size}] is not between 5 and 100"
            return _invalid("max_results", size, message, {})
        exclude = (request.arg("exclude") or "").split(",")
        since, until = request.arg("since_id"), request.arg("until_id")
        start = request.arg("start_time")
        if start and _time(start) is None:
            return _invalid("start_time", start, f"Invalid 'start_time':'{start}'.", {})
        found = sorted(
            (
                t
                for t in self.tweets
                if t["author_id"] == user_id
                and not (set(exclude) & {"replies", "retweets"} and _is_reply(t, exclude))
                and (not since or int(t["id"]) > int(since))
                and (not until or int(t["id"]) < int(until))
                and (not start or _time(t["created_at"]) >= _time(start))
            ),
            key=lambda t: int(t["id"]),
            reverse=True,
        )
        token = request.arg("pagination_token")
        if token:
            if token not in self._pages:
                return _invalid("pagination_token", token, "Invalid pagination_token", {})
            found = [t for t in found if int(t["id"]) < self._pages[token]]
        page, more = found[: int(size)], len(found) > int(size)
        if not page:
            return Reply(200, {"meta": {"result_count": 0}})
        meta = {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"], "result_count": len(page)}
        if more:
            meta["next_token"] = self._token(page)
        data = [_only(t, TWEET_DEFAULTS, request.arg("tweet.fields")) for t in page]
        return Reply(200, {"data": data, "meta": meta})

    def delete_tweet(self, request, me, tweet_id) -> Reply:
        tweet = self.find(tweet_id)
        if tweet is None:
            return _not_found("tweet", tweet_id)
        if tweet["author_id"] != me:
            return _problem(403, "Forbidden", "You are not allowed to delete this Tweet.")
        self.tweets.remove(tweet)
        return Reply(200, {"data": {"deleted": True}})

    def hide_reply(self, request, me, tweet_id) -> Reply:
        body = _json_body(request)
        hidden = body.get("hidden") if isinstance(body, dict) else None
        if not isinstance(hidden, bool):
            return _invalid("hidden", "", "The `hidden` field must be a boolean", {})
        tweet = self.find(tweet_id)
        if tweet is None:
            return _not_found("tweet", tweet_id)
        root = self.find(tweet["conversation_id"])
        if tweet["conversation_id"] == tweet["id"] or root is None or root["author_id"] != me:
            detail = "You can only hide or unhide replies to conversations you started."
            return _problem(403, "Forbidden", detail)
        tweet["hidden"] = hidden
        return Reply(200, {"data": {"hidden": hidden}})

    def send_dm(self, request, me, participant_id) -> Reply:
        body = _json_body(request)
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            return _invalid("text", "", "The `text` field can not be empty", {})
        if participant_id not in self.users:
            return _not_found("user", participant_id)
        if participant_id in self.dm_closed:
            return _problem(403, "Forbidden", "You cannot send messages to this user.")
        self._serial += 1
        event = {
            "id": self._next_id(),
            "event_type": "MessageCreate",
            "text": text,
            "sender_id": me,
            "dm_conversation_id": "-".join(sorted((me, participant_id), key=int)),
            "participant_ids": [me, participant_id],
            "created_at": _iso(datetime.now(UTC)),
        }
        self.dm_events.append(event)
        answer = {"dm_conversation_id": event["dm_conversation_id"], "dm_event_id": event["id"]}
        return Reply(201, {"data": answer})

    def dm_conversation(self, request, me, participant_id) -> Reply:
        conversation = "-".join(sorted((me, participant_id), key=int))
        size = int(request.arg("max_results", "100") or 100)
        events = [e for e in reversed(self.dm_events) if e["dm_conversation_id"] == conversation]
        types = request.arg("event_types")
        if types:
            events = [e for e in events if e["event_type"] in types.split(",")]
        page = events[:size]
        if not page:
            return Reply(200, {"meta": {"result_count": 0}})
        data = [_only(e, DM_DEFAULTS, request.arg("dm_event.fields")) for e in page]
        return Reply(200, {"data": data, "meta": {"result_count": len(page)}})

    def _user_headers(self, window: str) -> dict[str, str]:
        limit = WRITE_LIMIT if window == "write_limit" else USER_LIMIT
        return {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(max(0, getattr(self, window))),
            "x-rate-limit-reset": str(self.reset_at),
        }


_APP_ONLY_FORBIDDEN = {
    "title": "Unsupported Authentication",
    "detail": (
        "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  "
        "Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context]."
    ),
    "type": "https://api.twitter.com/2/problems/unsupported-authentication",
    "status": 403,
}

_USAGE_CAPPED = {
    "account_id": 1234567,
    "product_name": "standard-basic",
    "title": "UsageCapExceeded",
    "period": "Monthly",
    "scope": "Product",
    "detail": "Usage cap exceeded: Monthly product cap",
    "type": "https://api.twitter.com/2/problems/usage-capped",
}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _is_reply(tweet: dict, exclude: list[str]) -> bool:
    """Whether `exclude` (replies, retweets) leaves the tweet out of a user's timeline."""
    kinds = {ref.get("type") for ref in tweet.get("referenced_tweets") or []}
    return ("replies" in exclude and "replied_to" in kinds) or (
        "retweets" in exclude and "retweeted" in kinds
    )


def _only(item: dict, defaults: tuple[str, ...], asked: str | None) -> dict:
    """The fields X sends: its defaults plus those asked for."""
    keep = {*defaults, *(asked or "").split(",")}
    return {key: value for key, value in item.items() if key in keep}


def _problem(status: int, title: str, detail: str, headers: dict | None = None) -> Reply:
    body = {"title": title, "detail": detail, "type": "about:blank", "status": status}
    return Reply(status, body, headers or {}, PROBLEM)


def _invalid(parameter: str, value: str, message: str, headers: dict) -> Reply:
    body = {
        "errors": [{"parameters": {parameter: [value]}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }
    return Reply(400, body, headers, PROBLEM)


def _not_found(kind: str, value: str) -> Reply:
    body = {
        "errors": [
            {
                "value": value,
                "detail": f"Could not find {kind} with id: [{value}].",
                "title": "Not Found Error",
                "resource_type": kind,
                "parameter": "id",
                "resource_id": value,
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }
        ]
    }
    return Reply(404, body, {}, PROBLEM)


def _json_body(request):
    try:
        return request.json()
    except ValueError:
        return None


def _as_x_shows(text: str, replied_to: dict | None) -> str:
    """A post's text as X reads it back: the replied-to author's @name first, links
    shortened to t.co, and &, < and > as HTML entities."""
    shown = re.sub(r"https?://\S+", lambda m: f"https://t.co/{uuid.uuid4().hex[:10]}", text)
    shown = shown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if replied_to:
        shown = f"@{replied_to['username']} {shown}"
    return shown
