"""YouTube Data API v3: comments on the brand's videos or channel, and video search.

`stream.options` picks the sources, one or more:

- `{"video_ids": ["dQw4w9WgXcQ", ...]}`: the comment threads of each video;
- `{"channel_id": "UC..."}`: every comment thread on the channel's videos;
- `{"search": true}`: videos matching the stream's query (title and description).

Comment threads come newest first (`order=time`); each poll reads the first page of
each source and pages on only while every thread is new, stopping at what the last
poll saw (the watermark is the newest comment time per source, as for Bluesky). The
replies a thread carries (a few of the newest) come as mentions too. With a query,
`searchTerms` keeps only the threads that match.

YouTube sends no rate-limit headers: the connector counts the quota it spends in the
cursor, per Pacific day (commentThreads costs 1 unit of `daily_quota`, default
10,000; search.list has its own bucket of `daily_searches`, default 100), and stops
before going over. The count is per stream: streams sharing a key share its quota.
"""

import html
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import httpx
from django.conf import settings
from django.utils import timezone

from monitoring.connectors.base import (
    Connector,
    ConnectorError,
    NormalizedMention,
    Page,
    PermanentError,
    RateLimited,
    parse_time,
    require_fields,
    skip_reason,
)
from monitoring.connectors.paging import after_page, is_seen

PACIFIC = ZoneInfo("America/Los_Angeles")
THREADS = "/youtube/v3/commentThreads"
SEARCH = "/youtube/v3/search"
COMMENT_PAGE = 100  # commentThreads' maximum
SEARCH_PAGE = 50  # search.list's maximum
QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}
SHORT_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}


@dataclass(frozen=True)
class Source:
    kind: str  # "video", "channel" or "search"
    value: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.value}"

    @property
    def label(self) -> str:
        if self.kind == "search":
            return f"the video search for {self.value!r}"
        return f"the comments of {self.kind} {self.value}"


class YouTubeConnector(Connector):
    name = "youtube"
    label = "YouTube"
    platform = "youtube"
    default_base_url = "https://www.googleapis.com"
    secret_fields = ("api_key",)
    api_hosts = frozenset({"www.googleapis.com", "youtube.googleapis.com"})
    _source: Source | None = None  # the source being read, named in errors

    def fetch(self, cursor: dict) -> Page:
        if not self.secret.get("api_key"):
            raise PermanentError("YouTube credential needs an API key.")
        sources = self.sources()
        old = cursor.get("sources") or {}
        states = {s.key: old.get(s.key, {}) for s in sources}  # sources removed are dropped
        quota = spent_today(cursor.get("quota"))
        # A run paging down continues alone; otherwise every source gets its first page.
        todo = [s for s in sources if states[s.key].get("page")] or sources
        # Those read longest ago first, so a tight budget does not starve the last ones.
        todo.sort(key=lambda s: states[s.key].get("read_at", ""))

        mentions, problems, more, read = [], [], False, 0
        for source in todo:
            bucket, budget = self._budget(source)
            if quota[bucket] >= budget:
                continue  # waits for tomorrow's quota
            quota[bucket] += 1
            read += 1
            self._source = source
            found, state, source_more, issues = self._read(source, states[source.key])
            states[source.key] = state | {"read_at": timezone.now().isoformat()}
            mentions += found
            problems += issues
            more = more or source_more

        budgets = dict(self._budget(s) for s in sources)
        spent = [bucket for bucket, budget in budgets.items() if quota[bucket] >= budget]
        if not read or len(spent) == len(budgets):
            until = next_pacific_midnight(timezone.now())
            if not read:
                raise RateLimited(
                    f"YouTube daily quota ({' and '.join(spent)}) spent: waiting until "
                    f"midnight Pacific ({until:%Y-%m-%d %H:%M} UTC)",
                    until=until,
                )
            self.wait_until = until  # what was read is kept; the rest waits
        return Page(mentions, {"sources": states, "quota": quota}, more, problems)

    def _budget(self, source: Source) -> tuple[str, int]:
        """The quota bucket a source's calls count in, and how many it may spend a day."""
        if source.kind == "search":
            return "searches", int(self.options.get("daily_searches", 100))
        return "units", int(self.options.get("daily_quota", 10_000))

    def sources(self) -> list[Source]:
        video_ids = self.options.get("video_ids") or []
        if isinstance(video_ids, str):
            video_ids = [v.strip() for v in video_ids.split(",")]
        found = [Source("video", str(v)) for v in video_ids if v]
        if self.options.get("channel_id"):
            found.append(Source("channel", str(self.options["channel_id"])))
        if self.options.get("search"):
            if not self.query.strip():
                raise PermanentError("YouTube video search needs a query.")
            found.append(Source("search", self.query))
        if not found:
            raise PermanentError(
                "YouTube stream has nothing to read: set options.video_ids, channel_id or search."
            )
        return found

    def _read(self, source: Source, state: dict):
        """One page of one source: (mentions, new state, more to read now, problems)."""
        if source.kind == "search":
            path, params, read = SEARCH, self._search_params(state), self.video
        else:
            path, params, read = THREADS, self._thread_params(source), self.thread
        if state.get("page"):
            params["pageToken"] = state["page"]
        response = self.get(path, params=params | {"key": self.secret["api_key"]})
        body = self.parse_json(response)
        if not isinstance(body, dict) or not isinstance(body.get("items", []), list):
            raise self.malformed(response, "expected an object with a list of items")

        mentions, problems, fresh, reached_old = [], [], [], False
        for item in body.get("items", []):
            try:
                found = read(item)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                problems.append(f"YouTube item {_item_id(item)} skipped: {skip_reason(exc)}")
                continue
            # The first mention is the item listed (the thread's top comment, the video):
            # it decides where the listing reaches what was seen. Replies are only filtered.
            for index, mention in enumerate(found):
                if is_seen(state, mention.published_at, mention.external_id):
                    reached_old = reached_old or index == 0
                    continue
                fresh.append((mention.published_at, mention.external_id))
                mentions.append(mention)
        token = body.get("nextPageToken") if isinstance(body.get("nextPageToken"), str) else None
        state, more, problem = after_page(state, fresh, token, reached_old, self.label)
        return mentions, state, more, [*problems, problem] if problem else problems

    def _thread_params(self, source: Source) -> dict:
        params = {
            "part": "snippet,replies",
            "maxResults": COMMENT_PAGE,
            "order": "time",
            "textFormat": "plainText",
        }
        params["videoId" if source.kind == "video" else "allThreadsRelatedToChannelId"] = (
            source.value
        )
        if self.query.strip():
            params["searchTerms"] = self.query
        return params

    def _search_params(self, state: dict) -> dict:
        params = {
            "part": "snippet",
            "q": self.query,
            "type": "video",
            "order": "date",
            "maxResults": SEARCH_PAGE,
        }
        newest = parse_time(state.get("newest"))
        if newest:  # inclusive: the videos seen at that second are skipped by id
            params["publishedAfter"] = newest.strftime("%Y-%m-%dT%H:%M:%SZ")
        if self.language:
            params["relevanceLanguage"] = self.language
        return params

    # --- Items --------------------------------------------------------------------------

    def thread(self, item: dict) -> list[NormalizedMention]:
        """A comment thread: its top comment, then the replies it carries."""
        require_fields(item, "snippet")
        require_fields(item["snippet"], "topLevelComment")
        top = self.comment(item["snippet"]["topLevelComment"], item)
        replies = (item.get("replies") or {}).get("comments") or []
        return [top] + [self.comment(reply, item, top.external_id) for reply in replies]

    def comment(self, comment: dict, thread: dict, top_id: str = "") -> NormalizedMention:
        require_fields(comment, "id", "snippet")
        snippet = comment["snippet"]
        text = snippet.get("textOriginal") or snippet.get("textDisplay")
        if not isinstance(text, str) or not text:
            raise KeyError("textOriginal")
        published = parse_time(snippet.get("publishedAt"))
        if published is None:
            raise ValueError(f"unreadable publishedAt {snippet.get('publishedAt')!r}")
        video = snippet.get("videoId") or thread["snippet"].get("videoId") or ""
        counts = [snippet.get("likeCount")]
        if not top_id:
            counts.append(thread["snippet"].get("totalReplyCount"))
        author = snippet.get("authorChannelId") or {}
        name = snippet.get("authorDisplayName") or ""
        return NormalizedMention(
            platform=self.platform,
            external_id=comment["id"],
            text=text,
            published_at=published,
            author_id=author.get("value", "") if isinstance(author, dict) else "",
            author_handle=_handle(name, snippet.get("authorChannelUrl") or ""),
            author_name=name,
            url=f"https://www.youtube.com/watch?v={video}&lc={comment['id']}" if video else "",
            parent_id=(snippet.get("parentId") or top_id) if top_id else "",
            thread_id=top_id or comment["id"],
            engagement=_total(counts),
            # A top comment keeps its thread around it; the replies are stored on their own.
            raw={k: v for k, v in thread.items() if k != "replies"} if not top_id else comment,
        )

    def video(self, item: dict) -> list[NormalizedMention]:
        """A search result: the video's title and description, as YouTube escapes them."""
        require_fields(item, "id", "snippet")
        require_fields(item["id"], "videoId")
        snippet = item["snippet"]
        require_fields(snippet, "title")
        published = parse_time(snippet.get("publishedAt"))
        if published is None:
            raise ValueError(f"unreadable publishedAt {snippet.get('publishedAt')!r}")
        video = item["id"]["videoId"]
        text = html.unescape(snippet["title"])
        if snippet.get("description"):
            text = f"{text}\n\n{html.unescape(snippet['description'])}"
        return [
            NormalizedMention(
                platform=self.platform,
                external_id=video,
                text=text,
                published_at=published,
                author_id=snippet.get("channelId") or "",
                author_name=snippet.get("channelTitle") or "",
                url=f"https://www.youtube.com/watch?v={video}",
                thread_id=video,
                raw=item,
            )
        ]

    # --- Errors -------------------------------------------------------------------------

    def error_for(self, response: httpx.Response) -> ConnectorError:
        reason, message = google_error(response)
        detail = f"{response.status_code} {reason or response.reason_phrase}: {message}"
        kwargs = {"status_code": response.status_code, "body": response.text}
        if reason in QUOTA_REASONS:
            until = next_pacific_midnight(timezone.now())
            return RateLimited(
                f"YouTube quota spent ({detail}): waiting until midnight Pacific "
                f"({until:%Y-%m-%d %H:%M} UTC)",
                until=until,
                **kwargs,
            )
        if reason in SHORT_LIMIT_REASONS:
            wait = timedelta(seconds=settings.MONITORING_HTTP["default_rate_wait"])
            return RateLimited(
                f"YouTube rate limit ({detail})", until=timezone.now() + wait, **kwargs
            )
        if reason == "keyInvalid" or "api key" in message.lower() or "API_KEY" in response.text:
            return PermanentError(
                f"YouTube refused the API key ({detail}). Check the credential.", **kwargs
            )
        what = self._source.label if self._source else "the request"
        return PermanentError(f"YouTube refused {what} ({detail}).", **kwargs)


def google_error(response: httpx.Response) -> tuple[str, str]:
    """(reason, message) of a Google API error body; empty strings when it has none."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return "", response.text[:200]
    if not isinstance(error, dict):
        return "", str(error or "")[:200]
    errors = error.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    return str(first.get("reason") or ""), str(error.get("message") or first.get("message") or "")


def next_pacific_midnight(now: datetime) -> datetime:
    """When YouTube quotas reset."""
    today = now.astimezone(PACIFIC).date()
    return datetime.combine(today + timedelta(days=1), clock.min, PACIFIC).astimezone(UTC)


def spent_today(quota) -> dict:
    """The quota count kept in the cursor, started afresh on a new Pacific day."""
    day = timezone.now().astimezone(PACIFIC).date().isoformat()
    if not isinstance(quota, dict) or quota.get("day") != day:
        return {"day": day, "units": 0, "searches": 0}
    return {
        "day": day,
        "units": int(quota.get("units", 0)),
        "searches": int(quota.get("searches", 0)),
    }


def _handle(name: str, channel_url: str) -> str:
    """YouTube shows "@handle" as the display name; older answers put it in the URL."""
    if name.startswith("@"):
        return name
    _, at, handle = channel_url.partition("/@")
    return f"@{handle}" if at else ""


def _total(counts) -> int:
    return sum(c for c in counts if isinstance(c, int) and c > 0)


def _item_id(item) -> str:
    if not isinstance(item, dict):
        return "(not an object)"
    item_id = item.get("id")
    return repr(item_id.get("videoId") if isinstance(item_id, dict) else item_id)
