"""A fake X API v2 recent search, fed by tests, with switches to misbehave.

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
"""

import re
import time
import uuid
from datetime import UTC, datetime, timedelta

from tests.fakes.base import FakeServer, Reply

SEARCH = "/2/tweets/search/recent"
PROBLEM = "application/problem+json"
WINDOW = 15 * 60
LIMIT = 450  # recent search, per app and window
FIRST_ID = 1_895_000_000_000_000_000
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TWEET_DEFAULTS = ("id", "text", "edit_history_tweet_ids")
USER_DEFAULTS = ("id", "name", "username")


class FakeX(FakeServer):
    def __init__(self, *, tokens=("good-token",)):
        super().__init__()
        self.tokens = set(tokens)
        self.tweets: list[dict] = []
        self.users: dict[str, dict] = {}
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
        user = {
            "id": id or str(1000 + len(self.users)),
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
        tweet_id = id or str(FIRST_ID + self._serial * 1000)
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

    # --- Answers ------------------------------------------------------------------------

    def handle(self, request) -> Reply:
        if request.path != SEARCH:
            return _problem(404, "Not Found Error", "Sorry, that page does not exist.")
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
