"""YouTube: replies under comments, holding a comment for review, deleting the brand's reply.

The connected account holds an OAuth access token of the brand's channel
(`access_token`, scope youtube.force-ssl), sent as `Authorization: Bearer`.

- a reply is `comments.insert` (`POST /youtube/v3/comments?part=snippet` with
  `{"snippet": {"parentId", "textOriginal"}}`), always under the top-level comment:
  YouTube threads have one level, so a reply to a reply goes to the same parent, as
  the connector stores it (`parent_id`, else the reply id's part before the dot);
- a mention that is a video (from the video search) gets a top-level comment
  (`commentThreads.insert` with `videoId` and `topLevelComment.snippet.textOriginal`);
- hiding is `comments.setModerationStatus` with `heldForReview`, unhiding with
  `published` (204; only the owner of the video's channel may), never `rejected`,
  which cannot be undone to `published`;
- `comments.delete` (204) deletes a comment the brand wrote, and only those;
- no private messages, no report API: `report_page` is the author's channel;
- no text posts: the Data API cannot make community posts (`publish` says so).

Writes are not idempotent. After a write whose answer was lost, `find_sent` lists the
replies under the same parent (`comments.list?parentId=`, or the video's threads) and
takes the one the brand's channel wrote with the same text.

Quota: a write costs 50 units of the project's 10,000 a day, a list 1. YouTube sends no
rate-limit headers; `quotaExceeded` waits until midnight Pacific, as the connector does.
"""

from urllib.parse import parse_qs, urlsplit

import httpx

from monitoring.connectors.base import ConnectorError, PermanentError
from monitoring.connectors.youtube import (
    QUOTA_REASONS,
    SHORT_LIMIT_REASONS,
    YouTubeConnector,
    google_error,
)
from respond.publishers.base import Done, NotSupported, Publisher, Sent

COMMENTS = "/youtube/v3/comments"
THREADS = "/youtube/v3/commentThreads"
MODERATE = "/youtube/v3/comments/setModerationStatus"
CHANNELS = "/youtube/v3/channels"
FIND_PAGES = 5  # pages of 100 replies looked through for an earlier attempt
_KEPT = ("id", "parentId", "videoId", "authorChannelId", "publishedAt", "textDisplay")


class YouTubePublisher(Publisher, YouTubeConnector):
    secret_fields = ("access_token", "channel_id")
    max_length = 10_000  # comments.insert refuses longer with commentTextTooLong
    can_hide = True
    report_page_url = "https://www.youtube.com/@{handle}"  # "Report user" is on the channel

    def __init__(self, account, client):
        super().__init__(account, client)
        self._channel: str | None = None

    # --- Writes ---------------------------------------------------------------------------

    def publish(self, *, body: str, key: str, language: str = "") -> Sent:
        raise NotSupported(
            "YouTube has no API for community (text) posts; publish it on YouTube Studio."
        )

    def reply(self, *, mention, body: str, key: str) -> Sent:
        if _video_of_search(mention):
            return self._comment_on_video(mention, body)
        snippet = {"parentId": _top_level(mention), "textOriginal": body}
        response = self.write(
            "POST",
            COMMENTS,
            params={"part": "snippet"},
            json={"snippet": snippet},
            headers=self._auth(),
        )
        return self._sent(response, self.parse_json(response), _video(mention))

    def _comment_on_video(self, mention, body: str) -> Sent:
        snippet = {
            "channelId": mention.author_id,  # the video's channel
            "videoId": mention.external_id,
            "topLevelComment": {"snippet": {"textOriginal": body}},
        }
        response = self.write(
            "POST",
            THREADS,
            params={"part": "snippet"},
            json={"snippet": snippet},
            headers=self._auth(),
        )
        thread = self.parse_json(response)
        snippet = thread.get("snippet") if isinstance(thread, dict) else None
        top = snippet.get("topLevelComment") if isinstance(snippet, dict) else None
        return self._sent(response, top, mention.external_id)

    def find_sent(self, *, mention, body: str, private: bool, key: str) -> Sent | None:
        mine, wanted = self.channel_id(), body.strip()
        for comment in self._beside(mention):
            if _written_by(comment, mine) and _text(comment).strip() == wanted:
                link = _link(_video(mention), comment["id"])
                return Sent(str(comment["id"]), link, _kept(comment))
        return None

    def _beside(self, mention):
        """The comments a reply to `mention` sits among: its parent's replies, or the
        video's top-level comments."""
        if _video_of_search(mention):
            threads = self._listed(THREADS, {"videoId": mention.external_id, "order": "time"})
            return ((t.get("snippet") or {}).get("topLevelComment") for t in threads)
        return self._listed(COMMENTS, {"parentId": _top_level(mention)})

    def delete(self, *, network_id: str) -> Done:
        self.write("DELETE", COMMENTS, params={"id": _one(network_id)}, headers=self._auth())
        return Done(f"YouTube deleted comment {network_id}.", {"id": network_id, "deleted": True})

    def hide(self, *, mention, hidden: bool) -> Done:
        if _video_of_search(mention):
            raise NotSupported("YouTube lets a channel hold comments for review, not videos.")
        status = "heldForReview" if hidden else "published"
        params = {"id": _one(mention.external_id), "moderationStatus": status}
        self.write("POST", MODERATE, params=params, headers=self._auth())
        summary = (
            f"YouTube holds comment {mention.external_id} for review: hidden from the public."
            if hidden
            else f"YouTube shows comment {mention.external_id} again."
        )
        return Done(summary, {"id": mention.external_id, "moderationStatus": status})

    def report_page(self, *, mention) -> str:
        handle = (mention.author_handle or "").lstrip("@")
        if handle:
            return self.report_page_url.format(handle=handle)
        if mention.author_id:
            return f"https://www.youtube.com/channel/{mention.author_id}"
        return mention.url or "https://www.youtube.com/"

    # --- The brand's channel --------------------------------------------------------------

    def channel_id(self) -> str:
        """The brand's channel: set on its brand account or the secret, else asked of YouTube."""
        if self._channel is None:
            brand = self.account.brand_account
            known = (brand.platform_id if brand else "") or self.secret.get("channel_id", "")
            self._channel = known or self._own_channel()
        return self._channel

    def _own_channel(self) -> str:
        response = self.get(CHANNELS, params={"part": "id", "mine": "true"}, headers=self._auth())
        body = self.parse_json(response)
        items = body.get("items") if isinstance(body, dict) else None
        if not items or not isinstance(items[0], dict) or not items[0].get("id"):
            raise self.malformed(response, "channels.list?mine=true named no channel")
        return str(items[0]["id"])

    # --- Helpers --------------------------------------------------------------------------

    def _listed(self, path: str, params: dict):
        """The items of a list, page by page, at most FIND_PAGES pages (1 unit each)."""
        params = params | {"part": "snippet", "maxResults": 100, "textFormat": "plainText"}
        for _page in range(FIND_PAGES):
            response = self.get(path, params=params, headers=self._auth())
            body = self.parse_json(response)
            if not isinstance(body, dict) or not isinstance(body.get("items", []), list):
                raise self.malformed(response, "expected an object with a list of items")
            yield from (item for item in body.get("items", []) if isinstance(item, dict))
            token = body.get("nextPageToken")
            if not isinstance(token, str) or not token:
                return
            params = params | {"pageToken": token}

    def _sent(self, response: httpx.Response, comment, video: str) -> Sent:
        if not isinstance(comment, dict) or not comment.get("id"):
            raise self.malformed(response, "a comment without an id")
        return Sent(str(comment["id"]), _link(video, comment["id"]), _kept(comment))

    def _auth(self) -> dict:
        token = self.secret.get("access_token")
        if not token:
            raise PermanentError(
                f"The connected account {self.account} has no OAuth access token for YouTube."
            )
        return {"Authorization": f"Bearer {token}"}

    def error_for(self, response: httpx.Response) -> ConnectorError:
        reason, message = google_error(response)
        if reason in QUOTA_REASONS | SHORT_LIMIT_REASONS:
            return super().error_for(response)  # RateLimited, until midnight Pacific for quota
        detail = f"{response.status_code} {reason or response.reason_phrase}: {message}"
        kwargs = {"status_code": response.status_code, "body": response.text}
        if response.status_code == 401 or reason == "authError":
            return PermanentError(
                f"YouTube refused the access token ({detail}). Connect the channel again.",
                **kwargs,
            )
        if reason == "insufficientPermissions":
            return PermanentError(
                f"YouTube refused: the token lacks the youtube.force-ssl permission ({detail}).",
                **kwargs,
            )
        if reason == "commentsDisabled":
            return PermanentError(f"YouTube: comments are turned off there ({detail}).", **kwargs)
        if reason == "forbidden":
            return PermanentError(
                f"YouTube does not allow this ({detail}): only a comment's author may delete "
                "it, and only the owner of the video's channel may hold it for review.",
                **kwargs,
            )
        if response.status_code == 404:
            return PermanentError(f"YouTube no longer has this comment ({detail}).", **kwargs)
        return PermanentError(f"YouTube refused the request ({detail}).", **kwargs)


def _video_of_search(mention) -> bool:
    """A mention that is a video found by the search, not a comment."""
    raw_id = (mention.raw or {}).get("id")
    return isinstance(raw_id, dict) and bool(raw_id.get("videoId"))


def _one(comment_id: str) -> str:
    """One comment id: `id` takes a comma-separated list, and one mention is one comment."""
    if not comment_id or "," in comment_id:
        raise PermanentError(f"YouTube: {comment_id!r} is not one comment id.")
    return comment_id


def _top_level(mention) -> str:
    """The top-level comment a reply goes under: the mention's parent, or itself."""
    return mention.parent_id or mention.external_id.partition(".")[0]


def _video(mention) -> str:
    """The video a comment mention is on: its stored thread or comment says, else its link."""
    snippet = (mention.raw or {}).get("snippet")
    if isinstance(snippet, dict) and snippet.get("videoId"):
        return str(snippet["videoId"])
    return (parse_qs(urlsplit(mention.url or "").query).get("v") or [""])[0]


def _link(video: str, comment_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video}&lc={comment_id}" if video else ""


def _written_by(comment, channel: str) -> bool:
    if not isinstance(comment, dict) or not comment.get("id"):
        return False
    author = (comment.get("snippet") or {}).get("authorChannelId") or {}
    return isinstance(author, dict) and author.get("value") == channel


def _text(comment: dict) -> str:
    snippet = comment.get("snippet") or {}
    text = snippet.get("textOriginal") or snippet.get("textDisplay") or ""
    return text if isinstance(text, str) else ""


def _kept(comment: dict) -> dict:
    snippet = comment.get("snippet") or {}
    kept = {k: snippet.get(k) for k in _KEPT if k in snippet}
    return {"id": comment.get("id"), **kept}
