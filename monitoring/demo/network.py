"""The demo network: a small local server that speaks the Mastodon API riskdesk reads.

It replays a scripted day for Lumora, a fictional maker of the "Lumora Brew" smart
coffee machine: morning chatter, a firmware update that bricks machines and sets off
a complaint storm (lawsuits, boycott, a recall request), lookalike "official"
accounts announcing a free machine with a phishing link, then the fix and the
evening calm. The day (06:00 to midnight) plays in 30 minutes at speed 1 and loops
with fresh ids; each post gets the real time at which it is published.

`MastodonAPI` holds the statuses and answers requests as Mastodon does (tag
timelines, search, mention notifications, instance; `max_id`/`since_id`/`min_id`/
`limit` with `Link` headers; rate-limit headers, 429, 401, 404). It also takes what
riskdesk sends as the brand: statuses (public replies and direct messages, with
Mastodon's `Idempotency-Key`), their deletion, and reports, as the account of the token.
The test fake (tests/fakes/mastodon.py) subclasses it.

    python manage.py demo_network --port 8765 --speed 1
"""

import html
import json
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from django.utils.http import parse_header_parameters

from monitoring.connectors.text import html_to_text
from monitoring.demo.day import ACCOUNTS, NEW_ACCOUNTS, SCRIPT
from monitoring.demo.mastodon import (
    DOMAIN,
    account_json,
    iso,
    status_json,
)

PAGE_ARGS = ("max_id", "since_id", "min_id")
MAX_CHARACTERS = 500  # the instance's statuses.max_characters
IDEMPOTENCY_SECONDS = 3600  # Mastodon keeps an Idempotency-Key for an hour
VISIBILITIES = ("public", "unlisted", "private", "direct")
REPORT_CATEGORIES = ("spam", "legal", "violation", "other")


# --- The API ---------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: object  # JSON, or the text of an HTML page
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


class MastodonAPI:
    """Statuses, oldest first, served the way Mastodon serves them.

    Pagination never compares ids: each status keeps the order it was added in, and
    an id the server does not know counts as older than all it holds.
    """

    title = "Riskdesk demo network"
    kept = 5000  # statuses held; the oldest go first

    def __init__(
        self, *, rate_limit=300, rate_window=300, access_tokens=None, me="lumora", clock=time.time
    ):
        self.statuses: list[dict] = []
        self.tags: set[str] = set()  # known tags: others answer 404
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.access_tokens = access_tokens  # None: any token is valid
        self.me = me  # the account whose mention notifications /api/v1/notifications lists
        self.clock = clock
        self._order: dict[str, int] = {}
        self._added = 0
        self._hits: dict[tuple[str, int], int] = {}
        self._store_lock = threading.RLock()
        self.accounts: dict[str, dict] = {}  # by id: every author seen, for reports
        self.reports: list[dict] = []
        self._idempotent: dict[tuple[str, str], tuple[float, str]] = {}  # → (when, status id)

    def add(self, status: dict) -> dict:
        with self._store_lock:
            self.statuses.append(status)
            self.accounts[str(status["account"]["id"])] = status["account"]
            self._order[str(status["id"])] = self._added
            self._added += 1
            source = status.get("reblog") or status
            self.tags.update(tag["name"].lower() for tag in source.get("tags") or [])
            if len(self.statuses) > self.kept:
                for old in self.statuses[: -self.kept]:
                    self._order.pop(str(old["id"]), None)
                del self.statuses[: -self.kept]
        return status

    # Hooks the test fake overrides to misbehave.

    def paginate(self, items: list[dict], query: dict[str, list[str]]) -> list[dict]:
        """One page of `items` (oldest first), newest first, as max_id/since_id/min_id/limit say."""
        max_id, since_id, min_id, limit = (_arg(query, name) for name in (*PAGE_ARGS, "limit"))
        limit = min(max(int(limit), 1), 40) if (limit or "").isdigit() else 20
        if max_id is not None:
            items = [s for s in items if self._position(s) < self._position(max_id)]
        if min_id or since_id:
            items = [s for s in items if self._position(s) > self._position(min_id or since_id)]
        # min_id: the chunk just above it; otherwise the newest. Both are sent newest first.
        page = items[:limit] if min_id else items[-limit:]
        return page[::-1]

    def _position(self, status_or_id) -> int:
        ident = status_or_id["id"] if isinstance(status_or_id, dict) else status_or_id
        return self._order.get(str(ident), -1)

    def link_header(self, base: str, query: dict[str, list[str]], page: list[dict]) -> str | None:
        if not page:
            return None
        kept = [(k, v) for k, values in query.items() if k not in PAGE_ARGS for v in values]
        older = f"{base}?{urlencode([*kept, ('max_id', page[-1]['id'])])}"
        newer = f"{base}?{urlencode([*kept, ('min_id', page[0]['id'])])}"
        return f'<{older}>; rel="next", <{newer}>; rel="prev"'

    # Requests.

    def answer(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict,
        client: str = "",
        body: bytes = b"",
    ) -> Answer:
        """One request (header names lower-cased) → status, JSON body, headers."""
        token = _bearer(headers)
        with self._store_lock:
            # Mastodon counts per token, or per address without one.
            limited, rate_headers = self._count(token or client or "anonymous")
            if limited:
                reply = Answer(429, {"error": "Too many requests"})
            elif (
                token is not None
                and self.access_tokens is not None
                and token not in self.access_tokens
            ):
                reply = Answer(401, {"error": "The access token is invalid"})
            elif method != "GET":
                reply = self._write(method, path, _form(headers, body), token, headers)
                origin = f"http://{headers.get('host', 'localhost')}"
                if (
                    reply.status == 200
                    and isinstance(reply.body, dict)
                    and "visibility" in reply.body
                ):
                    reply.body = self._served_from(reply.body, origin)
            elif path == "/" or path.startswith("/@"):
                reply = self._web(path)
            else:
                base = f"http://{headers.get('host', 'localhost')}{path}"
                reply = self._route(path, query, token, base)
        reply.headers.update(rate_headers)
        return reply

    def _route(self, path: str, query: dict, token: str | None, base: str) -> Answer:
        if path == "/api/v1/instance":
            return Answer(200, self.instance())
        if path.startswith("/api/v1/timelines/tag/"):
            tag = unquote(path.rsplit("/", 1)[1]).lower()
            if tag not in self.tags:
                return Answer(404, {"error": "Record not found"})
            wanted = {tag, *(t.lower() for t in query.get("any[]", []))}
            items = [s for s in self.public() if wanted & _tags_of(s)]
            return self._page(items, query, base)
        if path in ("/api/v2/search", "/api/v1/notifications") and token is None:
            return Answer(401, {"error": "This method requires an authenticated user"})
        if path == "/api/v2/search":
            q = (_arg(query, "q") or "").strip().lower()
            if q.startswith("#"):
                items = [s for s in self.public() if q[1:] in _tags_of(s)]
            else:
                items = [
                    s
                    for s in self.public()
                    if q and not s["reblog"] and q in html_to_text(s["content"]).lower()
                ]
            wanted = _arg(query, "type") in (None, "statuses")
            page = self.paginate(items, query) if wanted else []
            return Answer(200, {"accounts": [], "statuses": page, "hashtags": []})
        if path == "/api/v1/accounts/verify_credentials":
            return Answer(200, self.me_account())
        if path.startswith("/api/v1/statuses/"):
            status = self.find(path.rsplit("/", 1)[1])
            if status is None or status.get("visibility") == "direct":
                return Answer(404, {"error": "Record not found"})
            return Answer(200, status)
        if path == "/api/v1/notifications":
            items = [
                {
                    "id": s["id"],
                    "type": "mention",
                    "created_at": s["created_at"],
                    "account": s["account"],
                    "status": s,
                }
                for s in self.statuses
                if any(m["acct"] == self.me for m in s.get("mentions") or [])
            ]
            return self._page(items, query, base)
        return Answer(404, {"error": "Record not found"})

    # The instance's web pages: the public timeline and one status, to see what was posted.

    def _web(self, path: str) -> Answer:
        if path == "/":
            shown = [s for s in self.public() if not s.get("reblog")][-40:][::-1]
            return Answer(200, _page(self.title, shown), content_type="text/html; charset=utf-8")
        status = self.find(path.rstrip("/").rsplit("/", 1)[-1])
        if status is None or status.get("visibility") == "direct":
            page = _page("Not found", [], "This post does not exist or is not public.")
            return Answer(404, page, content_type="text/html; charset=utf-8")
        return Answer(200, _page(self.title, [status]), content_type="text/html; charset=utf-8")

    @staticmethod
    def _served_from(status: dict, origin: str) -> dict:
        """The brand's post with its link on this server, where its web page is (the demo
        instance's domain does not resolve); the stored post keeps Mastodon's."""
        username = status["account"]["username"]
        return status | {"url": f"{origin}/@{username}/{status['id']}"}

    # What the brand sends: statuses, their deletion, reports.

    def public(self) -> list[dict]:
        """What timelines and search show: not direct messages nor followers-only posts."""
        return [s for s in self.statuses if s.get("visibility", "public") in ("public", "unlisted")]

    def me_account(self) -> dict:
        """The account of the tokens: the brand account whose mentions are listed."""
        return account_json(self.me, self.me)

    def find(self, status_id: str) -> dict | None:
        return next((s for s in self.statuses if str(s["id"]) == status_id), None)

    def _write(self, method: str, path: str, form: dict, token, headers: dict) -> Answer:
        if token is None:
            return Answer(401, {"error": "The access token is invalid"})
        if method == "POST" and path == "/api/v1/statuses":
            return self._post_status(form, token, headers.get("idempotency-key", ""))
        if method == "DELETE" and path.startswith("/api/v1/statuses/"):
            return self._delete_status(path.rsplit("/", 1)[1])
        if method == "POST" and path == "/api/v1/reports":
            return self._report(form)
        return Answer(404, {"error": "Record not found"})

    def _post_status(self, form: dict, token: str, key: str) -> Answer:
        now = self.clock()
        if key:
            self._idempotent = {
                k: v for k, v in self._idempotent.items() if now - v[0] < IDEMPOTENCY_SECONDS
            }
            known = self._idempotent.get((token, key))
            if known is not None and (status := self.find(known[1])) is not None:
                return Answer(200, status)
        text = _first(form, "status").strip()
        visibility = _first(form, "visibility") or "public"
        if not text:
            return Answer(422, {"error": "Validation failed: Text can't be blank"})
        if len(text) > MAX_CHARACTERS:
            return Answer(
                422,
                {"error": f"Validation failed: Text character limit of {MAX_CHARACTERS} exceeded"},
            )
        if visibility not in VISIBILITIES:
            return Answer(422, {"error": "Validation failed: Visibility is not included"})
        parent = None
        if _first(form, "in_reply_to_id"):
            parent = self.find(_first(form, "in_reply_to_id"))
            if parent is None:
                return Answer(404, {"error": "Record not found"})
        status = status_json(
            id=str((int(now * 1000) << 16) | (uuid.uuid4().int & 0xFFFF)),
            account=self.me_account(),
            text=text,
            created_at=now,
            language=_first(form, "language") or None,
            spoiler_text=_first(form, "spoiler_text"),
            in_reply_to=parent,
            visibility=visibility,
        )
        status["text"] = text  # the source, as Mastodon returns it to its author
        self.add(status)
        if key:
            self._idempotent[(token, key)] = (now, status["id"])
        return Answer(200, status)

    def _delete_status(self, status_id: str) -> Answer:
        status = self.find(status_id)
        if status is None:
            return Answer(404, {"error": "Record not found"})
        if status["account"]["id"] != self.me_account()["id"]:
            return Answer(403, {"error": "This action is not allowed"})
        with self._store_lock:
            self.statuses.remove(status)
            self._order.pop(str(status_id), None)
        return Answer(200, status | {"text": status.get("text", html_to_text(status["content"]))})

    def _report(self, form: dict) -> Answer:
        target = self.accounts.get(_first(form, "account_id"))
        if target is None:
            return Answer(404, {"error": "Record not found"})
        comment = _first(form, "comment")
        category = _first(form, "category") or "other"
        if len(comment) > 1000:
            return Answer(422, {"error": "Validation failed: Comment is too long"})
        if category not in REPORT_CATEGORIES:
            return Answer(422, {"error": "Validation failed: Category is not included in the list"})
        status_ids = [i for i in form.get("status_ids[]", []) + form.get("status_ids", []) if i]
        if any(self.find(i) is None for i in status_ids):
            return Answer(422, {"error": "Validation failed: Status ids are not valid"})
        report = {
            "id": str(len(self.reports) + 1),
            "action_taken": False,
            "action_taken_at": None,
            "category": category,
            "comment": comment,
            "forwarded": _first(form, "forward") in ("true", "1"),
            "created_at": iso(self.clock()),
            "status_ids": status_ids or None,
            "rule_ids": None,
            "target_account": target,
        }
        self.reports.append(report)
        return Answer(200, report)

    def _page(self, items: list[dict], query: dict, base: str) -> Answer:
        page = self.paginate(items, query)
        link = self.link_header(base, query, page)
        return Answer(200, page, {"Link": link} if link else {})

    def _count(self, key: str) -> tuple[bool, dict[str, str]]:
        """Count a request in its fixed window; True when over the limit."""
        now = self.clock()
        window = int(now // self.rate_window)
        hits = self._hits.get((key, window), 0) + 1
        self._hits = {k: v for k, v in self._hits.items() if k[1] == window} | {(key, window): hits}
        reset = datetime.fromtimestamp((window + 1) * self.rate_window, UTC)
        return hits > self.rate_limit, {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(max(0, self.rate_limit - hits)),
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }

    def instance(self) -> dict:
        return {
            "uri": DOMAIN,
            "title": self.title,
            "short_description": "A local stand-in for a Mastodon instance, for the riskdesk demo.",
            "description": "Replays a scripted day of posts about the fictional brand Lumora.",
            "email": f"admin@{DOMAIN}",
            "version": "4.3.0 (compatible; riskdesk demo)",
            "languages": ["en", "fr"],
            "registrations": False,
            "approval_required": False,
            "stats": {
                "user_count": len(ACCOUNTS),
                "status_count": len(self.statuses),
                "domain_count": 1,
            },
            "configuration": {"statuses": {"max_characters": 500}},
        }


def _arg(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _page(title: str, statuses: list[dict], note: str = "") -> str:
    """A bare HTML page of statuses, every text escaped (they are hostile input too)."""
    items = []
    for status in statuses:
        account = status["account"]
        reply = " · in reply to a post" if status.get("in_reply_to_id") else ""
        items.append(
            f"<article><p><strong>{html.escape(account.get('display_name') or '')}</strong> "
            f"@{html.escape(account['acct'])} · {html.escape(status['created_at'])}{reply}</p>"
            f"<p>{html.escape(html_to_text(status['content']))}</p></article>"
        )
    return (
        f"<!doctype html><html lang='en'><meta charset='utf-8'><title>{html.escape(title)}"
        f"</title><body><h1>{html.escape(title)}</h1><p>{html.escape(note)}</p>"
        f"{''.join(items)}</body></html>"
    )


def _first(form: dict[str, list[str]], name: str) -> str:
    values = form.get(name)
    return str(values[0]) if values else ""


def _form(headers: dict, body: bytes) -> dict[str, list[str]]:
    """A request's parameters as Mastodon reads them: form-encoded or JSON."""
    content_type, _params = parse_header_parameters(headers.get("content-type") or "")
    text = body.decode("utf-8", "replace")
    if content_type == "application/json":
        try:
            data = json.loads(text or "{}")
        except ValueError:
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in data.items()}
    return parse_qs(text, keep_blank_values=True)


def _bearer(headers: dict) -> str | None:
    scheme, _, token = (headers.get("authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _tags_of(status: dict) -> set[str]:
    source = status.get("reblog") or status
    return {tag["name"].lower() for tag in source.get("tags") or []}


DAY_START = SCRIPT[0].at  # the script's first post opens the demo
DAY_LENGTH = 24 * 3600 - DAY_START
REAL_DAY = 30 * 60  # at speed 1, the whole day plays in 30 minutes


class DemoNetwork(MastodonAPI):
    """The Mastodon API over the scripted day, published as the clock reaches each post."""

    def __init__(self, *, speed: float = 1.0, clock=time.time, **kwargs):
        super().__init__(clock=clock, **kwargs)
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self.started = clock()
        self.published = 0  # script posts published so far, all loops counted
        self._keyed: dict[str, dict] = {}  # this loop's posts by script key
        self.tags.update(t.lower() for post in SCRIPT for t in re.findall(r"#(\w+)", post.text))

    def due(self, n: int) -> float:
        """When the n-th post (counting every loop) is published, in real seconds."""
        loop, index = divmod(n, len(SCRIPT))
        script_seconds = loop * DAY_LENGTH + SCRIPT[index].at - DAY_START
        return self.started + script_seconds * REAL_DAY / DAY_LENGTH / self.speed

    def publish_due(self) -> None:
        now = self.clock()
        with self._store_lock:
            # After a long idle spell, replay from yesterday's start, not every missed day.
            loop = int((now - self.started) * self.speed // REAL_DAY)
            self.published = max(self.published, (loop - 1) * len(SCRIPT))
            while self.due(self.published) <= now:
                self._publish(self.published)
                self.published += 1

    def _publish(self, n: int) -> None:
        index = n % len(SCRIPT)
        if index == 0:
            self._keyed = {}
        post, at = SCRIPT[index], self.due(n)
        # Snowflake-like ids, as Mastodon makes them: milliseconds, then a sequence.
        status_id = str((int(at * 1000) << 16) | (n & 0xFFFF))
        rng = random.Random(n)  # noqa: S311 (made-up counts, not secrets)
        followers = ACCOUNTS[post.author][1]
        status = status_json(
            id=status_id,
            account=self._account(post.author, at),
            text=post.text,
            created_at=at,
            language=post.language,
            spoiler_text=post.spoiler,
            in_reply_to=self._keyed.get(post.reply_to),
            reblog=self._keyed.get(post.boost),
            counts=(
                rng.randint(0, 4),
                rng.randint(0, 2 + followers // 2000),
                rng.randint(0, 5 + followers // 500),
            ),
        )
        if post.key:
            self._keyed[post.key] = status
        self.add(status)

    def _account(self, acct: str, at: float) -> dict:
        name, followers, site = ACCOUNTS[acct]
        created = (
            iso(at)[:10] + "T00:00:00.000Z" if acct in NEW_ACCOUNTS else "2022-11-05T00:00:00.000Z"
        )
        return account_json(acct, name, followers, verified_site=site, created_at=created)

    def answer(self, *args, **kwargs) -> Answer:
        self.publish_due()
        return super().answer(*args, **kwargs)


# --- The HTTP server ------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "riskdesk-demo-network"

    def do_GET(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        reply = self.server.network.answer(
            self.command,
            parts.path,
            parse_qs(parts.query, keep_blank_values=True),
            {name.lower(): value for name, value in self.headers.items()},
            client=self.client_address[0],
            body=body,
        )
        if isinstance(reply.body, str) and not reply.content_type.startswith("application/json"):
            payload = reply.body.encode()
        else:
            payload = json.dumps(reply.body).encode()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away

    do_POST = do_PUT = do_DELETE = do_GET

    def log_message(self, *args):
        pass  # a poll every few seconds would drown the console


class DemoServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], network: DemoNetwork):
        super().__init__(address, _Handler)
        self.network = network

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def build_server(
    host: str = "127.0.0.1", port: int = 8765, speed: float = 1.0, *, clock=time.time, **options
) -> DemoServer:
    """The demo network bound to host:port (0 picks a free port); call serve_forever()."""
    return DemoServer((host, port), DemoNetwork(speed=speed, clock=clock, **options))
