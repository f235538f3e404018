"""Meta (Facebook Pages and Instagram): mentions pushed by webhook, never polled.

The webhook endpoint calls, in order:

- `verify_handshake(request.GET, verify_token)` when Meta checks the subscription:
  answer 200 with the returned challenge (as text/plain), or 403 on None;
- `verify_signature(raw_body, X-Hub-Signature-256, app_secret)` on every POST,
  on the raw bytes, before parsing anything;
- later, in a worker, `parse_delivery(payload)` → (mentions, problems, to_fetch),
  then `MetaConnector(stream, client).fetch_mentioned_comments(to_fetch)` for the
  Instagram @mentions whose text only the Graph API gives.

`parse_delivery` raises `DeliveryError` (a ValueError) when the payload is not a
delivery at all: trying it again cannot help. A single unreadable entry or
change is only reported in `problems`.
"""

import hashlib
import hmac
import json
import re
from datetime import datetime, timedelta

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
    epoch,
    error_text,
    parse_time,
    require_fields,
    skip_reason,
)

API_VERSION = "v21.0"
# Asked of a comment that @mentions the account (IG User mentioned_comment).
COMMENT_FIELDS = "id,text,timestamp,like_count,media"
MENTION_VERBS = frozenset({"add", "edited"})  # remove, hide, unhide are not mentions
POST_ITEMS = frozenset({"post", "status", "photo", "video", "share"})
TOKEN_CODES = frozenset({190})  # expired, revoked or invalid access token
RATE_CODES = frozenset({4, 17, 32, 613})  # app, user, page and custom rate limits
PERMISSION_CODES = frozenset({10, 200, 294})  # a permission the token was not granted
GRAPH_ID = re.compile(r"[0-9A-Za-z_]{1,64}")  # ids go into URL paths
CHALLENGE = re.compile(r"[0-9A-Za-z_.-]{1,256}")  # echoed back to the caller


class DeliveryError(ValueError):
    """The body is not a Meta webhook delivery (not an object with object and entry)."""


class GraphObjectError(PermanentError):
    """The Graph API refused one object (deleted, hidden, comments disabled): skip it."""


# --- Webhook requests ------------------------------------------------------------------


def verify_signature(body: bytes, header: str | None, app_secret: str) -> bool:
    """Whether `X-Hub-Signature-256` is the HMAC-SHA256 of the raw body under the app secret."""
    if not app_secret or not isinstance(header, str):
        return False
    scheme, _, given = header.strip().partition("=")
    if scheme != "sha256" or not given:
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), given.lower().encode("utf-8", "replace"))


def verify_handshake(params, verify_token: str) -> str | None:
    """The challenge to answer Meta's subscription check with, or None to refuse it.

    `params` is the query: a dict of strings, of lists (parse_qs), or a QueryDict.
    """
    mode, token, challenge = (
        _param(params, name) for name in ("hub.mode", "hub.verify_token", "hub.challenge")
    )
    if not verify_token or mode != "subscribe" or token is None or challenge is None:
        return None
    if not hmac.compare_digest(token.encode("utf-8", "replace"), verify_token.encode()):
        return None
    return challenge if CHALLENGE.fullmatch(challenge) else None


def _param(params, name: str) -> str | None:
    value = params.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return value if isinstance(value, str) else None


# --- Deliveries ------------------------------------------------------------------------


def parse_delivery(payload: dict) -> tuple[list[NormalizedMention], list[str], list[dict]]:
    """(mentions, problems, to_fetch) from one delivery.

    `to_fetch` holds `{"account_id", "comment_id", "media_id"}` for each Instagram
    comment @mention, for `MetaConnector.fetch_mentioned_comments`. A change that
    appears twice (added then edited in one batch) gives one mention, the last.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("object"), str):
        raise DeliveryError("not a Meta webhook delivery: no object")
    if "entry" not in payload:
        raise DeliveryError("not a Meta webhook delivery: no entry")
    kind, entries = payload["object"], payload["entry"]
    if kind not in ("page", "instagram"):
        return [], [f"deliveries for object {kind!r} are not handled"], []
    if not isinstance(entries, list):
        return [], ["entry is not a list"], []

    mentions: dict[tuple[str, str], NormalizedMention] = {}
    problems: list[str] = []
    to_fetch: dict[str, dict] = {}
    for number, entry in enumerate(entries):
        changes = entry.get("changes", []) if isinstance(entry, dict) else None
        if not isinstance(changes, list):  # an entry without changes (messaging) is fine
            problems.append(f"entry {number}: not an object with a list of changes")
            continue
        for index, change in enumerate(changes):
            try:
                if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                    raise TypeError("not an object with a value")
                found = _read_change(kind, entry, change)
            except (KeyError, TypeError, ValueError) as exc:
                problems.append(f"entry {number} change {index}: {skip_reason(exc)}")
                continue
            if isinstance(found, NormalizedMention):
                mentions[found.key] = found
            elif found is not None:
                to_fetch[found["comment_id"]] = found
    return list(mentions.values()), problems, list(to_fetch.values())


def _read_change(kind: str, entry: dict, change: dict) -> NormalizedMention | dict | None:
    field, value = change.get("field"), change["value"]
    raw = {"object": kind, "entry_id": entry.get("id"), "time": entry.get("time"), "change": change}
    if kind == "page":
        return _page_feed(value, entry.get("time"), raw) if field == "feed" else None
    if field == "comments":
        return instagram_comment(value, _when(entry.get("time")) or timezone.now(), raw)
    if field == "mentions":
        return _mention_to_fetch(entry, value)
    return None


def _page_feed(value: dict, entry_time, raw: dict) -> NormalizedMention | None:
    """A comment or visitor post on the Page; None for verbs and items that are no mention."""
    item = value.get("item")
    if value.get("verb") not in MENTION_VERBS or (item != "comment" and item not in POST_ITEMS):
        return None
    require_fields(value, "post_id")
    post_id = _id(value["post_id"], "post_id")
    if item == "comment":
        require_fields(value, "comment_id")
        external_id = _id(value["comment_id"], "comment_id")
        url = f"https://www.facebook.com/{external_id}"
    else:
        external_id, url = post_id, _post_url(post_id)
    message = value.get("message")
    if message is not None and not isinstance(message, str):
        raise TypeError("message is not a string")
    if not message:  # a photo or sticker alone: nothing to read
        return None
    author = value.get("from") or {}
    if not isinstance(author, dict):
        raise TypeError("from is not an object")
    parent = str(value.get("parent_id") or "")
    return NormalizedMention(
        platform="facebook",
        external_id=external_id,
        text=message,
        published_at=_when(value.get("created_time")) or _when(entry_time) or timezone.now(),
        author_id=str(author.get("id") or ""),
        author_name=str(author.get("name") or ""),
        url=url,
        parent_id=parent if parent != post_id else "",
        thread_id=post_id,
        raw=raw,
    )


def instagram_comment(value: dict, published: datetime, raw: dict) -> NormalizedMention:
    """An IG comment, from a `comments` change or from the Graph API."""
    require_fields(value, "id")
    text = value.get("text")
    if not isinstance(text, str):
        raise KeyError("text")
    author = value.get("from") or {}
    media = value.get("media") or {}
    if not isinstance(author, dict) or not isinstance(media, dict):
        raise TypeError("from or media is not an object")
    username = author.get("username") or value.get("username") or ""
    likes = value.get("like_count")
    return NormalizedMention(
        platform="instagram",
        external_id=str(value["id"]),
        text=text,
        published_at=published,
        author_id=str(author.get("id") or ""),
        author_handle=f"@{username}" if username else "",
        author_name=str(username),
        parent_id=str(value.get("parent_id") or ""),
        thread_id=str(media.get("id") or ""),
        engagement=likes if isinstance(likes, int) and likes > 0 else 0,
        raw=raw,
    )


def _mention_to_fetch(entry: dict, value: dict) -> dict:
    if not value.get("comment_id"):
        # A caption @mention (media_id alone) would need the media's caption.
        raise ValueError("caption mentions are not read, only comment mentions")
    return {
        "account_id": _id(entry.get("id"), "entry id"),
        "comment_id": _id(value["comment_id"], "comment_id"),
        "media_id": str(value.get("media_id") or ""),
    }


def _id(value, name: str) -> str:
    text = str(value or "")
    if not GRAPH_ID.fullmatch(text):
        raise ValueError(f"{name} {value!r} is not a Graph id")
    return text


def _post_url(post_id: str) -> str:
    page, _, post = post_id.partition("_")  # "<page id>_<post id>"
    if page and post:
        return f"https://www.facebook.com/{page}/posts/{post}"
    return f"https://www.facebook.com/{post_id}"


def _when(value) -> datetime | None:
    """Epoch seconds (or milliseconds), or an ISO 8601 time."""
    if isinstance(value, int | float) and value > 1e11:
        value = value / 1000
    return epoch(value) if isinstance(value, int | float) else parse_time(value)


# --- Graph API -------------------------------------------------------------------------


class MetaConnector(Connector):
    name = "meta"
    label = "Meta (Facebook and Instagram)"
    platform = "facebook"
    default_base_url = "https://graph.facebook.com"
    secret_fields = ("app_secret", "verify_token", "page_access_token")
    api_hosts = frozenset({"graph.facebook.com"})
    polled = False

    def __init__(self, stream, client: httpx.Client):
        super().__init__(stream, client)
        # Mentions `fetch_mentioned_comments` could not read, and why.
        self.problems: list[str] = []

    def fetch(self, cursor: dict) -> Page:
        raise NotImplementedError(
            "Meta streams receive their mentions by webhook: never poll them."
        )

    def fetch_mentioned_comments(self, to_fetch: list[dict]) -> list[NormalizedMention]:
        """The Instagram comments that @mention the account, read from the Graph API.

        A comment the API will not show (deleted since, comments turned off) is
        skipped and noted in `self.problems`; a refused token or a rate limit
        raises, so the whole delivery is tried again later.
        """
        token = self.secret.get("page_access_token")
        if not token:
            raise PermanentError("The Meta credential has no page access token.")
        params = {"access_token": token}
        if self.secret.get("app_secret"):
            params["appsecret_proof"] = appsecret_proof(self.secret["app_secret"], token)
        mentions = []
        for item in to_fetch:
            comment_id = item["comment_id"]
            fields = f"mentioned_comment.comment_id({comment_id}){{{COMMENT_FIELDS}}}"
            try:
                response = self.get(
                    f"/{API_VERSION}/{item['account_id']}", params={**params, "fields": fields}
                )
            except GraphObjectError as exc:
                self.problems.append(f"Instagram comment {comment_id} skipped: {exc.message}")
                continue
            body = self.parse_json(response)
            comment = body.get("mentioned_comment") if isinstance(body, dict) else None
            try:
                if not isinstance(comment, dict):
                    raise KeyError("mentioned_comment")
                published = parse_time(comment.get("timestamp")) or timezone.now()
                mention = instagram_comment(comment, published, {"mentioned_comment": comment})
            except (KeyError, TypeError, ValueError) as exc:
                self.problems.append(f"Instagram comment {comment_id} skipped: {skip_reason(exc)}")
                continue
            mention.thread_id = mention.thread_id or item.get("media_id", "")
            mentions.append(mention)
        return mentions

    def rate_limit(self, response: httpx.Response) -> tuple[float | None, datetime | None]:
        """Percent of the quota left, and when Meta says access comes back.

        `X-App-Usage` and `X-Business-Use-Case-Usage` give percentages used; the
        latter also `estimated_time_to_regain_access`, in minutes.
        """
        used, reset = [], None
        app = _json_header(response, "X-App-Usage")
        if isinstance(app, dict):
            used += _percentages(app)
        business = _json_header(response, "X-Business-Use-Case-Usage")
        for usages in business.values() if isinstance(business, dict) else []:
            for usage in usages if isinstance(usages, list) else []:
                if not isinstance(usage, dict):
                    continue
                used += _percentages(usage)
                minutes = usage.get("estimated_time_to_regain_access")
                if isinstance(minutes, int | float) and minutes > 0:
                    until = timezone.now() + timedelta(minutes=minutes)
                    reset = max(reset, until) if reset else until
        return (max(0.0, 100.0 - max(used)) if used else None), reset

    def error_for(self, response: httpx.Response) -> ConnectorError:
        error = _graph_error(response)
        code = error.get("code")
        reason = f"{error_text(response)} (code {code})" if code else error_text(response)
        kwargs = {"status_code": response.status_code, "body": response.text}
        if code in RATE_CODES or (isinstance(code, int) and 80000 <= code <= 80014):
            _left, reset = self.rate_limit(response)
            wait = timedelta(seconds=settings.MONITORING_HTTP["default_rate_wait"])
            until = reset or timezone.now() + wait
            return RateLimited(
                f"Meta rate limit reached: {reason}; waiting until {until:%H:%M:%S} UTC",
                until=until,
                **kwargs,
            )
        if code in TOKEN_CODES or response.status_code == 401:
            return PermanentError(
                f"Meta refused the page access token: {reason}. Renew it in the credential.",
                **kwargs,
            )
        return GraphObjectError(f"Meta Graph API refused: {reason}", **kwargs)


def appsecret_proof(app_secret: str, token: str) -> str:
    """Graph's `appsecret_proof`: the token's HMAC-SHA256 under the app secret, so a stolen
    token alone cannot call the API when the app requires the proof."""
    return hmac.new(app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def _graph_error(response: httpx.Response) -> dict:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return {}
    return error if isinstance(error, dict) else {}


def _json_header(response: httpx.Response, name: str):
    try:
        return json.loads(response.headers.get(name) or "null")
    except ValueError:
        return None


def _percentages(usage: dict) -> list[float]:
    names = ("call_count", "total_cputime", "total_time")
    return [float(usage[name]) for name in names if isinstance(usage.get(name), int | float)]
