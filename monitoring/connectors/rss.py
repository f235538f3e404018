"""News: an RSS 2.0 or Atom feed, polled with conditional GETs.

The feed is `stream.options["url"]`, else the stream's API address. Every poll
sends the validators of the last 200 (`If-None-Match`, `If-Modified-Since`); a
304 means nothing new. Feeds that ignore validators still cost no work: the
cursor keeps a digest of the last body and the ids of recent entries, so an
unchanged feed, or the old part of a changed one, yields no mention twice.

The stream's query, when set, keeps the entries whose title or summary contains
any of its keywords (comma-separated phrases, or else space-separated words),
ignoring case and accents. The stream's language, when set, drops entries the
feed says are in another one.
"""

import calendar
import hashlib
import io
import re
import unicodedata
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import feedparser
import httpx
from django.utils import timezone

from monitoring.connectors.base import (
    Connector,
    ConnectorError,
    MalformedPayload,
    NormalizedMention,
    Page,
    PermanentError,
)
from monitoring.connectors.text import html_to_text

SEEN_KEPT = 500  # entry ids remembered between polls: a few times a big feed's length
ID_MAX = 255  # Mention.external_id
# Bozo reasons about the HTTP headers, not the XML: the entries read fine.
BENIGN_BOZO = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"
)


class RSSConnector(Connector):
    name = "rss"
    label = "News (RSS/Atom)"
    platform = "news"

    @property
    def feed_url(self) -> str:
        # Not self.base_url: a feed address keeps its trailing slash.
        return str(self.options.get("url") or self.stream.base_url or "").strip()

    def fetch(self, cursor: dict) -> Page:
        url = self.feed_url
        if urlsplit(url).scheme not in ("http", "https"):
            raise PermanentError(
                "News stream has no http(s) feed address: set options.url or the API address."
            )
        response = self.get(url, headers=self._conditional_headers(cursor))
        if response.status_code == 304:
            return Page([], dict(cursor))

        # Ids seen under another query or language went through other filters.
        rules = f"{self.language}:{self.query}"
        seen = cursor.get("seen") if cursor.get("rules", "") == rules else None
        seen = [str(old) for old in seen] if isinstance(seen, list) else []
        next_cursor = {
            "etag": response.headers.get("ETag", ""),
            "modified": response.headers.get("Last-Modified", ""),
            "digest": hashlib.sha256(response.content).hexdigest(),
            "rules": rules,
        }
        if seen and next_cursor["digest"] == cursor.get("digest"):
            return Page([], _cursor(next_cursor, seen))

        parsed = self._parse(response)
        problems = []
        if parsed.get("bozo") and not isinstance(parsed.get("bozo_exception"), BENIGN_BOZO):
            problems.append(f"{self.label}: the feed is not well-formed ({_bozo(parsed)})")

        known, keywords = set(seen), keywords_of(self.query)
        mentions, ids = [], {}  # a dict keeps the feed's order
        for number, entry in enumerate(parsed.entries, 1):
            try:
                mention = self.normalize(entry, parsed.feed, str(response.url))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                problems.append(f"{self.label} entry {number} skipped: {exc!r}")
                continue
            if mention.external_id in ids:
                continue
            ids[mention.external_id] = None
            if mention.external_id not in known and self._wanted(mention, keywords):
                mentions.append(mention)

        seen = list(ids) + [old for old in seen if old not in ids]
        return Page(mentions, _cursor(next_cursor, seen), problems=problems)

    def _conditional_headers(self, cursor: dict) -> dict:
        headers = {"Accept": ACCEPT}
        if cursor.get("etag"):
            headers["If-None-Match"] = cursor["etag"]
        if cursor.get("modified"):
            headers["If-Modified-Since"] = cursor["modified"]
        return headers

    def _parse(self, response: httpx.Response):
        headers = dict(response.headers)
        # Where relative links resolve from; httpx already undid any Content-Encoding.
        headers["content-location"] = str(response.url)
        headers.pop("content-encoding", None)
        parsed = feedparser.parse(io.BytesIO(response.content), response_headers=headers)
        if not parsed.entries and not parsed.get("version"):
            reason = _bozo(parsed) if parsed.get("bozo") else "no RSS or Atom root element"
            raise MalformedPayload(
                f"{self.label}: {response.url} is not a feed ({reason})",
                status_code=response.status_code,
                body=response.text,
            )
        return parsed

    def normalize(self, entry, feed, feed_url: str) -> NormalizedMention:
        title = _text_of(entry.get("title_detail"), entry.get("title"))
        summary_detail, summary = entry.get("summary_detail"), entry.get("summary")
        if not summary and entry.get("content"):
            summary_detail = entry["content"][0]
            summary = summary_detail.get("value")
        summary = _text_of(summary_detail, summary)
        link = entry.get("link") or ""
        link = _web_url(urljoin(feed_url, link)) if link else ""
        author = entry.get("author") or ""
        published = _utc(entry.get("published_parsed") or entry.get("updated_parsed"))
        return NormalizedMention(
            platform=self.platform,
            external_id=_external_id(entry, link),
            text="\n\n".join(part for part in (title, summary) if part),
            published_at=published or timezone.now(),
            author_id=author,
            author_handle=author,
            author_name=_author_name(author, entry.get("author_detail") or {}),
            url=link,
            language=_language(entry, feed),
            raw={
                "id": entry.get("id") or "",
                "link": entry.get("link") or "",
                "title": entry.get("title") or "",
                "summary": entry.get("summary") or "",
                "published": entry.get("published") or entry.get("updated") or "",
                "author": author,
                "tags": [tag.get("term") for tag in entry.get("tags") or [] if tag.get("term")],
                "feed": {"title": feed.get("title") or "", "link": feed.get("link") or ""},
            },
        )

    def _wanted(self, mention: NormalizedMention, keywords: list[str]) -> bool:
        language = _primary(self.language) if self.language else ""
        if language and mention.language and _primary(mention.language) != language:
            return False
        if not keywords:
            return True
        text = folded(mention.text)
        return any(keyword in text for keyword in keywords)

    def error_for(self, response: httpx.Response) -> ConnectorError:
        if response.status_code in (404, 410):
            return PermanentError(
                f"The feed at {response.url} is gone ({response.status_code} "
                f"{response.reason_phrase}): check the stream's feed address.",
                status_code=response.status_code,
                body=response.text,
            )
        return super().error_for(response)


def folded(text: str) -> str:
    """Lower case without accents, for comparing: "Électricité" → "electricite"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def keywords_of(query: str) -> list[str]:
    """`"Acme Corp, widgets"` → two phrases; `"acme widgets"` → two words."""
    parts = query.split(",") if "," in query else query.split()
    keywords = (folded(part.strip().strip("\"'")) for part in parts)
    return [keyword for keyword in keywords if keyword]


def _cursor(fields: dict, seen: list[str]) -> dict:
    return {key: value for key, value in fields.items() if value} | {"seen": seen[:SEEN_KEPT]}


def _text_of(detail, value) -> str:
    """Plain text as a reader sees it: HTML stripped and its entities unescaped once."""
    if not value:
        return ""
    if detail and detail.get("type") == "text/plain":  # feedparser already unescaped it
        return value.strip()
    return html_to_text(value)


def _web_url(url: str) -> str:
    """Only http(s) links: a feed may carry `javascript:` or `data:` ones."""
    return url if urlsplit(url).scheme in ("http", "https") else ""


def _external_id(entry, link: str) -> str:
    """The Atom id or RSS guid, else the link, else a digest of title and date.

    An id longer than the column is hashed rather than cut, so two never collide.
    """
    found = str(entry.get("id") or link or "").strip()
    if not found:
        seed = f"{entry.get('title') or ''}\n{entry.get('published') or entry.get('updated') or ''}"
        return "sha256:" + hashlib.sha256(seed.encode()).hexdigest()
    if len(found) > ID_MAX:
        return "sha256:" + hashlib.sha256(found.encode()).hexdigest()
    return found


def _author_name(author: str, detail) -> str:
    """RSS says "jo@example.com (Jo Smith)"; feedparser's split of it fails on long TLDs."""
    match = re.fullmatch(r"\s*\S+@\S+\s*\((.+)\)\s*", author)
    if match:
        return match.group(1).strip()
    return author if "@" in author else (detail.get("name") or author)


def _utc(parsed) -> datetime | None:
    """feedparser's `*_parsed` (a struct_time, already in UTC) as an aware datetime."""
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _language(entry, feed) -> str:
    for detail in (entry.get("title_detail"), entry.get("summary_detail")):
        if detail and detail.get("language"):
            return detail["language"]
    return entry.get("language") or feed.get("language") or ""


def _primary(language: str) -> str:
    return re.split(r"[-_]", language, maxsplit=1)[0].lower()


def _bozo(parsed) -> str:
    exc = parsed.get("bozo_exception")
    return " ".join((str(exc) or type(exc).__name__).split())[:300]
