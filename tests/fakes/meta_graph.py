"""Meta: the Graph API the webhook worker reads and the publishers write to, and builders
of signed webhook deliveries.

    with FakeMetaGraph() as graph:
        graph.add_comment("ig-1", "17841400000000001", "18000000000000001", "Hey @acme ...")
        ... MetaConnector reads graph.url ...
        post = graph.page_post("Our new kettle is out")
        comment = graph.page_comment(post["id"], "Mine leaks", author=("555", "Sam Doe"))
        ig = graph.ig_comment("17900000000000001", "Where is my refund?", username="sam.doe")

Reads: `GET /v21.0/{ig-user-id}?fields=mentioned_comment.comment_id({id}){fields}`
answers `{"mentioned_comment": {...}, "id": ig-user-id}` as the IG User node does;
`GET /v21.0/{comment-id}` answers the comment itself; `GET /v21.0/me` the Page.

Writes, as the Page (`PAGE_ID`) or its Instagram account (`IG_USER_ID`), with the
shapes of Graph's reference:

- Facebook: `POST /{post-or-comment-id}/comments` (`message`, 8,000 characters) →
  `{"id"}`; `GET /{id}/comments?fields=...&order=&limit=&after=` (cursor paging);
  `POST /{comment-id}` with `is_hidden` and `DELETE /{comment-id}` → `{"success": true}`;
  `POST /{page-id}/messages` with `{"recipient": {"comment_id"}, "message": {"text"}}`
  (a private reply: one per comment, a second gets error 10900 "Activity already
  replied to") → `{"recipient_id", "message_id"}`; the comment then shows it as
  `private_reply_conversation`. `POST /{page-id}/feed` (`message`, needs
  `pages_manage_posts`) → `{"id": "{page-id}_{post-id}"}`, the same text as the Page's
  last post of the day refused with error 506; `GET /{page-id}/feed` and `/posts`
  (`fields`, `since`, `until`, newest first, cursor paging).
- Instagram: `POST /{ig-comment-id}/replies` (`message`, 2,200 characters; a reply
  to a reply goes under the top-level comment, a hidden comment takes none) →
  `{"id"}`; `GET /{ig-comment-id}/replies`; `POST /{ig-comment-id}` with `hide`;
  `DELETE /{ig-comment-id}`; `POST /{ig-user-id}/messages` (a private reply, once).

The token is `TOKEN`, as a query `access_token` or an `Authorization: Bearer` header;
another gets error 190. A wrong `appsecret_proof` gets error 100, and so does none
when `require_proof` is set. Each write needs its permission in `permissions`
(error 200 without). An unknown id gets error 100 (subcode 33). `graph_error(code)`
builds any other error for `inject(Fault(...))`, e.g. the rate limit (code 4).

Every answer carries `X-App-Usage` (`usage`, percentages of the app's quota), and
`X-Business-Use-Case-Usage` when `business_usage` is set. What writes did is kept in
`posted`, `messages`, `moderated` ((id, hidden)) and `deleted`.
"""

import base64
import hashlib
import hmac
import json
import re
import time
from itertools import count
from urllib.parse import parse_qs

from tests.fakes.base import FakeServer, Reply, Request

API = "/v21.0/"
TOKEN = "page-token-ok"
APP_SECRET = "app-secret-ok"
VERIFY_TOKEN = "verify-token-ok"
PAGE_ID = "1234567890"
PAGE_NAME = "Acme"
IG_USER_ID = "17841400000000001"
IG_USERNAME = "acme"
FB_COMMENT_MAX = 8000
FB_POST_MAX = 63_206
DUPLICATE_WINDOW = 24 * 3600  # the Page's last post, if that recent, may not be repeated
IG_COMMENT_MAX = 2200
ALL_PERMISSIONS = frozenset(
    {
        "pages_manage_engagement",
        "pages_manage_posts",
        "pages_messaging",
        "pages_read_engagement",
        "instagram_manage_comments",
        "instagram_manage_messages",
    }
)

MENTIONED = re.compile(r"mentioned_comment\.comment_id\(([^)]*)\)(?:\{([^}]*)\})?")
OAUTH_CODES = frozenset({4, 10, 17, 32, 190, 200, 613})


def graph_error(code: int, message: str = "", *, subcode: int | None = None, status: int = 400):
    """(status, body) of a Graph API error, as `Fault(status=..., body=...)` wants them."""
    messages = {
        4: "(#4) Application request limit reached",
        10: "(#10) Application does not have permission for this action",
        17: "(#17) User request limit reached",
        32: "(#32) Page request limit reached",
        100: "Unsupported get request. Object does not exist or cannot be loaded.",
        190: "Error validating access token: Session has expired.",
        200: "(#200) Permissions error",
        613: "(#613) Calls to this api have exceeded the rate limit.",
        506: "(#506) Duplicate status message",
        10900: "(#10900) Activity already replied to",
    }
    error = {
        "message": message or messages.get(code, f"(#{code}) Graph error"),
        "type": "OAuthException" if code in OAUTH_CODES else "GraphMethodException",
        "code": code,
        "fbtrace_id": "AbCdEfGhIjK",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return status, {"error": error}


def _missing(node: str, verb: str = "get"):
    return graph_error(
        100,
        f"Unsupported {verb} request. Object with ID '{node}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation.",
        subcode=33,
    )


class FakeMetaGraph(FakeServer):
    def __init__(self):
        super().__init__()
        self.token = TOKEN
        self.app_secret = APP_SECRET
        self.require_proof = False
        self.permissions = set(ALL_PERMISSIONS)
        self.page = {"id": PAGE_ID, "name": PAGE_NAME}
        self.ig_user = {"id": IG_USER_ID, "username": IG_USERNAME}
        self.comments: dict[str, dict] = {}  # IG comment id → the comment as Graph shows it
        self.mentioned: dict[str, set[str]] = {}  # ig user id → comments mentioning it
        self.posts: dict[str, dict] = {}  # Facebook Page post id → post
        self.fb_comments: dict[str, dict] = {}  # Facebook comment id → comment
        self.posted: list[dict] = []  # comments and replies written through the API
        self.messages: list[dict] = []  # private replies
        self.moderated: list[tuple[str, bool]] = []
        self.deleted: list[str] = []
        self.usage = {"call_count": 12, "total_cputime": 5, "total_time": 7}
        self.business_usage: dict | None = None  # {business id: [{"type", "call_count", ...}]}
        self._serial = count(1)

    # --- What tests add -------------------------------------------------------------------

    def add_comment(self, account_id: str, media_id: str, comment_id: str, text: str, **extra):
        """An IG comment that @mentions `account_id` (read through `mentioned_comment`)."""
        self.comments[comment_id] = {
            "id": comment_id,
            "text": text,
            "timestamp": "2026-03-01T12:00:00+0000",
            "like_count": 3,
            "media": {"id": media_id},
            **extra,
        }
        self.mentioned.setdefault(account_id, set()).add(comment_id)

    def page_post(
        self, message: str = "Our new kettle is out", *, created_time: int | None = None
    ) -> dict:
        """A post of the Page; `created_time` in epoch seconds (default: 2026-03-01 12:00)."""
        post_id = f"{PAGE_ID}_{next(self._serial) + 100}"
        when = created_time if created_time is not None else 1772366400
        self.posts[post_id] = {
            "id": post_id,
            "message": message,
            "from": dict(self.page),
            "created_time": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(when)),
            "permalink_url": f"https://www.facebook.com/{PAGE_ID}/posts/{post_id.split('_')[1]}",
            "_at": when,
        }
        return self.posts[post_id]

    def page_comment(
        self, on: str, message: str = "Acme broke my order", *, author=("555", "Sam Doe")
    ) -> dict:
        """A comment by someone on a Page post, or a reply to a comment (`on` its id)."""
        return self._fb_comment(on, message, {"id": author[0], "name": author[1]})

    def ig_comment(
        self,
        media_id: str,
        text: str = "@acme where is my refund?",
        *,
        username: str = "sam.doe",
        user_id: str = "17840000000000009",
        parent: dict | None = None,
    ) -> dict:
        """A comment on the IG account's media, or a reply under `parent`."""
        return self._ig_comment(media_id, text, {"id": user_id, "username": username}, parent)

    # --- The API --------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        headers = {"X-App-Usage": json.dumps(self.usage)}
        if self.business_usage is not None:
            headers["X-Business-Use-Case-Usage"] = json.dumps(self.business_usage)
        if not request.path.startswith(API):
            return self._error(*graph_error(100, "Unknown path components"), headers)
        refused = self._refused_credentials(request)
        if refused is not None:
            return self._error(*refused, headers)
        parts = request.path[len(API) :].strip("/").split("/")
        route = {
            ("GET", 1): self._get,
            ("POST", 1): self._moderate,
            ("DELETE", 1): self._delete,
            ("GET", 2): self._list_edge,
            ("POST", 2): self._create_on_edge,
        }.get((request.method, len(parts)))
        if route is None:
            return self._error(*graph_error(100, "Unknown path components"), headers)
        status, body = route(request, *parts)
        if status != 200:
            return self._error(status, body, headers)
        return Reply(body=body, headers=headers)

    def _refused_credentials(self, request: Request):
        bearer = request.headers.get("authorization", "")
        token = request.arg("access_token") or bearer.partition(" ")[2]
        if token != self.token:
            return graph_error(190, subcode=463)
        proof = request.arg("appsecret_proof")
        if proof is None and self.require_proof:
            return graph_error(100, "API calls from the server require an appsecret_proof argument")
        expected = hmac.new(self.app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()
        if proof is not None and not hmac.compare_digest(proof, expected):
            return graph_error(100, "Invalid appsecret_proof provided in the API argument")
        return None

    def _get(self, request: Request, node: str):
        fields = request.arg("fields", "")
        mentioned = MENTIONED.search(fields)
        if mentioned:
            comment_id = mentioned.group(1)
            if comment_id not in self.mentioned.get(node, set()):
                return graph_error(100, subcode=33)
            return 200, {"mentioned_comment": self.comments[comment_id], "id": node}
        if node == "me":
            return 200, dict(self.page)
        if node in self.comments:
            return 200, self.comments[node]
        if node in self.fb_comments:
            return 200, self._fb_comment_json(self.fb_comments[node], fields)
        if node in self.posts:
            return 200, {k: v for k, v in self.posts[node].items() if not k.startswith("_")}
        return graph_error(100, subcode=33)

    def _list_edge(self, request: Request, node: str, edge: str):
        if edge in ("feed", "posts", "published_posts") and node in ("me", PAGE_ID):
            since, until = request.arg("since"), request.arg("until")
            found = sorted(self.posts.values(), key=lambda p: p["_at"], reverse=True)
            found = [
                p
                for p in found
                if (not since or p["_at"] >= int(since)) and (not until or p["_at"] < int(until))
            ]
            fields = request.arg("fields", "id,message,created_time")
            return self._paged(request, [_only(p, fields) for p in found])
        if edge == "comments" and (node in self.posts or node in self.fb_comments):
            found = [c for c in self.fb_comments.values() if c["parent_id"] == node]
            if request.arg("order") == "reverse_chronological":
                found.reverse()
            fields = request.arg("fields", "id,message,created_time,from")
            return self._paged(request, [self._fb_comment_json(c, fields) for c in found])
        if edge == "replies" and node in self.comments:
            found = [c for c in self.comments.values() if c.get("parent_id") == node]
            fields = request.arg("fields", "id,text,timestamp")
            return self._paged(request, [_only(c, fields) for c in found])
        return _missing(node)

    def _create_on_edge(self, request: Request, node: str, edge: str):
        params = _params(request)
        if edge == "messages":
            return self._private_reply(node, params)
        if edge == "feed" and node in ("me", PAGE_ID):
            return self._page_post(params)
        if edge == "comments" and (node in self.posts or node in self.fb_comments):
            if "pages_manage_engagement" not in self.permissions:
                return _permission("pages_manage_engagement")
            refused = _refused_text(params.get("message"), FB_COMMENT_MAX)
            if refused:
                return refused
            comment = self._fb_comment(node, params["message"], dict(self.page))
            self.posted.append(comment)
            return 200, {"id": comment["id"]}
        if edge == "replies" and node in self.comments:
            if "instagram_manage_comments" not in self.permissions:
                return _permission("instagram_manage_comments")
            refused = _refused_text(params.get("message"), IG_COMMENT_MAX)
            if refused:
                return refused
            parent = self.comments[node]
            parent = self.comments.get(parent.get("parent_id"), parent)  # replies stay flat
            if parent.get("hidden"):
                return graph_error(100, "(#100) Cannot reply to a hidden comment")
            media = parent["media"]["id"]
            reply = self._ig_comment(media, params["message"], dict(self.ig_user), parent)
            self.posted.append(reply)
            return 200, {"id": reply["id"]}
        return _missing(node, "post")

    def _moderate(self, request: Request, node: str):
        params = _params(request)
        if node in self.fb_comments and "is_hidden" in params:
            if "pages_manage_engagement" not in self.permissions:
                return _permission("pages_manage_engagement")
            hidden = params["is_hidden"] == "true"
            self.fb_comments[node]["is_hidden"] = hidden
        elif node in self.comments and "hide" in params:
            if "instagram_manage_comments" not in self.permissions:
                return _permission("instagram_manage_comments")
            hidden = params["hide"] == "true"
            self.comments[node]["hidden"] = hidden
        else:
            return _missing(node, "post")
        self.moderated.append((node, hidden))
        return 200, {"success": True}

    def _delete(self, request: Request, node: str):
        if node in self.fb_comments:
            needed, store = "pages_manage_engagement", self.fb_comments
        elif node in self.comments:
            needed, store = "instagram_manage_comments", self.comments
        else:
            return _missing(node, "delete")
        if needed not in self.permissions:
            return _permission(needed)
        del store[node]
        self.deleted.append(node)
        return 200, {"success": True}

    def _page_post(self, params: dict):
        if "pages_manage_posts" not in self.permissions:
            return _permission("pages_manage_posts")
        refused = _refused_text(params.get("message"), FB_POST_MAX)
        if refused:
            return refused
        last = max(self.posts.values(), key=lambda p: p["_at"], default=None)
        recent = last is not None and time.time() - last["_at"] < DUPLICATE_WINDOW
        if recent and last["message"] == params["message"]:
            return graph_error(506)
        post = self.page_post(params["message"], created_time=int(time.time()))
        self.posted.append(post)
        return 200, {"id": post["id"]}

    def _private_reply(self, node: str, params: dict):
        """One message to a commenter, by the Page or the IG account the comment is under."""
        recipient, message = _json_param(params, "recipient"), _json_param(params, "message")
        comment_id = str(recipient.get("comment_id") or "")
        if node in ("me", PAGE_ID):
            needed, comment = "pages_messaging", self.fb_comments.get(comment_id)
        elif node == IG_USER_ID:
            needed, comment = "instagram_manage_messages", self.comments.get(comment_id)
        else:
            return _missing(node, "post")
        if needed not in self.permissions:
            return _permission(needed)
        if comment is None:
            return graph_error(100, "(#100) No matching user found", subcode=2018001)
        if any(m["comment_id"] == comment_id for m in self.messages):
            return graph_error(10900)
        text = message.get("text")
        if not isinstance(text, str) or not text:
            return graph_error(100, "(#100) The parameter message is required")
        author = comment.get("from") or {}
        sent = {
            "message_id": f"m_{next(self._serial):08d}",
            "recipient_id": author.get("id", ""),
            "comment_id": comment_id,
            "text": text,
            "sender": node if node != "me" else PAGE_ID,
            "conversation_id": f"t_{next(self._serial):08d}",
        }
        self.messages.append(sent)
        return 200, {"recipient_id": sent["recipient_id"], "message_id": sent["message_id"]}

    # --- Helpers --------------------------------------------------------------------------

    def _fb_comment(self, on: str, message: str, author: dict) -> dict:
        object_id = on.split("_")[-1]
        comment = {
            "id": f"{object_id}_{next(self._serial) + 1000}",
            "message": message,
            "from": author,
            "created_time": "2026-03-01T12:00:00+0000",
            "parent_id": on,
            "is_hidden": False,
        }
        self.fb_comments[comment["id"]] = comment
        return comment

    def _ig_comment(self, media_id: str, text: str, author: dict, parent: dict | None) -> dict:
        comment_id = f"1800000000{next(self._serial) + 1000:07d}"
        comment = {
            "id": comment_id,
            "text": text,
            "timestamp": "2026-03-01T12:00:00+0000",
            "like_count": 0,
            "media": {"id": media_id},
            "from": author,
            "username": author["username"],
            "hidden": False,
        }
        if parent is not None:
            comment["parent_id"] = parent["id"]
        self.comments[comment_id] = comment
        return comment

    def _fb_comment_json(self, comment: dict, fields: str) -> dict:
        shown = _only(comment, fields or "id,message,created_time,from")
        wanted = _field_names(fields)
        if "can_reply_privately" in wanted:
            shown["can_reply_privately"] = comment["from"].get("id") != PAGE_ID
        if "private_reply_conversation" in wanted:
            sent = [m for m in self.messages if m["comment_id"] == comment["id"]]
            if sent:
                shown["private_reply_conversation"] = {
                    "id": sent[0]["conversation_id"],
                    "messages": {
                        "data": [{"id": sent[0]["message_id"], "message": sent[0]["text"]}]
                    },
                }
        return shown

    def _paged(self, request: Request, items: list):
        try:
            limit = min(int(request.arg("limit", "25")), 100)
            offset = int(base64.b64decode(request.arg("after", "") or "MA==").decode())
        except ValueError:
            return graph_error(100, "(#100) Invalid cursor")
        page = {"data": items[offset : offset + limit]}
        if page["data"]:
            page["paging"] = {
                "cursors": {
                    "before": base64.b64encode(str(offset).encode()).decode(),
                    "after": base64.b64encode(str(offset + len(page["data"])).encode()).decode(),
                }
            }
            if offset + limit < len(items):
                after = page["paging"]["cursors"]["after"]
                page["paging"]["next"] = f"https://graph.facebook.com{request.path}?after={after}"
        return 200, page

    def _error(self, status: int, body: dict, headers: dict) -> Reply:
        return Reply(status, body, {**headers, "WWW-Authenticate": 'OAuth "Facebook Platform"'})


def _params(request: Request) -> dict:
    """Graph takes parameters in the query, a form body or a JSON body, alike."""
    params = {k: v[0] for k, v in request.query.items() if v}
    content_type = request.headers.get("content-type", "")
    if "json" in content_type and request.body:
        body = json.loads(request.body)
        params |= body if isinstance(body, dict) else {}
    elif request.body:
        params |= {k: v[0] for k, v in parse_qs(request.body.decode()).items() if v}
    return params


def _json_param(params: dict, name: str) -> dict:
    value = params.get(name)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    return value if isinstance(value, dict) else {}


def _field_names(fields: str) -> set[str]:
    """The top-level names of a `fields` list (nested `{...}` selections skipped)."""
    names, depth, current = set(), 0, ""
    for char in fields:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "," and depth == 0:
            names.add(current.strip())
            current = ""
        elif depth == 0:
            current += char
    names.add(current.strip())
    return {name.split(".")[0] for name in names if name}


def _only(item: dict, fields: str) -> dict:
    wanted = _field_names(fields) | {"id"}
    return {k: v for k, v in item.items() if k in wanted}


def _refused_text(text, most: int):
    if not isinstance(text, str) or not text.strip():
        return graph_error(100, "(#100) The parameter message is required")
    if len(text) > most:
        return graph_error(100, f"(#100) Param message must be at most {most} characters long")
    return None


def _permission(name: str):
    return graph_error(200, f"(#200) Requires {name} permission to manage the object", status=403)


# --- Webhook deliveries ---------------------------------------------------------------


def signed_delivery(payload: dict, app_secret: str = APP_SECRET) -> tuple[bytes, dict[str, str]]:
    """The body Meta POSTs and its headers, `X-Hub-Signature-256` signed with `app_secret`."""
    body = json.dumps(payload).encode()
    signature = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={signature}"}


def delivery(object_: str, *changes: dict, entry_id: str = "1234567890", time: int = 1772366400):
    """One delivery of `changes` for one Page (`"page"`) or IG account (`"instagram"`)."""
    return {"object": object_, "entry": [{"id": entry_id, "time": time, "changes": list(changes)}]}


def page_comment(
    comment_id: str = "1234567890_111_222",
    *,
    message: str = "Acme broke my order",
    verb: str = "add",
    post_id: str = "1234567890_111",
    parent_id: str | None = None,
    author: tuple[str, str] = ("555", "Sam Doe"),
    created_time: int = 1772366400,
    item: str = "comment",
) -> dict:
    value = {
        "item": item,
        "verb": verb,
        "post_id": post_id,
        "parent_id": parent_id or post_id,
        "from": {"id": author[0], "name": author[1]},
        "created_time": created_time,
        "message": message,
    }
    if item == "comment":
        value["comment_id"] = comment_id
    return {"field": "feed", "value": value}


def instagram_comment(
    comment_id: str = "18000000000000001",
    *,
    text: str = "@acme where is my refund?",
    media_id: str = "17900000000000001",
    username: str = "sam.doe",
    parent_id: str | None = None,
) -> dict:
    value = {
        "id": comment_id,
        "text": text,
        "from": {"id": "17840000000000009", "username": username},
        "media": {"id": media_id, "media_product_type": "FEED"},
    }
    if parent_id:
        value["parent_id"] = parent_id
    return {"field": "comments", "value": value}


def instagram_mention(comment_id: str = "18000000000000002", media_id: str = "17900000000000002"):
    return {"field": "mentions", "value": {"comment_id": comment_id, "media_id": media_id}}
