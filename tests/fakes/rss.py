"""A news site: an RSS 2.0 and an Atom feed of the same items, with HTTP validators.

    with FakeFeeds() as feeds:
        feeds.items.append(FeedItem("Acme recalls widgets", guid="item-9"))
        ... connector reads feeds.url + "/feed.xml" ...

Paths: `/feed.xml` (RSS 2.0), `/atom.xml` (Atom), `/broken.xml` (the RSS feed cut
off inside its last item: feedparser's bozo), `/page.html` (a web page, no feed).
`bodies` serves anything else: `feeds.bodies["/odd.xml"] = Reply(body=b"...")`.

Both feeds answer with an `ETag` (the body's digest) and a `Last-Modified`
(`modified`), and honour `If-None-Match` / `If-Modified-Since` with a 304, unless
`validators` is False (a server that ignores them).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from hashlib import sha256
from xml.sax.saxutils import escape, quoteattr

from tests.fakes.base import FakeServer, Reply, Request

RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"

PAGE = b"""<!doctype html>
<html lang="en"><head><title>Acme News</title></head>
<body><h1>Latest news</h1><p>We moved our feed.</p></body></html>
"""


@dataclass
class FeedItem:
    title: str
    guid: str | None = None  # None: no <guid>/<id>, the connector falls back to the link
    link: str = ""
    summary: str = ""  # HTML, escaped into the feed as publishers do
    published: datetime | None = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    author: str = ""


def sample_items() -> list[FeedItem]:
    return [
        FeedItem(
            "Acme recalls 10,000 widgets",
            guid="https://news.example/acme-recall",
            link="https://news.example/acme-recall",
            summary="<p>The <b>recall</b> covers &amp; affects all 2025 models.</p>",
            published=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
            author="jo@news.example (Jo Smith)",
        ),
        FeedItem(
            "Weather: sunny weekend",
            guid="https://news.example/weather",
            link="https://news.example/weather",
            summary="<p>Nothing about brands here.</p>",
            published=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        ),
    ]


class FakeFeeds(FakeServer):
    def __init__(self):
        super().__init__()
        self.items: list[FeedItem] = sample_items()
        self.title = "Acme News"
        self.language = "en-us"
        self.modified = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        self.validators = True
        self.bodies: dict[str, Reply] = {}

    def handle(self, request: Request) -> Reply:
        if request.path in self.bodies:
            return self.bodies[request.path]
        if request.path == "/feed.xml":
            return self._conditional(request, self.rss(), RSS_TYPE)
        if request.path == "/atom.xml":
            return self._conditional(request, self.atom(), ATOM_TYPE)
        if request.path == "/broken.xml":
            body = self.rss()
            return Reply(body=body[: body.rindex(b"<description>") + 20], content_type=RSS_TYPE)
        if request.path == "/page.html":
            return Reply(body=PAGE, content_type="text/html; charset=utf-8")
        return Reply(404, b"<h1>Not Found</h1>", content_type="text/html")

    def _conditional(self, request: Request, body: bytes, content_type: str) -> Reply:
        if not self.validators:
            return Reply(body=body, content_type=content_type)
        etag = f'"{sha256(body).hexdigest()[:16]}"'
        headers = {"ETag": etag, "Last-Modified": format_datetime(self.modified, usegmt=True)}
        match = request.headers.get("if-none-match")
        since = request.headers.get("if-modified-since")
        if match is not None:  # it wins over If-Modified-Since (RFC 9110 13.2.2)
            unchanged = etag in [tag.strip() for tag in match.split(",")]
        else:
            unchanged = since is not None and _not_after(self.modified, since)
        if unchanged:
            return Reply(304, None, headers, content_type=content_type)
        return Reply(body=body, headers=headers, content_type=content_type)

    def rss(self) -> bytes:
        items = "".join(_rss_item(item) for item in self.items)
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<rss version="2.0"><channel>'
            f"<title>{escape(self.title)}</title><link>https://news.example/</link>"
            f"<description>News</description><language>{self.language}</language>"
            f"{items}</channel></rss>\n"
        ).encode()

    def atom(self) -> bytes:
        entries = "".join(_atom_entry(item) for item in self.items)
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{self.language}">'
            f"<title>{escape(self.title)}</title><id>urn:uuid:feed-acme-news</id>"
            f"<updated>{self.modified.isoformat()}</updated>"
            f'<link rel="self" href="https://news.example/atom.xml"/>'
            f"{entries}</feed>\n"
        ).encode()


def _rss_item(item: FeedItem) -> str:
    parts = [f"<title>{escape(item.title)}</title>"]
    if item.link:
        parts.append(f"<link>{escape(item.link)}</link>")
    if item.guid is not None:
        parts.append(f'<guid isPermaLink="false">{escape(item.guid)}</guid>')
    if item.summary:
        parts.append(f"<description>{escape(item.summary)}</description>")
    if item.published:
        parts.append(f"<pubDate>{format_datetime(item.published, usegmt=True)}</pubDate>")
    if item.author:
        parts.append(f"<author>{escape(item.author)}</author>")
    return f"<item>{''.join(parts)}</item>"


def _atom_entry(item: FeedItem) -> str:
    parts = [f'<title type="text">{escape(item.title)}</title>']
    if item.guid is not None:
        parts.append(f"<id>{escape(item.guid)}</id>")
    if item.link:
        parts.append(f'<link rel="alternate" href={quoteattr(item.link)}/>')
    if item.summary:
        parts.append(f'<summary type="html">{escape(item.summary)}</summary>')
    if item.published:
        stamp = item.published.isoformat()
        parts.append(f"<published>{stamp}</published><updated>{stamp}</updated>")
    if item.author:
        parts.append(f"<author><name>{escape(item.author)}</name></author>")
    return f"<entry>{''.join(parts)}</entry>"


def _not_after(modified: datetime, since: str) -> bool:
    try:
        return modified <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
