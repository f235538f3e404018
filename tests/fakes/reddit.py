"""A fake Reddit: the OAuth token endpoint and the search listing, fed by tests, with switches.

In reality the token comes from www.reddit.com and the API from oauth.reddit.com;
the fake serves both (the connector derives the token URL from the stream's base
URL). `POST /api/v1/access_token` checks HTTP Basic client id and secret; `GET
/search` and `/r/{sub}/search` check the bearer token and answer a Listing of posts
(t3) newest first, paged with `after`/`limit`, `restrict_sr` honoured, text
HTML-escaped unless `raw_json=1`, rate-limit headers on every API answer. Every
word of `q` must appear in a post's title or text. Comments (t1) are not found by
search, as on Reddit: `listing([...])` builds a body to inject them.

    with FakeReddit() as reddit:
        post = reddit.add_post("Acme kettle leaks", "It leaked everywhere")
        reddit.expire_tokens()      # every token issued so far answers 401
        reddit.rate_limit = 1       # the next API request spends the window's quota
        reddit.private.add("secret")   # r/secret answers 403 private
        reddit.empty_pages = True   # listings have no children
        reddit.loop_cursor = True   # `after` answers the same `after` again
"""

import base64
import html
import math
import re
import time
import uuid
import zlib
from datetime import UTC, datetime
from urllib.parse import parse_qs

from tests.fakes.base import FakeServer, Reply

TOKEN_PATH = "/api/v1/access_token"
SEARCH = re.compile(r"(?:/r/(?P<sub>[A-Za-z0-9_+]+))?/search(?:\.json)?")
WINDOW = 600  # ten minutes
LIMIT = 1000  # requests per window for an OAuth client
LISTING_CAP = 1000  # listings end after about a thousand items
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp()


class FakeReddit(FakeServer):
    def __init__(self, *, clients: dict[str, str] | None = None):
        super().__init__()
        self.clients = clients if clients is not None else {"client-id": "client-secret"}
        self.items: list[dict] = []
        self.valid_tokens: set[str] = set()
        self.expires_in = 3600
        self.rate_limit = LIMIT  # requests left in the window
        self.window_end = time.time() + WINDOW
        self.private: set[str] = set()
        self.empty_pages = False
        self.loop_cursor = False
        self._serial = 0

    @property
    def token_requests(self) -> list:
        return [r for r in self.requests if r.path == TOKEN_PATH]

    @property
    def api_requests(self) -> list:
        return [r for r in self.requests if r.path != TOKEN_PATH]

    def expire_tokens(self) -> None:
        self.valid_tokens.clear()

    # --- What tests add -----------------------------------------------------------

    def add_post(
        self,
        title: str = "Acme kettle",
        selftext: str = "",
        *,
        author: str = "alice",
        subreddit: str = "acme",
        id: str | None = None,
        created_utc: float | None = None,
        score: int = 1,
        num_comments: int = 0,
        **fields,
    ) -> dict:
        """Add a self post; returns the listing child `{"kind": "t3", "data": {...}}`."""
        self._serial += 1
        post_id = id or _base36(1_000_000 + self._serial)
        permalink = f"/r/{subreddit}/comments/{post_id}/{_slug(title)}/"
        data = {
            "id": post_id,
            "name": f"t3_{post_id}",
            "title": title,
            "selftext": selftext,
            "author": author,
            "author_fullname": _user_fullname(author),
            "subreddit": subreddit,
            "subreddit_name_prefixed": f"r/{subreddit}",
            "created_utc": created_utc if created_utc is not None else START + self._serial * 60,
            "permalink": permalink,
            "url": f"https://www.reddit.com{permalink}",
            "is_self": True,
            "score": score,
            "ups": score,
            "upvote_ratio": 1.0,
            "num_comments": num_comments,
            "over_18": False,
        } | fields
        child = {"kind": "t3", "data": data}
        self.items.append(child)
        return child

    def comment(
        self,
        body: str,
        *,
        post: dict,
        parent: dict | None = None,
        author: str = "bob",
        id: str | None = None,
        created_utc: float | None = None,
        score: int = 1,
        **fields,
    ) -> dict:
        """A comment child on `post` (a reply to `parent`); search does not find it."""
        self._serial += 1
        comment_id = id or _base36(2_000_000 + self._serial)
        link = post["data"]
        data = {
            "id": comment_id,
            "name": f"t1_{comment_id}",
            "body": body,
            "author": author,
            "author_fullname": _user_fullname(author),
            "link_id": link["name"],
            "parent_id": (parent or post)["data"]["name"],
            "link_title": link["title"],
            "subreddit": link["subreddit"],
            "created_utc": created_utc if created_utc is not None else START + self._serial * 60,
            "permalink": f"{link['permalink']}{comment_id}/",
            "score": score,
        } | fields
        return {"kind": "t1", "data": data}

    @staticmethod
    def listing(children: list, after: str | None = None) -> dict:
        return {
            "kind": "Listing",
            "data": {
                "after": after,
                "dist": len(children),
                "modhash": "",
                "geo_filter": "",
                "children": children,
                "before": None,
            },
        }

    # --- Answers ------------------------------------------------------------------------

    def handle(self, request) -> Reply:
        if request.path == TOKEN_PATH and request.method == "POST":
            return self._token(request)
        route = SEARCH.fullmatch(request.path)
        if route is None or request.method != "GET":
            return Reply(404, {"message": "Not Found", "error": 404})
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token not in self.valid_tokens:
            return Reply(401, {"message": "Unauthorized", "error": 401})
        if self.rate_limit <= 0:
            return Reply(429, {"message": "Too Many Requests", "error": 429}, self._headers())
        self.rate_limit -= 1
        headers = self._headers()
        subs = {sub.lower() for sub in (route["sub"] or "").split("+") if sub}
        if subs & self.private:
            return Reply(403, {"reason": "private", "message": "Forbidden", "error": 403}, headers)

        restrict = subs and request.arg("restrict_sr", "") in ("1", "true", "on")
        found = self._matching(request.arg("q") or "", subs if restrict else None)
        after = request.arg("after")
        start = 0
        if after:
            names = [child["data"]["name"] for child in found]
            start = names.index(after) + 1 if after in names else len(found)
        limit = min(100, max(1, int(request.arg("limit", "25"))))
        page = [] if self.empty_pages else found[start : start + limit]
        more = bool(page) and start + limit < len(found)
        next_after = page[-1]["data"]["name"] if more else None
        if self.loop_cursor and after and more:
            next_after = after
        if request.arg("raw_json") != "1":
            page = [_escaped(child) for child in page]
        return Reply(200, self.listing(page, next_after), headers)

    def _matching(self, q: str, subreddits: set[str] | None) -> list[dict]:
        words = q.lower().split()
        found = []
        for n, child in enumerate(self.items):
            data = child["data"]
            text = f"{data['title']} {data['selftext']}".lower()
            if all(w in text for w in words) and (
                subreddits is None or data["subreddit"].lower() in subreddits
            ):
                found.append((data["created_utc"], n, child))
        # sort=new; the order they were added breaks ties.
        return [child for _at, _n, child in sorted(found, reverse=True)][:LISTING_CAP]

    def _token(self, request) -> Reply:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            client_id, secret = "", ""
        if scheme.lower() != "basic" or self.clients.get(client_id) != secret or not secret:
            return Reply(401, {"message": "Unauthorized", "error": 401})
        form = parse_qs(request.body.decode())
        if form.get("grant_type") != ["client_credentials"]:
            return Reply(200, {"error": "unsupported_grant_type"})
        token = f"eyJhbGciOiJSUzI1NiJ9.{uuid.uuid4().hex}"
        self.valid_tokens.add(token)
        body = {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "scope": "*",
        }
        return Reply(200, body)

    def _headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-used": str(LIMIT - max(0, self.rate_limit)),
            "x-ratelimit-remaining": f"{max(0, self.rate_limit):.1f}",
            "x-ratelimit-reset": str(max(0, math.ceil(self.window_end - time.time()))),
        }


def _escaped(child: dict) -> dict:
    """What Reddit sends without raw_json=1: &, < and > as HTML entities."""
    data = dict(child["data"])
    for key in ("title", "selftext", "body"):
        if isinstance(data.get(key), str):
            data[key] = html.escape(data[key], quote=False)
    return {**child, "data": data}


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:50] or "post"


def _user_fullname(author: str) -> str:
    return f"t2_{_base36(zlib.crc32(author.encode()))}"
