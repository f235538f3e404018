"""What every connector shares: the page it returns, its errors, and polite HTTP.

A connector turns one request to its network into a `Page`: the mentions it
found, normalized, and the cursor to store once they are saved. It never
touches the database; `monitoring.services.stream_poll` stores the page and
advances the cursor in one transaction.

`Connector.get` is the only way out, through riskdesk.outbound's guarded
client: a credential's secret goes only to its connector's API hosts and the
hosts an admin allowed on the credential (`allowed_hosts_for`), redirects
included; explicit timeouts, the network's
rate-limit headers read after every answer, `Retry-After` honoured, bounded
retries with exponential backoff and jitter on 5xx and network faults, and
4xx answers turned into permanent errors that stop the stream.
"""

import json
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from riskdesk import crypto, outbound

BODY_KEPT = 64 * 1024  # how much of an offending body a stream error keeps


@dataclass
class NormalizedMention:
    """One mention as every connector hands it to the pipeline."""

    platform: str
    external_id: str
    text: str
    published_at: datetime
    author_id: str = ""
    author_handle: str = ""
    author_name: str = ""
    author_followers: int | None = None
    author_verified: bool = False
    url: str = ""
    language: str = ""
    parent_id: str = ""
    thread_id: str = ""
    engagement: int = 0
    raw: dict = field(default_factory=dict)
    # Filled by enrichment (monitoring.enrichment), not by connectors.
    sentiment: float | None = None
    sentiment_label: str = ""
    risk_score: int = 0
    risk_reasons: list = field(default_factory=list)
    impersonates_id: int | None = None
    impersonation_score: float | None = None
    # The brand account that posted it (enrichment knows the brand's accounts): "own", not work.
    owned_by_id: int | None = None
    status: str = "new"
    stream_id: int | None = None  # set by the pipeline
    # Filled by rules and routing (alerting.services.rules).
    team_id: int | None = None
    priority: int = 2
    tag_ids: list = field(default_factory=list)
    rule_trace: list = field(default_factory=list)
    notify: bool = False
    incident_rule_ids: list = field(default_factory=list)  # read by incidents.services.rule_action
    # Filled by inbox.services.apply_sla.
    first_response_due_at: datetime | None = None
    resolve_due_at: datetime | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.platform, self.external_id)


@dataclass
class Page:
    mentions: list[NormalizedMention]
    cursor: dict  # the stream's cursor once these mentions are stored
    has_more: bool = False  # another page can be fetched right away
    # Items the network sent that could not be read (skipped, recorded as a stream error).
    problems: list[str] = field(default_factory=list)


class ConnectorError(Exception):
    kind = "transient"

    def __init__(self, message: str, *, status_code: int | None = None, body: str = ""):
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.body = body[:BODY_KEPT]


class TransientError(ConnectorError):
    """A timeout, a refused connection, a 5xx: the next poll may well succeed."""


class RateLimited(ConnectorError):
    kind = "rate_limited"

    def __init__(self, message: str, *, until: datetime, **kwargs):
        super().__init__(message, **kwargs)
        self.until = until


class PermanentError(ConnectorError):
    """A revoked token, a forbidden resource, a bad query: polling stops until someone fixes it."""

    kind = "permanent"


class MalformedPayload(ConnectorError):
    """The network answered 200 with something we cannot read."""

    kind = "malformed"


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with full jitter: a random wait up to base·2^attempt, capped."""
    return random.uniform(0, min(cap, base * 2**attempt))  # noqa: S311 (not for secrets)


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """`Retry-After` as seconds or as an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return now + timedelta(seconds=int(value))
    try:
        return parsedate_to_datetime(value).astimezone(UTC)
    except (TypeError, ValueError):
        return None


def epoch(value: str | None) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def parse_time(value) -> datetime | None:
    """An ISO 8601 or RFC 3339 timestamp (`Z` accepted), as an aware datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def body_field(response: httpx.Response, key: str) -> str:
    """A string field of a JSON error body ("" when the body has none)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    value = body.get(key) if isinstance(body, dict) else None
    return value if isinstance(value, str) else ""


def item_label(item, key: str = "id") -> str:
    """How a problem names an item the network sent: its id, or what it was instead."""
    return repr(item.get(key)) if isinstance(item, dict) else "(not an object)"


def skip_reason(exc: Exception) -> str:
    """Why an item could not be read, for Page.problems."""
    if isinstance(exc, KeyError):
        return f"missing {exc.args[0]}"
    return str(exc) or type(exc).__name__


def require_fields(item: dict, *names: str) -> None:
    """Raise KeyError naming the first of `names` missing or empty in `item`."""
    for name in names:
        if item.get(name) in (None, ""):
            raise KeyError(name)


class Connector:
    """Base of every polled connector. Subclasses set the class attributes and `fetch`."""

    name = ""  # stored in Stream.connector
    label = ""
    platform = ""  # the Platform of the mentions it returns
    default_base_url = ""
    secret_fields: tuple[str, ...] = ()  # what its credential holds
    # The network's own API hosts: the only ones its credential's secret is sent to,
    # with those an admin allowed on the credential.
    api_hosts: frozenset[str] = frozenset()
    credential_optional = False  # True when it can read without one (public timelines)
    polled = True  # False for webhook connectors

    def __init__(self, stream, client: httpx.Client):
        self.stream = stream
        self.client = client
        self.base_url = (stream.base_url or self.default_base_url).rstrip("/")
        self.query = stream.query
        self.language = stream.language
        self.options = stream.options or {}
        credential = stream.credential if stream.credential_id else None
        self.secret = credential.secret if credential is not None else {}
        self.allowed_hosts = allowed_hosts_for(type(self), credential)
        # Set when the network says the quota is spent: the poller waits until then.
        self.wait_until: datetime | None = None

    # --- What each connector implements ---------------------------------------

    def fetch(self, cursor: dict) -> Page:
        raise NotImplementedError

    def rate_limit(self, response: httpx.Response) -> tuple[float | None, datetime | None]:
        """(requests remaining, when the window resets) read from the network's headers."""
        return None, None

    def error_for(self, response: httpx.Response) -> ConnectorError:
        """The error a 4xx answer (other than 429) means. Override for network quirks."""
        message = f"{response.status_code} {response.reason_phrase}: {error_text(response)}"
        return PermanentError(message, status_code=response.status_code, body=response.text)

    # --- Shared helpers ---------------------------------------------------------

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def request(
        self, method: str, path: str, *, attempts: int | None = None, **kwargs
    ) -> httpx.Response:
        """Send with retries on network faults and 5xx; raise a ConnectorError otherwise.

        `attempts=1` for a write that must not be repeated blindly: its caller decides.
        """
        config = settings.MONITORING_HTTP
        kwargs.setdefault("timeout", config["timeout"])
        url = self.url(path)
        if self.secret:
            # The class guard: whatever a stream's address, options or a server's paging
            # link say, a secret is attached only for a host allowed for it.
            host = (urlsplit(url).hostname or "").lower()
            if host not in self.allowed_hosts:
                raise PermanentError(
                    f"{self.label}: refused to send the credential to {host or url}: "
                    "only its network's API hosts and those allowed on the credential may get it."
                )
            kwargs["extensions"] = {outbound.HOSTS: self.allowed_hosts}
        error: ConnectorError | None = None
        for attempt in range(attempts or config["attempts"]):
            if attempt:
                time.sleep(backoff_delay(attempt, config["backoff_base"], config["backoff_cap"]))
            try:
                response = self.client.request(method, url, **kwargs)
            except outbound.Refused as exc:
                # Never the body of a refused hop: it was never fetched.
                raise PermanentError(f"{self.label}: refused to call {url}: {exc.message}") from exc
            except outbound.TooLarge as exc:
                raise MalformedPayload(f"{self.label}: {exc.message}") from exc
            except httpx.TimeoutException:
                error = TransientError(f"{self.label} did not answer within the timeout")
                continue
            except httpx.TransportError as exc:
                error = TransientError(f"{self.label} could not be reached: {exc}")
                continue
            self._note_rate_limit(response)
            if response.status_code == 429:
                raise self.rate_limited(response)
            if response.status_code >= 500:
                error = TransientError(
                    f"{self.label} answered {response.status_code} {response.reason_phrase}",
                    status_code=response.status_code,
                    body=response.text,
                )
                retry_at = parse_retry_after(response.headers.get("Retry-After"), timezone.now())
                if retry_at and retry_at - timezone.now() > timedelta(seconds=config["max_wait"]):
                    raise RateLimited(error.message, until=retry_at, status_code=503)
                continue
            if response.status_code >= 400:
                raise self.error_for(response)
            return response
        raise error

    def rate_limited(self, response: httpx.Response) -> RateLimited:
        now = timezone.now()
        _remaining, reset = self.rate_limit(response)
        until = parse_retry_after(response.headers.get("Retry-After"), now) or reset
        if until is None or until <= now:
            until = now + timedelta(seconds=settings.MONITORING_HTTP["default_rate_wait"])
        return RateLimited(
            f"{self.label} rate limit reached: waiting until {until:%H:%M:%S} UTC",
            until=until,
            status_code=429,
            body=response.text,
        )

    def _note_rate_limit(self, response: httpx.Response) -> None:
        remaining, reset = self.rate_limit(response)
        if remaining is not None and remaining <= 0 and reset is not None:
            self.wait_until = reset

    def parse_json(self, response: httpx.Response):
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise MalformedPayload(
                f"{self.label} sent a body that is not JSON ({exc})",
                status_code=response.status_code,
                body=response.text,
            ) from exc

    def malformed(self, response: httpx.Response, what: str) -> MalformedPayload:
        return MalformedPayload(
            f"{self.label} sent an unexpected payload: {what}",
            status_code=response.status_code,
            body=response.text,
        )

    # Short-lived tokens (OAuth access tokens, AT Protocol sessions) live in the cache,
    # encrypted, keyed by the credential so every worker reuses them.

    def _token_key(self, name: str) -> str:
        return f"monitoring:{self.name}:{self.stream.credential_id}:{name}"

    def recall_token(self, name: str):
        stored = cache.get(self._token_key(name))
        if stored is None:
            return None
        try:
            kept = crypto.decrypt_json(stored)
        except crypto.SecretUnreadable:
            return None
        # The cache's own expiry is a ceiling; this clock decides (the network's, not Redis's).
        return kept["value"] if kept.get("expires", 0) > time.time() else None

    def remember_token(self, name: str, value, ttl: float) -> None:
        kept = {"value": value, "expires": time.time() + ttl}
        cache.set(self._token_key(name), crypto.encrypt_json(kept), timeout=max(1, int(ttl)))

    def forget_token(self, name: str) -> None:
        cache.delete(self._token_key(name))


def error_text(response: httpx.Response) -> str:
    """The human part of a JSON error body, whatever the network's error shape."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict):
        for key in ("detail", "error_description", "message", "error", "title"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return value["message"]
    return json.dumps(body)[:200]


def allowed_hosts_for(connector_class, credential) -> frozenset[str]:
    """The hosts `credential`'s secret may be sent to by `connector_class`."""
    extra = credential.allowed_hosts if credential is not None else []
    return frozenset(connector_class.api_hosts) | {
        str(host).strip().lower() for host in extra or [] if str(host).strip()
    }


def http_client() -> httpx.Client:
    """The client a poll uses: riskdesk's guarded client, our User-Agent, the timeout."""
    config = settings.MONITORING_HTTP
    return outbound.client(headers={"User-Agent": config["user_agent"]}, timeout=config["timeout"])
