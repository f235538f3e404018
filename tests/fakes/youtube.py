"""A fake YouTube Data API v3: `commentThreads.list` and `search.list`, fed by tests.

The key "test-key" is valid; any other answers 400 badRequest (API_KEY_INVALID) as
Google does. Comment threads come newest first by their top comment with up to
five replies each; search finds videos by substring in title or description,
newest first. Page tokens are opaque. Quota is counted like YouTube's: 10,000
units a day (commentThreads costs 1) and a separate bucket of 100 searches; spent,
they answer 403 quotaExceeded.

    with FakeYouTube() as yt:
        top = yt.comment("vid1", "Love the acme kettle")
        yt.comment("vid1", "Same!", reply_to=top)
        yt.quota_left = 0                  # the next call answers 403 quotaExceeded
        yt.disable_comments("vid1")        # 403 commentsDisabled
        yt.loop_page_token = True          # nextPageToken never moves
"""

import base64
import html
from datetime import UTC, datetime, timedelta

from tests.fakes.base import FakeServer, Reply

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
REPLIES_SHOWN = 5
KEY_INVALID = "API key not valid. Please pass a valid API key."
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
    def __init__(self, *, keys=("test-key",)):
        super().__init__()
        self.keys = set(keys)
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

    # --- The API ----------------------------------------------------------------------

    def handle(self, request) -> Reply:
        route = {
            "/youtube/v3/commentThreads": self.comment_threads,
            "/youtube/v3/search": self.search,
        }.get(request.path)
        if request.method != "GET" or route is None:
            return google_error(404, "notFound", "Not Found")
        key = request.arg("key")
        if not key:
            return google_error(
                403,
                "forbidden",
                "Method doesn't allow unregistered callers (callers without established "
                "identity). Please use API Key or other form of API consumer identity to call "
                "this API.",
                status="PERMISSION_DENIED",
            )
        if key not in self.keys:
            return google_error(400, "badRequest", KEY_INVALID, status="INVALID_ARGUMENT")
        if not request.arg("part"):
            return google_error(
                400, "required", "Required parameter: part", domain="global", status=""
            )
        if route == self.search:
            if self.searches_left <= 0:
                return google_error(403, "quotaExceeded", QUOTA, domain="youtube.quota")
            self.searches_left -= 1
        else:
            if self.quota_left <= 0:
                return google_error(403, "quotaExceeded", QUOTA, domain="youtube.quota")
            self.quota_left -= 1
        return route(request)

    def comment_threads(self, request) -> Reply:
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

        terms = (request.arg("searchTerms") or "").lower()
        if terms:
            threads = [t for t in threads if terms in _text(t["top"]).lower()]
        threads.sort(key=lambda t: t["top"]["snippet"]["publishedAt"], reverse=True)
        plain = request.arg("textFormat", "html") == "plainText"
        with_replies = "replies" in request.arg("part").split(",")
        items = [self._thread_json(t, plain, with_replies) for t in threads]
        return self._page(request, items, "youtube#commentThreadListResponse", 20, 100)

    def search(self, request) -> Reply:
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
        if with_replies and thread["replies"]:
            item["replies"] = {"comments": [shown(c) for c in thread["replies"][-REPLIES_SHOWN:]]}
        return item


def _text(comment: dict) -> str:
    return comment["snippet"].get("textOriginal", "")  # a test may have removed it
