"""A fake Bluesky PDS: sessions, `app.bsky.feed.searchPosts` and the brand's writes.

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

Writes, as the signed-in account and in its own repository only (another repository
answers 401 AuthenticationRequired, or 403 AccountNotFound when it lives elsewhere):
`com.atproto.repo.createRecord` (a post validated as the lexicon says: a TID record
key, at most 300 graphemes and 3,000 bytes), `getRecord`, `deleteRecord`, and
`com.atproto.moderation.createReport` (kept in `bsky.reports` with the
`atproto-proxy` header it came with). Records are kept in `bsky.records`; a post
also joins `bsky.posts`. Writes spend points of their own hourly bucket (3 a create,
1 a delete, out of 5,000) as the PDS counts them.

Creating a record at a key already used answers as the PDS in service does: a bare
500 InternalServerError (bluesky-social/atproto#3718). With
`bsky.record_exists_error = "RecordAlreadyExists"` it answers as the pending change
does (bluesky-social/atproto#4728): 400 RecordAlreadyExists.
"""

import hashlib
import re
import time
from datetime import UTC, datetime, timedelta

from respond.publishers.textlength import graphemes
from tests.fakes.base import FakeServer, Reply

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
WINDOW = 300
POST = "app.bsky.feed.post"
RECORD_KEY = re.compile(r"[a-zA-Z0-9_~.:-]{1,512}")
TID = re.compile(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}")
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
# Rate-limit buckets: (limit, window in seconds); each method spends points of one.
BUCKETS = {"session": (30, WINDOW), "general": (3000, WINDOW), "write": (5000, 3600)}
ROUTES = {  # (HTTP method, XRPC method): (answered by, bucket, points)
    ("POST", "com.atproto.server.createSession"): ("create_session", "session", 1),
    ("POST", "com.atproto.server.refreshSession"): ("refresh_session", "general", 1),
    ("GET", "app.bsky.feed.searchPosts"): ("search", "general", 1),
    ("POST", "com.atproto.repo.createRecord"): ("create_record", "write", 3),
    ("GET", "com.atproto.repo.getRecord"): ("get_record", "general", 1),
    ("POST", "com.atproto.repo.deleteRecord"): ("delete_record", "write", 1),
    ("POST", "com.atproto.moderation.createReport"): ("create_report", "general", 1),
}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def error(status: int, name: str, message: str) -> Reply:
    return Reply(status, {"error": name, "message": message})


def did_for(handle: str) -> str:
    return f"did:plc:{handle.split('.')[0]:x<24}"[:32]


class FakeBluesky(FakeServer):
    def __init__(self, *, accounts=None):
        super().__init__()
        self.accounts = accounts or {"acme.bsky.social": "good-password"}
        self.posts: list[dict] = []
        self.access: dict[str, bool] = {}  # access token: still valid
        self.refresh: dict[str, bool] = {}  # refresh token: still valid
        self.remaining = 3000
        self.session_remaining = 30
        self.write_points = 5000
        self.records: dict[tuple[str, str, str], dict] = {}  # (did, collection, rkey)
        self.reports: list[dict] = []
        self.record_exists_error = ""
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
        did = did or did_for(handle)
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
        route = ROUTES.get((request.method, request.path.removeprefix("/xrpc/")))
        if route is None:
            return error(404, "XRPCNotSupported", "XRPCNotSupported")
        name, bucket, cost = route
        answer = getattr(self, name)
        left = self._left(bucket)
        if left < cost:
            reply = error(429, "RateLimitExceeded", "Rate Limit Exceeded")
        else:
            left -= cost
            self._spend(bucket, left)
            reply = answer(request)
        limit, window = BUCKETS[bucket]
        reply.headers |= {
            "RateLimit-Limit": str(limit),
            "RateLimit-Remaining": str(left),
            "RateLimit-Reset": str(self.reset_at),
            "RateLimit-Policy": f"{limit};w={window}",
        }
        return reply

    def _left(self, bucket: str) -> int:
        return {
            "session": self.session_remaining,
            "general": self.remaining,
            "write": self.write_points,
        }[bucket]

    def _spend(self, bucket: str, left: int) -> None:
        name = {"session": "session_remaining", "general": "remaining", "write": "write_points"}
        setattr(self, name[bucket], left)

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
                "did": did_for(handle),
                "handle": handle,
                "accessJwt": access,
                "refreshJwt": refresh,
                "active": True,
            },
        )

    def _signed_in(self, request) -> str | Reply:
        """The handle the request's access token belongs to, or the refusal."""
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return error(401, "AuthMissing", "Authentication Required")
        token = auth.removeprefix("Bearer ")
        valid = self.access.get(token)
        if valid is None:
            return error(401, "InvalidToken", "Token could not be verified")
        if not valid:
            return error(400, "ExpiredToken", "Token has expired")
        return token.split(":")[1]

    def search(self, request) -> Reply:
        handle = self._signed_in(request)
        if isinstance(handle, Reply):
            return handle
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

    # --- Writes ------------------------------------------------------------------------

    def _own_repo(self, request, repo) -> tuple[str, str] | Reply:
        """(did, handle) of the signed-in account when `repo` names it, or the refusal."""
        handle = self._signed_in(request)
        if isinstance(handle, Reply):
            return handle
        if repo in (did_for(handle), handle):
            return did_for(handle), handle
        if repo in self.accounts or repo in {did_for(h) for h in self.accounts}:
            return error(401, "AuthenticationRequired", "Authentication Required")
        return error(403, "AccountNotFound", "Account not found")

    def create_record(self, request) -> Reply:
        body = request.json() or {}
        own = self._own_repo(request, body.get("repo"))
        if isinstance(own, Reply):
            return own
        did, handle = own
        collection, record = body.get("collection"), body.get("record")
        if not isinstance(record, dict) or record.get("$type") != collection:
            got = record.get("$type") if isinstance(record, dict) else None
            return error(400, "InvalidRequest", f"Invalid $type: expected {collection}, got {got}")
        self._serial += 1
        rkey = body.get("rkey") or _tid(self._serial)
        if not RECORD_KEY.fullmatch(rkey) or (collection == POST and not TID.fullmatch(rkey)):
            return error(400, "InvalidRequest", f"Invalid record key: {rkey}")
        if collection == POST and (problem := _invalid_post(record)):
            return error(400, "InvalidRequest", f"Invalid {POST} record: {problem}")
        if (did, collection, rkey) in self.records:
            if self.record_exists_error:
                message = f"Record already exists: {collection}/{rkey}"
                return error(400, self.record_exists_error, message)
            return error(500, "InternalServerError", "Internal Server Error")
        uri = f"at://{did}/{collection}/{rkey}"
        cid = "bafyrei" + hashlib.sha256(repr(record).encode()).hexdigest()[:52]
        self.records[(did, collection, rkey)] = {"uri": uri, "cid": cid, "value": record}
        if collection == POST:
            self._index(uri, cid, record, did, handle)
        commit = {"cid": f"bafyreic{self._serial:051d}", "rev": _tid(self._serial)}
        return Reply(200, {"uri": uri, "cid": cid, "commit": commit, "validationStatus": "valid"})

    def _index(self, uri: str, cid: str, record: dict, did: str, handle: str) -> None:
        """A created post as the AppView shows it, so search and threads see it."""
        author = {"did": did, "handle": handle, "displayName": handle.split(".")[0].title()}
        self.posts.append(
            {
                "uri": uri,
                "cid": cid,
                "author": author | {"labels": []},
                "record": record,
                "replyCount": 0,
                "repostCount": 0,
                "likeCount": 0,
                "quoteCount": 0,
                "indexedAt": record.get("createdAt"),
                "labels": [],
            }
        )

    def find_record(self, uri: str) -> dict | None:
        return next((r for r in self.records.values() if r["uri"] == uri), None)

    def get_record(self, request) -> Reply:
        repo, collection, rkey = (request.arg(k) for k in ("repo", "collection", "rkey"))
        if not repo or not collection or not rkey:
            return error(400, "InvalidRequest", 'Error: Params must have the property "rkey"')
        did = did_for(repo) if repo in self.accounts else repo
        found = self.records.get((did, collection, rkey))
        if found is None:
            uri = f"at://{did}/{collection}/{rkey}"
            return error(400, "RecordNotFound", f"Could not locate record: {uri}")
        return Reply(200, found)

    def delete_record(self, request) -> Reply:
        body = request.json() or {}
        own = self._own_repo(request, body.get("repo"))
        if isinstance(own, Reply):
            return own
        did, _handle = own
        removed = self.records.pop((did, body.get("collection"), body.get("rkey")), None)
        if removed is None:
            return Reply(200, {})  # deleting what is not there is a no-op
        self.posts = [p for p in self.posts if p["uri"] != removed["uri"]]
        self._serial += 1
        return Reply(
            200, {"commit": {"cid": f"bafyreic{self._serial:051d}", "rev": _tid(self._serial)}}
        )

    def create_report(self, request) -> Reply:
        handle = self._signed_in(request)
        if isinstance(handle, Reply):
            return handle
        body = request.json() or {}
        subject, reason_type = body.get("subject"), body.get("reasonType")
        if not isinstance(reason_type, str) or not reason_type:
            return error(400, "InvalidRequest", 'Input must have the property "reasonType"')
        if not _reportable(subject):
            message = 'Input/subject must be an object which includes the "$type" property'
            return error(400, "InvalidRequest", message)
        if graphemes(body.get("reason") or "") > 2000:
            return error(
                400, "InvalidRequest", "Input/reason must not be longer than 2000 graphemes"
            )
        report = {
            "id": len(self.reports) + 1,
            "reasonType": reason_type,
            "reason": body.get("reason"),
            "subject": subject,
            "reportedBy": did_for(handle),
            "createdAt": iso(datetime.now(UTC)),
        }
        self.reports.append(report | {"proxy": request.headers.get("atproto-proxy")})
        return Reply(200, report)


def _reportable(subject) -> bool:
    """An account (repoRef with a DID) or a record (strongRef with uri and cid)."""
    if not isinstance(subject, dict):
        return False
    if subject.get("$type") == "com.atproto.admin.defs#repoRef":
        return str(subject.get("did", "")).startswith("did:")
    return subject.get("$type") == "com.atproto.repo.strongRef" and bool(
        subject.get("uri") and subject.get("cid")
    )


def _invalid_post(record: dict) -> str:
    """Why a post record breaks the lexicon ("" when it does not)."""
    text = record.get("text")
    if not isinstance(text, str):
        return 'Record must have the property "text"'
    if not isinstance(record.get("createdAt"), str):
        return 'Record must have the property "createdAt"'
    if len(text.encode()) > 3000:
        return "Record/text must not be longer than 3000 characters"
    if graphemes(text) > 300:
        return "Record/text must not be longer than 300 graphemes"
    return ""


def _tid(serial: int) -> str:
    """A TID as the PDS makes one: microseconds now and a clock id."""
    value = (int(time.time() * 1_000_000) + serial) << 10 | 7
    return "".join(TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


def parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sort_at(post: dict) -> datetime:
    return min(parse(post["record"]["createdAt"]), parse(post["indexedAt"]))
