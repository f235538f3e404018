"""A fake YouTube Data API v3, fed by tests: reads with an API key, writes as a channel.

Reads: `commentThreads.list`, `comments.list` (the replies to a comment) and
`search.list`. The key "test-key" is valid; any other answers 400 badRequest
(API_KEY_INVALID) as Google does. Comment threads come newest first by their top
comment with up to five replies each; search finds videos by substring in title or
description, newest first. Page tokens are opaque.

Writes need an OAuth token (`Authorization: Bearer`): `OAUTH_TOKEN` acts as the
channel `BRAND_CHANNEL`; another token answers 401 authError, a token without the
youtube.force-ssl scope (`yt.scopes.clear()`) 403 insufficientPermissions.

- `comments.insert` (`POST /youtube/v3/comments?part=snippet`, a reply under a
  top-level comment, 10,000 characters at most) answers the comment resource;
- `commentThreads.insert` (a top-level comment on a video) the thread;
- `comments.delete` (`DELETE ?id=`, the author's own comment only) and
  `comments.setModerationStatus` (`POST ?id=&moderationStatus=`, the video's
  channel only) answer 204 with no body; a comment held for review is no longer
  listed; `channels.list?mine=true` names the token's channel.

Quota is counted like YouTube's: 10,000 units a day (a list costs 1, a write 50) and
a separate bucket of 100 searches; spent, they answer 403 quotaExceeded.

    with FakeYouTube() as yt:
        top = yt.comment("vid1", "Love the acme kettle")
        yt.comment("vid1", "Same!", reply_to=top)
        yt.quota_left = 0                  # the next call answers 403 quotaExceeded
        yt.disable_comments("vid1")        # 403 commentsDisabled
        yt.loop_page_token = True          # nextPageToken never moves
        yt.posted / yt.deleted / yt.moderated   # what writes did, for assertions
"""

import base64
import html
import json
from datetime import UTC, datetime, timedelta

from tests.fakes.base import FakeServer, Reply

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
REPLIES_SHOWN = 5
KEY_INVALID = "API key not valid. Please pass a valid API key."
OAUTH_TOKEN = "yt-oauth-ok"
BRAND_CHANNEL = "UCacme0000000000000000"
FORCE_SSL = "https://www.googleapis.com/auth/youtube.force-ssl"
MAX_COMMENT = 10_000
WRITE_COST = 50  # comments.insert, commentThreads.insert, delete, setModerationStatus
MODERATION = {"heldForReview", "published", "rejected"}
QUOTA = (
    'The request cannot be completed because you have exceeded your <a href="/youtube/v3/'
    'getting-started#quota">quota</a>.'
)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def google_error(code: int, reason: str, message: str, *, domain="global", status="") -> Reply:
    error = {
        "code": code,
        "message": message,
        "errors": [{"message": message, "domain": domain, "reason": reason}],
    }
    if status:
        error["status"] = status
    if reason == "badRequest" and message == KEY_INVALID:
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "youtube.googleapis.com"},
            }
        ]
    return Reply(code, {"error": error})


def page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def read_token(token: str) -> int:
    padded = token + "=" * (-len(token) % 4)
    return int(base64.urlsafe_b64decode(padded).decode().removeprefix("offset:"))


class FakeYouTube(FakeServer):
    def __init__(self, *, keys=("test-key",), tokens=None):
        super().__init__()
        self.keys = set(keys)
        self.tokens = dict(tokens or {OAUTH_TOKEN: (BRAND_CHANNEL, "@acme")})  # → (channel, name)
        self.scopes = {FORCE_SSL}  # what every token was granted
        self.posted: list[dict] = []  # comments written through the API, in order
        self.deleted: list[str] = []
        self.moderated: list[tuple[str, str]] = []  # (comment id, new status)
        self.status: dict[str, str] = {}  # comment id → moderation status, when not published
        self.videos: dict[str, dict] = {}  # video id: search result
        self.threads: dict[str, list[dict]] = {}  # video id: threads, replies kept apart
        self.disabled: set[str] = set()
        self.quota_left = 10_000
        self.searches_left = 100
        self.loop_page_token = False
        self._serial = 0
        self._clock = START

    # --- What tests add -------------------------------------------------------------

    def _next_time(self, at: datetime | None) -> datetime:
        if at is None:
            self._clock += timedelta(minutes=1)
            at = self._clock
        return at

    def video(
        self,
        video_id: str,
        *,
        title: str = "Acme kettle review",
        description: str = "",
        channel_id: str = "UCacme0000000000000000",
        channel_title: str = "Acme",
        published_at: datetime | None = None,
    ) -> dict:
        """Add a video (as a search result); comments need none, they add a default one."""
        published = stamp(self._next_time(published_at))
        self.videos[video_id] = {
            "kind": "youtube#searchResult",
            "etag": f"etag-{video_id}",
            "id": {"kind": "youtube#video", "videoId": video_id},
            "snippet": {
                "publishedAt": published,
                "channelId": channel_id,
                "title": html.escape(title),  # search.list escapes as HTML, even in JSON
                "description": html.escape(description),
                "thumbnails": {},
                "channelTitle": channel_title,
                "liveBroadcastContent": "none",
                "publishTime": published,
            },
        }
        self.threads.setdefault(video_id, [])
        return self.videos[video_id]

    def comment(
        self,
        video_id: str,
        text: str = "Talking about acme",
        *,
        author: str = "@viewer",
        author_channel_id: str = "UCviewer000000000000000",
        published_at: datetime | None = None,
        likes: int = 0,
        reply_to: dict | None = None,
    ) -> dict:
        """Add a comment: a new thread, or a reply to the thread of `reply_to`."""
        if video_id not in self.videos:
            self.video(video_id, published_at=START)
        self._serial += 1
        published = stamp(self._next_time(published_at))
        comment = {
            "kind": "youtube#comment",
            "etag": f"etag-c{self._serial}",
            "id": f"Ugz{self._serial:018d}4AaABAg",
            "snippet": {
                "channelId": self.videos[video_id]["snippet"]["channelId"],
                "videoId": video_id,
                "textDisplay": text,
                "textOriginal": text,
                "authorDisplayName": author,
                "authorProfileImageUrl": "https://yt3.ggpht.com/a/default-user=s48",
                "authorChannelUrl": f"http://www.youtube.com/{author}",
                "authorChannelId": {"value": author_channel_id},
                "canRate": True,
                "viewerRating": "none",
                "likeCount": likes,
                "publishedAt": published,
                "updatedAt": published,
            },
        }
        if reply_to is None:
            self.threads[video_id].append({"top": comment, "replies": []})
        else:
            thread = next(t for t in self.threads[video_id] if t["top"]["id"] == reply_to["id"])
            comment["id"] = f"{reply_to['id']}.{self._serial:022d}"
            comment["snippet"]["parentId"] = reply_to["id"]
            thread["replies"].append(comment)
        return comment

    def disable_comments(self, video_id: str) -> None:
        self.disabled.add(video_id)

    def calls(self, name: str) -> int:
        return sum(r.path == f"/youtube/v3/{name}" for r in self.requests)

    def calls_to(self, method: str, name: str) -> int:
        return sum(r.method == method and r.path == f"/youtube/v3/{name}" for r in self.requests)

    def find(self, comment_id: str) -> dict | None:
        """A comment (top-level or reply) by id, whatever its moderation status."""
        for threads in self.threads.values():
            for thread in threads:
                for comment in [thread["top"], *thread["replies"]]:
                    if comment["id"] == comment_id:
                        return comment
        return None

    # --- The API ----------------------------------------------------------------------

    def handle(self, request) -> Reply:
        route = {
            ("GET", "/youtube/v3/commentThreads"): (self.comment_threads, 1),
            ("GET", "/youtube/v3/comments"): (self.list_comments, 1),
            ("GET", "/youtube/v3/search"): (self.search, 1),
            ("GET", "/youtube/v3/channels"): (self.channels, 1),
            ("POST", "/youtube/v3/comments"): (self.insert_comment, WRITE_COST),
            ("POST", "/youtube/v3/commentThreads"): (self.insert_thread, WRITE_COST),
            ("DELETE", "/youtube/v3/comments"): (self.delete_comment, WRITE_COST),
            ("POST", "/youtube/v3/comments/setModerationStatus"): (self.moderate, WRITE_COST),
        }.get((request.method, request.path))
        if route is None:
            return google_error(404, "notFound", "Not Found")
        handler, cost = route
        caller = self._caller(request, write=request.method != "GET")
        if isinstance(caller, Reply):
            return caller
        needs_part = request.method != "DELETE" and not request.path.endswith("ModerationStatus")
        if needs_part and not request.arg("part"):
            return google_error(
                400, "required", "Required parameter: part", domain="global", status=""
            )
        if handler == self.search:
            if self.searches_left <= 0:
                return google_error(403, "quotaExceeded", QUOTA, domain="youtube.quota")
            self.searches_left -= 1
        else:
            if self.quota_left < max(cost, 1):
                return google_error(403, "quotaExceeded", QUOTA, domain="youtube.quota")
            self.quota_left -= cost
        return handler(request, caller)

    def _caller(self, request, *, write: bool) -> Reply | tuple | None:
        """The refusal, or who calls: (channel id, name) for a token, None for an API key."""
        bearer = request.headers.get("authorization", "")
        if bearer.startswith("Bearer "):
            if bearer.removeprefix("Bearer ") not in self.tokens:
                return google_error(
                    401,
                    "authError",
                    "Request had invalid authentication credentials. Expected OAuth 2 access "
                    "token, login cookie or other valid authentication credential.",
                    status="UNAUTHENTICATED",
                )
            if FORCE_SSL not in self.scopes:
                return google_error(
                    403,
                    "insufficientPermissions",
                    "Request had insufficient authentication scopes.",
                    status="PERMISSION_DENIED",
                )
            return self.tokens[bearer.removeprefix("Bearer ")]
        key = request.arg("key")
        if write or not key:
            return google_error(
                401 if write else 403,
                "required" if write else "forbidden",
                "Login Required."
                if write
                else "Method doesn't allow unregistered callers "
                "(callers without established identity). Please use API Key or other form of "
                "API consumer identity to call this API.",
                status="UNAUTHENTICATED" if write else "PERMISSION_DENIED",
            )
        if key not in self.keys:
            return google_error(400, "badRequest", KEY_INVALID, status="INVALID_ARGUMENT")
        return None

    def comment_threads(self, request, caller=None) -> Reply:
        filters = [f for f in ("videoId", "allThreadsRelatedToChannelId", "id") if request.arg(f)]
        if len(filters) != 1:
            return google_error(
                400,
                "incompatibleParameters" if filters else "missingRequiredParameter",
                "Exactly one of videoId, allThreadsRelatedToChannelId or id must be set.",
                domain="youtube.parameter",
            )
        video, channel = request.arg("videoId"), request.arg("allThreadsRelatedToChannelId")
        if video:
            if video not in self.videos:
                return google_error(
                    404,
                    "videoNotFound",
                    'The video identified by the <code><a href="/youtube/v3/docs/'
                    'commentThreads/list#videoId">videoId</a></code> parameter could not be '
                    "found.",
                    domain="youtube.commentThread",
                )
            if video in self.disabled:
                return google_error(
                    403,
                    "commentsDisabled",
                    'The video identified by the <code><a href="/youtube/v3/docs/'
                    'commentThreads/list#videoId">videoId</a></code> parameter has disabled '
                    "comments.",
                    domain="youtube.commentThread",
                )
            threads = list(self.threads[video])
        elif channel:
            owned = [v for v, r in self.videos.items() if r["snippet"]["channelId"] == channel]
            if not owned:
                return google_error(
                    404, "channelNotFound", "Channel not found.", domain="youtube.commentThread"
                )
            threads = [t for v in owned if v not in self.disabled for t in self.threads[v]]
        else:
            wanted = set(request.arg("id").split(","))
            threads = [t for ts in self.threads.values() for t in ts if t["top"]["id"] in wanted]

        threads = [t for t in threads if self._public(t["top"])]
        terms = (request.arg("searchTerms") or "").lower()
        if terms:
            threads = [t for t in threads if terms in _text(t["top"]).lower()]
        threads.sort(key=lambda t: t["top"]["snippet"]["publishedAt"], reverse=True)
        plain = request.arg("textFormat", "html") == "plainText"
        with_replies = "replies" in request.arg("part").split(",")
        items = [self._thread_json(t, plain, with_replies) for t in threads]
        return self._page(request, items, "youtube#commentThreadListResponse", 20, 100)

    def search(self, request, caller=None) -> Reply:
        q = (request.arg("q") or "").lower()
        after = request.arg("publishedAfter")
        found = [
            v
            for v in self.videos.values()
            if q in f"{v['snippet']['title']} {v['snippet']['description']}".lower()
            and (not after or v["snippet"]["publishedAt"] >= after)
        ]
        found.sort(key=lambda v: v["snippet"]["publishedAt"], reverse=True)
        return self._page(request, found, "youtube#searchListResponse", 5, 50)

    def _page(self, request, items: list, kind: str, default: int, most: int) -> Reply:
        try:
            size = int(request.arg("maxResults", str(default)))
            offset = read_token(request.arg("pageToken")) if request.arg("pageToken") else 0
        except ValueError:
            return google_error(
                400, "invalidPageToken", "The request specifies an invalid page token."
            )
        if not 1 <= size <= most:
            return google_error(
                400,
                "invalidParameter",
                f"Invalid value for maxResults: must be between 1 and {most}.",
                domain="youtube.parameter",
            )
        body = {
            "kind": kind,
            "etag": f"etag-page-{offset}",
            "pageInfo": {"totalResults": len(items), "resultsPerPage": size},
            "items": items[offset : offset + size],
        }
        if self.loop_page_token and request.arg("pageToken"):
            body["nextPageToken"] = request.arg("pageToken")
        elif offset + size < len(items) or self.loop_page_token:
            body["nextPageToken"] = page_token(offset + size)
        return Reply(200, body)

    def _thread_json(self, thread: dict, plain: bool, with_replies: bool) -> dict:
        def shown(comment):
            if plain:
                return comment
            text = html.escape(_text(comment)).replace("\n", "<br>")
            return comment | {"snippet": comment["snippet"] | {"textDisplay": text}}

        top = thread["top"]
        item = {
            "kind": "youtube#commentThread",
            "etag": f"etag-t-{top['id']}",
            "id": top["id"],
            "snippet": {
                "channelId": top["snippet"]["channelId"],
                "videoId": top["snippet"]["videoId"],
                "topLevelComment": shown(top),
                "canReply": True,
                "totalReplyCount": len(thread["replies"]),
                "isPublic": True,
            },
        }
        replies = [c for c in thread["replies"] if self._public(c)]
        if with_replies and replies:
            item["replies"] = {"comments": [shown(c) for c in replies[-REPLIES_SHOWN:]]}
        return item

    # --- Writes and the reads that check them ------------------------------------------

    def channels(self, request, caller=None) -> Reply:
        """channels.list: only `mine=true` (the token's own channel) is needed here."""
        if request.arg("mine") != "true" or caller is None:
            return google_error(
                400, "missingRequiredParameter", "No filter selected.", domain="youtube.parameter"
            )
        channel = {"kind": "youtube#channel", "etag": f"etag-{caller[0]}", "id": caller[0]}
        body = {
            "kind": "youtube#channelListResponse",
            "etag": "etag-channels",
            "pageInfo": {"totalResults": 1, "resultsPerPage": 5},
            "items": [channel],
        }
        return Reply(200, body)

    def list_comments(self, request, caller=None) -> Reply:
        """comments.list by `parentId` (the replies to a top-level comment) or by `id`."""
        parent, ids = request.arg("parentId"), request.arg("id")
        if bool(parent) == bool(ids):
            return google_error(
                400,
                "incompatibleParameters" if parent else "missingRequiredParameter",
                "Exactly one of id or parentId must be set.",
                domain="youtube.parameter",
            )
        if parent:
            top = self.find(parent)
            if top is None or "parentId" in top["snippet"]:
                return _not_found()
            thread = self._thread_of(parent)
            found = [c for c in thread["replies"] if self._public(c)]
        else:
            wanted = ids.split(",")
            found = [c for c in map(self.find, wanted) if c is not None and self._public(c)]
        plain = request.arg("textFormat", "html") == "plainText"
        items = [c if plain else _as_html(c) for c in found]
        return self._page(request, items, "youtube#commentListResponse", 20, 100)

    def insert_comment(self, request, caller) -> Reply:
        """comments.insert: a reply under a top-level comment, as the token's channel."""
        snippet = _body_snippet(request)
        if snippet is None:
            return google_error(400, "invalidCommentMetadata", "The request metadata is invalid.")
        parent_id, text = snippet.get("parentId"), snippet.get("textOriginal")
        if not parent_id:
            return google_error(
                400, "parentIdMissing", "No parent ID was specified for the comment."
            )
        refused = _refused_text(text)
        if refused is not None:
            return refused
        parent = self.find(parent_id)
        if parent is None or not self._public(parent):
            return google_error(
                404,
                "parentCommentNotFound",
                "The specified parent comment could not be found.",
                domain="youtube.comment",
            )
        if "parentId" in parent["snippet"]:
            return google_error(
                400,
                "operationNotSupported",
                "The API user is not able to insert a comment in reply to the specified comment.",
            )
        video = parent["snippet"]["videoId"]
        if video in self.disabled:
            return _comments_disabled()
        channel, name = caller
        comment = self.comment(video, text, author=name, author_channel_id=channel, reply_to=parent)
        self.posted.append(comment)
        return Reply(200, _without_video(comment))

    def insert_thread(self, request, caller) -> Reply:
        """commentThreads.insert: a top-level comment on a video, as the token's channel."""
        snippet = _body_snippet(request)
        top = (((snippet or {}).get("topLevelComment") or {}).get("snippet")) or {}
        video = (snippet or {}).get("videoId")
        if not video or video not in self.videos:
            return google_error(
                404,
                "videoNotFound",
                "The video could not be found.",
                domain="youtube.commentThread",
            )
        refused = _refused_text(top.get("textOriginal"))
        if refused is not None:
            return refused
        if video in self.disabled:
            return _comments_disabled()
        channel, name = caller
        comment = self.comment(video, top["textOriginal"], author=name, author_channel_id=channel)
        self.posted.append(comment)
        return Reply(200, self._thread_json(self._thread_of(comment["id"]), True, False))

    def delete_comment(self, request, caller) -> Reply:
        """comments.delete: only the comment's author may (others moderate instead)."""
        comment = self.find(request.arg("id") or "")
        if comment is None:
            return _not_found()
        if comment["snippet"]["authorChannelId"]["value"] != caller[0]:
            return google_error(
                403, "forbidden", "The comment could not be deleted: insufficient permissions."
            )
        for threads in self.threads.values():
            for thread in list(threads):
                if thread["top"] is comment:
                    threads.remove(thread)
                elif comment in thread["replies"]:
                    thread["replies"].remove(comment)
        self.deleted.append(comment["id"])
        return Reply(204, None, content_type="")

    def moderate(self, request, caller) -> Reply:
        """comments.setModerationStatus: only the owner of the video's channel may."""
        status = request.arg("moderationStatus") or ""
        if status not in MODERATION:
            return google_error(
                400,
                "invalidModerationStatus" if status else "required",
                f"Invalid value for moderationStatus: {status!r}.",
            )
        if request.arg("banAuthor") == "true" and status != "rejected":
            return google_error(400, "banWithoutReject", "banAuthor requires rejected.")
        ids = (request.arg("id") or "").split(",")
        comments = [self.find(i) for i in ids]
        if not ids or any(c is None for c in comments):
            return _not_found()
        for comment in comments:
            video = self.videos[comment["snippet"]["videoId"]]
            if video["snippet"]["channelId"] != caller[0]:
                return google_error(
                    403,
                    "forbidden",
                    "The comment's moderation status could not be set: insufficient permissions.",
                )
            if self.status.get(comment["id"]) == "rejected" and status == "published":
                return google_error(
                    400, "operationNotSupported", "A rejected comment cannot be published."
                )
        for comment in comments:
            self.status[comment["id"]] = status
            self.moderated.append((comment["id"], status))
        return Reply(204, None, content_type="")

    def _public(self, comment: dict) -> bool:
        return self.status.get(comment["id"], "published") == "published"

    def _thread_of(self, top_id: str) -> dict:
        return next(t for ts in self.threads.values() for t in ts if t["top"]["id"] == top_id)


def _text(comment: dict) -> str:
    return comment["snippet"].get("textOriginal", "")  # a test may have removed it


def _as_html(comment: dict) -> dict:
    text = html.escape(_text(comment)).replace("\n", "<br>")
    return comment | {"snippet": comment["snippet"] | {"textDisplay": text}}


def _body_snippet(request) -> dict | None:
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return None
    snippet = body.get("snippet") if isinstance(body, dict) else None
    return snippet if isinstance(snippet, dict) else None


def _refused_text(text) -> Reply | None:
    if not isinstance(text, str) or not text.strip():
        return google_error(400, "commentTextRequired", "The comment text is required.")
    if len(text) > MAX_COMMENT:
        return google_error(400, "commentTextTooLong", "The comment text is too long.")
    return None


def _comments_disabled() -> Reply:
    return google_error(
        403,
        "commentsDisabled",
        "The video identified by the videoId parameter has disabled comments.",
        domain="youtube.commentThread",
    )


def _not_found() -> Reply:
    return google_error(
        404, "commentNotFound", "The comment could not be found.", domain="youtube.comment"
    )


def _without_video(comment: dict) -> dict:
    """The comment as comments.insert answers it, without `videoId`: YouTube's reference for
    the comment resource does not promise it, so the publisher takes the video elsewhere."""
    return comment | {"snippet": {k: v for k, v in comment["snippet"].items() if k != "videoId"}}
