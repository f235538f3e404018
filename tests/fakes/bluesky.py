"""A fake Bluesky PDS: sessions and `app.bsky.feed.searchPosts`, fed by tests.

Accounts sign in with `createSession` (the default one is "acme.bsky.social" with
the app password "good-password"); search needs the session's access token. Posts
are postViews as the AppView sends them, searched by substring, newest first (by
the earlier of createdAt and indexedAt, as Bluesky sorts and filters `since`).
Every answer carries the `RateLimit-*` headers; the search bucket and the
createSession bucket count down separately.

    with FakeBluesky() as bsky:
        bsky.post("Acme kettles are great", likes=3)
        bsky.remaining = 1         # the next search spends the window: then 429
        bsky.expire_sessions()     # access tokens answer 400 ExpiredToken
        bsky.loop_cursor = True    # the search cursor never moves
"""

import time
from datetime import UTC, datetime, timedelta

from tests.fakes.base import FakeServer, Reply

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
WINDOW = 300


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def error(status: int, name: str, message: str) -> Reply:
    return Reply(status, {"error": name, "message": message})


class FakeBluesky(FakeServer):
    def __init__(self, *, accounts=None):
        super().__init__()
        self.accounts = accounts or {"acme.bsky.social": "good-password"}
        self.posts: list[dict] = []
        self.access: dict[str, bool] = {}  # access token: still valid
        self.refresh: dict[str, bool] = {}  # refresh token: still valid
        self.remaining = 3000
        self.session_remaining = 30
        self.reset_at = int(time.time()) + WINDOW
        self.loop_cursor = False
        self._serial = 0
        self._clock = START

    # --- What tests add -------------------------------------------------------------

    def post(
        self,
        text: str = "Talking about acme",
        *,
        handle: str = "alice.bsky.social",
        did: str | None = None,
        display_name: str = "Alice",
        verified: bool = False,
        created_at: datetime | None = None,
        langs=("en",),
        reply_to: dict | None = None,
        likes: int = 0,
        reposts: int = 0,
        replies: int = 0,
        quotes: int = 0,
    ) -> dict:
        """Add a postView; posts without `created_at` come a minute after the last one."""
        self._serial += 1
        if created_at is None:
            self._clock += timedelta(minutes=1)
            created_at = self._clock
        did = did or f"did:plc:{handle.split('.')[0]:x<24}"[:32]
        uri = f"at://{did}/app.bsky.feed.post/3l{self._serial:011d}"
        record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": iso(created_at)}
        if langs:
            record["langs"] = list(langs)
        if reply_to:
            root = (reply_to["record"].get("reply") or {}).get("root") or reply_to
            record["reply"] = {
                "root": {"uri": root["uri"], "cid": root["cid"]},
                "parent": {"uri": reply_to["uri"], "cid": reply_to["cid"]},
            }
        author = {"did": did, "handle": handle, "displayName": display_name, "labels": []}
        if verified:
            author["verification"] = {"verifications": [], "verifiedStatus": "valid"}
        view = {
            "uri": uri,
            "cid": f"bafyreib{self._serial:052d}",
            "author": author,
            "record": record,
            "replyCount": replies,
            "repostCount": reposts,
            "likeCount": likes,
            "quoteCount": quotes,
            "indexedAt": iso(created_at + timedelta(milliseconds=250)),
            "labels": [],
        }
        self.posts.append(view)
        return view

    def expire_sessions(self, *, refresh: bool = False) -> None:
        """Access tokens expire; with `refresh`, refresh tokens too."""
        self.access = dict.fromkeys(self.access, False)
        if refresh:
            self.refresh = dict.fromkeys(self.refresh, False)

    def calls(self, method: str) -> int:
        """How many requests reached `/xrpc/<method>`."""
        return sum(r.path == f"/xrpc/{method}" for r in self.requests)

    # --- The API ----------------------------------------------------------------------

    def handle(self, request) -> Reply:
        route = {
            ("POST", "/xrpc/com.atproto.server.createSession"): self.create_session,
            ("POST", "/xrpc/com.atproto.server.refreshSession"): self.refresh_session,
            ("GET", "/xrpc/app.bsky.feed.searchPosts"): self.search,
        }.get((request.method, request.path))
        if route is None:
            return error(404, "XRPCNotSupported", "XRPCNotSupported")
        session_call = request.path.endswith("createSession")
        limit = 30 if session_call else 3000
        left = self.session_remaining if session_call else self.remaining
        if left <= 0:
            reply = error(429, "RateLimitExceeded", "Rate Limit Exceeded")
        else:
            left -= 1
            if session_call:
                self.session_remaining = left
            else:
                self.remaining = left
            reply = route(request)
        reply.headers |= {
            "RateLimit-Limit": str(limit),
            "RateLimit-Remaining": str(left),
            "RateLimit-Reset": str(self.reset_at),
            "RateLimit-Policy": f"{limit};w={WINDOW}",
        }
        return reply

    def create_session(self, request) -> Reply:
        body = request.json() or {}
        identifier, password = body.get("identifier"), body.get("password")
        if not identifier or not password:
            return error(400, "InvalidRequest", 'Input must have the property "identifier"')
        if self.accounts.get(identifier) != password:
            return error(401, "AuthenticationRequired", "Invalid identifier or password")
        return self._session(identifier)

    def refresh_session(self, request) -> Reply:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.refresh:
            return error(400, "InvalidToken", "Token could not be verified")
        if not self.refresh.pop(token):
            return error(400, "ExpiredToken", "Token has expired")
        return self._session(token.split(":")[1])

    def _session(self, handle: str) -> Reply:
        self._serial += 1
        access, refresh = f"access:{handle}:{self._serial}", f"refresh:{handle}:{self._serial}"
        self.access[access] = True
        self.refresh[refresh] = True
        return Reply(
            200,
            {
                "did": f"did:plc:{handle.split('.')[0]:x<24}"[:32],
                "handle": handle,
                "accessJwt": access,
                "refreshJwt": refresh,
                "active": True,
            },
        )

    def search(self, request) -> Reply:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return error(401, "AuthMissing", "Authentication Required")
        valid = self.access.get(auth.removeprefix("Bearer "))
        if valid is None:
            return error(401, "InvalidToken", "Token could not be verified")
        if not valid:
            return error(400, "ExpiredToken", "Token has expired")
        q = request.arg("q")
        if not q:
            return error(400, "InvalidRequest", 'Error: Params must have the property "q"')
        try:
            limit = int(request.arg("limit", "25"))
            offset = int(request.arg("cursor") or 0)
        except ValueError:
            return error(400, "BadQueryString", "Invalid limit or cursor")
        if not 1 <= limit <= 100:
            return error(400, "InvalidRequest", "Error: limit must be between 1 and 100")

        since, until, lang = request.arg("since"), request.arg("until"), request.arg("lang")
        found = [
            p
            for p in self.posts
            if q.lower() in p["record"]["text"].lower()
            and (not lang or lang in p["record"].get("langs", []))
            and (not since or sort_at(p) >= parse(since))
            and (not until or sort_at(p) < parse(until))
        ]
        found.sort(key=sort_at, reverse=True)
        page = found[offset : offset + limit]
        body = {"hitsTotal": len(found), "posts": page}
        if self.loop_cursor:
            body["cursor"] = request.arg("cursor") or str(offset + limit)
        elif offset + limit < len(found):
            body["cursor"] = str(offset + limit)
        return Reply(200, body)


def parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sort_at(post: dict) -> datetime:
    return min(parse(post["record"]["createdAt"]), parse(post["indexedAt"]))
