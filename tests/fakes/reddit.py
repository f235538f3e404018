"""A fake Reddit: the OAuth token endpoint, the search listing and the brand's writes.

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

The brand account `reddit.brand` ("acme_support") signs in with a refresh token
("brand-refresh", `grant_type=refresh_token`) or, as a script app, its password
(`grant_type=password`); its tokens act as it, the app's own (client credentials)
as nobody, which Reddit answers with USER_REQUIRED. With a user's token: `POST
/api/comment`, `/api/compose`, `/api/submit` (a self post, on the user's own profile
`u_<name>` or a subreddit the fake knows), `/api/del` and `/api/report` (errors as
Reddit sends them, a 200 with `json.errors`), and the reads a publisher checks with:
`GET /api/v1/me`, `/user/{name}/comments`, `/user/{name}/submitted`, `/message/sent`
and `/api/info`. Comments built with `comment()` and those posted are kept in
`reddit.comments`, posts in `reddit.items`.

        reddit.comment_ratelimit = 300   # the next comment or post answers RATELIMIT
        reddit.locked.add(post_fullname)  # comments there answer THREAD_LOCKED
        reddit.dm_closed.add("bob")       # bob takes messages from trusted users only
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
USER_COMMENTS = re.compile(r"/user/(?P<name>[A-Za-z0-9_-]+)/comments(?:\.json)?")
USER_SUBMITTED = re.compile(r"/user/(?P<name>[A-Za-z0-9_-]+)/submitted(?:\.json)?")
BRAND = "acme_support"
MAX_COMMENT = 10_000
MAX_TITLE = 300
MAX_SELFTEXT = 40_000
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
        self.brand = BRAND
        self.refresh_tokens = {"brand-refresh": BRAND}
        self.passwords = {BRAND: "brand-password"}
        self.token_users: dict[str, str] = {}  # access token -> the user it acts as
        self.comments: list[dict] = []
        self.messages: list[dict] = []
        self.reports: list[dict] = []
        self.locked: set[str] = set()
        self.dm_closed: set[str] = set()
        self.comment_ratelimit = 0  # seconds to wait announced by the next comment

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
        child = {"kind": "t1", "data": data}
        self.comments.append(child)
        return child

    def find(self, fullname: str) -> dict | None:
        """A post or comment by its fullname."""
        return next(
            (c for c in [*self.items, *self.comments] if c["data"]["name"] == fullname), None
        )

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
        route = self._route(request)
        if route is None:
            return Reply(404, {"message": "Not Found", "error": 404})
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token not in self.valid_tokens:
            return Reply(401, {"message": "Unauthorized", "error": 401})
        if self.rate_limit <= 0:
            return Reply(429, {"message": "Too Many Requests", "error": 429}, self._headers())
        self.rate_limit -= 1
        answer, args = route
        reply = answer(request, self.token_users.get(token), *args)
        reply.headers |= self._headers()
        return reply

    def _route(self, request):
        method, path = request.method, request.path.removesuffix(".json")
        if method == "GET" and (match := SEARCH.fullmatch(request.path)):
            return self.search, (match,)
        if method == "GET" and (match := USER_COMMENTS.fullmatch(request.path)):
            return self.user_comments, (match["name"],)
        if method == "GET" and (match := USER_SUBMITTED.fullmatch(request.path)):
            return self.user_submitted, (match["name"],)
        routes = {
            ("GET", "/api/v1/me"): self.me,
            ("GET", "/message/sent"): self.sent_messages,
            ("GET", "/api/info"): self.info,
            ("POST", "/api/comment"): self.post_comment,
            ("POST", "/api/compose"): self.compose,
            ("POST", "/api/submit"): self.submit,
            ("POST", "/api/del"): self.delete,
            ("POST", "/api/report"): self.report,
        }
        answer = routes.get((method, path))
        return (answer, ()) if answer else None

    def search(self, request, _user, route) -> Reply:
        subs = {sub.lower() for sub in (route["sub"] or "").split("+") if sub}
        if subs & self.private:
            return Reply(403, {"reason": "private", "message": "Forbidden", "error": 403})

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
        return Reply(200, self.listing(page, next_after))

    # --- As the brand account -------------------------------------------------------------

    def me(self, request, user) -> Reply:
        if user is None:
            return _forbidden()
        return Reply(200, {"name": user, "id": _user_fullname(user)[3:], "created_utc": START})

    def user_comments(self, request, user, name) -> Reply:
        mine = [c for c in self.comments if c["data"]["author"].lower() == name.lower()]
        return self._listing(request, mine)

    def user_submitted(self, request, user, name) -> Reply:
        mine = [p for p in self.items if p["data"]["author"].lower() == name.lower()]
        return self._listing(request, mine)

    def sent_messages(self, request, user) -> Reply:
        if user is None:
            return _forbidden()
        return self._listing(request, [m for m in self.messages if m["data"]["author"] == user])

    def info(self, request, user) -> Reply:
        names = (request.arg("id") or "").split(",")
        found = [self.find(name) for name in names]
        return self._listing(request, [c for c in found if c is not None], newest_first=False)

    def _listing(self, request, children: list, *, newest_first: bool = True) -> Reply:
        if newest_first:
            children = sorted(children, key=lambda c: c["data"]["created_utc"], reverse=True)
        after = request.arg("after")
        names = [c["data"]["name"] for c in children]
        start = names.index(after) + 1 if after in names else 0
        limit = min(100, max(1, int(request.arg("limit", "25"))))
        page = children[start : start + limit]
        more = start + limit < len(children)
        if request.arg("raw_json") != "1":
            page = [_escaped(child) for child in page]
        return Reply(200, self.listing(page, page[-1]["data"]["name"] if more else None))

    def post_comment(self, request, user) -> Reply:
        form = _form(request)
        if user is None:
            return _api_errors(["USER_REQUIRED", "Please log in to do that.", None])
        parent = self.find(form.get("thing_id", ""))
        if parent is None or parent["data"].get("author") == "[deleted]":
            return _forbidden()
        text = form.get("text", "")
        if not text.strip():
            return _api_errors(["NO_TEXT", "we need something here", "text"])
        if len(text) > MAX_COMMENT:
            return _api_errors(["TOO_LONG", f"this is too long (max: {MAX_COMMENT})", "text"])
        link_id = parent["data"].get("link_id") or parent["data"]["name"]
        if {parent["data"]["name"], link_id} & self.locked:
            return _api_errors(["THREAD_LOCKED", "Comments are locked.", "parent"])
        if self.comment_ratelimit:
            wait, self.comment_ratelimit = self.comment_ratelimit, 0
            minutes = max(1, round(wait / 60))
            message = f"you are doing that too much. try again in {minutes} minutes."
            return _api_errors(["RATELIMIT", message, "ratelimit"], ratelimit=wait)
        post = self.find(link_id)
        html_body = f'<div class="md"><p>{html.escape(text)}</p></div>'
        reply = self.comment(
            text,
            post=post,
            parent=parent,
            author=user,
            created_utc=time.time(),
            body_html=html_body,
        )
        return Reply(200, {"json": {"errors": [], "data": {"things": [reply]}}})

    def submit(self, request, user) -> Reply:
        form = _form(request)
        if user is None:
            return _api_errors(["USER_REQUIRED", "Please log in to do that.", None])
        if form.get("kind") not in ("self", "link"):
            return _api_errors(["INVALID_OPTION", "that option is not valid", "kind"])
        sr = form.get("sr", "")
        known = {p["data"]["subreddit"].lower() for p in self.items}
        if sr.lower().startswith("u_") and sr.lower() != f"u_{user}".lower():
            return _api_errors(["SUBREDDIT_NOTALLOWED", "you aren't allowed to post there.", "sr"])
        if not sr.lower().startswith("u_") and sr.lower() not in known:
            return _api_errors(["SUBREDDIT_NOEXIST", "that subreddit doesn't exist", "sr"])
        title, text = form.get("title", ""), form.get("text", "")
        if not title.strip():
            return _api_errors(["NO_TEXT", "we need something here", "title"])
        if len(title) > MAX_TITLE:
            return _api_errors(["TOO_LONG", f"this is too long (max: {MAX_TITLE})", "title"])
        if len(text) > MAX_SELFTEXT:
            return _api_errors(["TOO_LONG", f"this is too long (max: {MAX_SELFTEXT})", "text"])
        if self.comment_ratelimit:
            wait, self.comment_ratelimit = self.comment_ratelimit, 0
            minutes = max(1, round(wait / 60))
            message = f"you are doing that too much. try again in {minutes} minutes."
            return _api_errors(["RATELIMIT", message, "ratelimit"], ratelimit=wait)
        post = self.add_post(title, text, author=user, subreddit=sr, created_utc=time.time())
        data = post["data"]
        answer = {"url": data["url"], "drafts_count": 0, "id": data["id"], "name": data["name"]}
        return Reply(200, {"json": {"errors": [], "data": answer}})

    def compose(self, request, user) -> Reply:
        form = _form(request)
        if user is None:
            return _api_errors(["USER_REQUIRED", "Please log in to do that.", None])
        to = re.sub(r"^/?u/", "", form.get("to", ""))
        for field, code, message in (
            ("to", "NO_USER", "please enter a username"),
            ("subject", "NO_SUBJECT", "please enter a subject"),
            ("text", "NO_TEXT", "we need something here"),
        ):
            if not form.get(field, "").strip():
                return _api_errors([code, message, field])
        if len(form["subject"]) > 100:
            return _api_errors(["TOO_LONG", "this is too long (max: 100)", "subject"])
        if to in self.dm_closed:
            return _api_errors(
                ["NOT_WHITELISTED_BY_USER_MESSAGE", "can't send a message to that user", "to"]
            )
        self._serial += 1
        message_id = _base36(3_000_000 + self._serial)
        data = {
            "id": message_id,
            "name": f"t4_{message_id}",
            "author": user,
            "author_fullname": _user_fullname(user),
            "dest": to,
            "subject": form["subject"],
            "body": form["text"],
            "created_utc": float(int(time.time())),
            "was_comment": False,
        }
        self.messages.append({"kind": "t4", "data": data})
        return Reply(200, {"json": {"errors": []}})

    def delete(self, request, user) -> Reply:
        form = _form(request)
        if user is None:
            return _api_errors(["USER_REQUIRED", "Please log in to do that.", None])
        thing = self.find(form.get("id", ""))
        if thing is not None and thing["data"].get("author") == user:
            body = "body" if thing["kind"] == "t1" else "selftext"
            thing["data"] |= {"author": "[deleted]", body: "[deleted]"}
        return Reply(200, {})  # Reddit answers the same whether it deleted anything or not

    def report(self, request, user) -> Reply:
        form = _form(request)
        if user is None:
            return _api_errors(["USER_REQUIRED", "Please log in to do that.", None])
        if self.find(form.get("thing_id", "")) is None:
            return _forbidden()
        if len(form.get("reason", "")) > 100 or len(form.get("other_reason", "")) > 100:
            return _api_errors(["TOO_LONG", "this is too long (max: 100)", "reason"])
        self.reports.append({**form, "by": user})
        return Reply(200, {"json": {"errors": []}})

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
        form = _form(request)
        grant = form.get("grant_type")
        if grant == "client_credentials":
            user = None
        elif grant == "refresh_token":
            user = self.refresh_tokens.get(form.get("refresh_token", ""))
            if user is None:
                return Reply(400, {"error": "invalid_grant"})
        elif grant == "password":
            user = form.get("username")
            if self.passwords.get(user or "") != form.get("password"):
                return Reply(200, {"error": "invalid_grant"})
        else:
            return Reply(200, {"error": "unsupported_grant_type"})
        token = f"eyJhbGciOiJSUzI1NiJ9.{uuid.uuid4().hex}"
        self.valid_tokens.add(token)
        if user is not None:
            self.token_users[token] = user
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


def _form(request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.body.decode(), keep_blank_values=True).items()}


def _api_errors(*errors: list, **extra) -> Reply:
    """A refusal as Reddit sends most: a 200 whose `json.errors` lists [code, message, field]."""
    return Reply(200, {"json": {"errors": list(errors), **extra}})


def _forbidden() -> Reply:
    return Reply(403, {"message": "Forbidden", "error": 403})


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
