"""Meta: the Graph API the webhook worker reads, and builders of signed webhook deliveries.

    with FakeMetaGraph() as graph:
        graph.add_comment("ig-1", "17841400000000001", "18000000000000001", "Hey @acme ...")
        ... MetaConnector reads graph.url ...

`GET /v21.0/{ig-user-id}?fields=mentioned_comment.comment_id({id}){fields}` answers
`{"mentioned_comment": {...}, "id": ig-user-id}` as the IG User node does;
`GET /v21.0/{comment-id}` answers the comment itself. An unknown id gets Graph's
error 100; a token other than `token` gets error 190. `graph_error(code)` builds
any other error for `inject(Fault(...))`, e.g. the rate limit (code 4).

Every answer carries `X-App-Usage` (`usage`, percentages of the app's quota), and
`X-Business-Use-Case-Usage` when `business_usage` is set.
"""

import hashlib
import hmac
import json
import re

from tests.fakes.base import FakeServer, Reply, Request

API = "/v21.0/"
TOKEN = "page-token-ok"
APP_SECRET = "app-secret-ok"
VERIFY_TOKEN = "verify-token-ok"

MENTIONED = re.compile(r"mentioned_comment\.comment_id\(([^)]*)\)(?:\{([^}]*)\})?")


def graph_error(code: int, message: str = "", *, subcode: int | None = None, status: int = 400):
    """(status, body) of a Graph API error, as `Fault(status=..., body=...)` wants them."""
    messages = {
        4: "(#4) Application request limit reached",
        17: "(#17) User request limit reached",
        100: "Unsupported get request. Object does not exist or cannot be loaded.",
        190: "Error validating access token: Session has expired.",
    }
    error = {
        "message": message or messages.get(code, f"(#{code}) Graph error"),
        "type": "OAuthException" if code in (4, 17, 190) else "GraphMethodException",
        "code": code,
        "fbtrace_id": "AbCdEfGhIjK",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return status, {"error": error}


class FakeMetaGraph(FakeServer):
    def __init__(self):
        super().__init__()
        self.token = TOKEN
        self.comments: dict[str, dict] = {}  # comment id → the comment as Graph shows it
        self.mentioned: dict[str, set[str]] = {}  # ig user id → comments mentioning it
        self.usage = {"call_count": 12, "total_cputime": 5, "total_time": 7}
        self.business_usage: dict | None = None  # {business id: [{"type", "call_count", ...}]}

    def add_comment(self, account_id: str, media_id: str, comment_id: str, text: str, **extra):
        self.comments[comment_id] = {
            "id": comment_id,
            "text": text,
            "timestamp": "2026-03-01T12:00:00+0000",
            "like_count": 3,
            "media": {"id": media_id},
            **extra,
        }
        self.mentioned.setdefault(account_id, set()).add(comment_id)

    def handle(self, request: Request) -> Reply:
        headers = {"X-App-Usage": json.dumps(self.usage)}
        if self.business_usage is not None:
            headers["X-Business-Use-Case-Usage"] = json.dumps(self.business_usage)
        if request.method != "GET" or not request.path.startswith(API):
            return self._error(*graph_error(100, "Unknown path components"), headers)
        if request.arg("access_token") != self.token:
            return self._error(*graph_error(190, subcode=463), headers)
        node = request.path[len(API) :]
        fields = request.arg("fields", "")
        mentioned = MENTIONED.search(fields)
        if mentioned:
            comment_id = mentioned.group(1)
            if comment_id not in self.mentioned.get(node, set()):
                return self._error(*graph_error(100, subcode=33), headers)
            comment = self.comments[comment_id]
            return Reply(body={"mentioned_comment": comment, "id": node}, headers=headers)
        if node in self.comments:
            return Reply(body=self.comments[node], headers=headers)
        return self._error(*graph_error(100, subcode=33), headers)

    def _error(self, status: int, body: dict, headers: dict) -> Reply:
        return Reply(status, body, {**headers, "WWW-Authenticate": 'OAuth "Facebook Platform"'})


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
