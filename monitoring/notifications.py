"""Notification channels and the outbox that feeds them.

People manage channels (e-mail, Slack-compatible incoming webhook, generic
HMAC-signed webhook) through the `channel_*` services. The pipeline calls
`queue_for_stored` inside the ingest transaction, so a batch and its
notification rows commit or roll back together; sending happens after the
commit, in a worker (`notification_send`). A channel that fails only makes its
own rows wait and retry with backoff: ingestion never waits on the network.

A storm must not become a storm of messages: each batch gives at most one row
per channel (a digest when it holds several mentions), and a channel that got
MONITORING_NOTIFY_MAX_PER_WINDOW rows in the last ten minutes has further
mentions folded into its newest unsent digest instead.

Payload of a row (also the body of a generic webhook, under "payload"):
`event`, `count`, `reasons` ({code: how many}), `mentions` (the riskiest, at
most ten: id, platform, author_handle, text, url, risk_score, reasons,
priority) and an optional `summary` line.
"""

import hashlib
import hmac
import json
import logging
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models import Count, F, Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from monitoring.connectors.base import NormalizedMention
from monitoring.models import Notification, NotificationChannel
from riskdesk import outbound
from riskdesk.audit import audit_record, snapshot
from riskdesk.permissions import require

logger = logging.getLogger(__name__)

Kind = NotificationChannel.Kind
Status = Notification.Status

CHANNEL_FIELDS = ["team", "name", "kind", "target", "min_risk", "enabled"]
WINDOW = timedelta(minutes=10)
TOP_MENTIONS = 10
TEXT_KEPT = 500  # characters of a mention's text a message carries
MAX_ATTEMPTS = 8
RETRY_BASE_SECONDS = 30
RETRY_CAP_SECONDS = 3600
# How long a claimed row is held by its worker: longer than any send can take.
CLAIM = timedelta(minutes=2)
SIGNATURE_HEADER = "X-Riskdesk-Signature"
TIMESTAMP_HEADER = "X-Riskdesk-Timestamp"
EVENT_HEADER = "X-Riskdesk-Event"
EVENT_MENTIONS = "mentions.risky"
EVENT_TEST = "channel.test"


def max_per_window() -> int:
    return getattr(settings, "MONITORING_NOTIFY_MAX_PER_WINDOW", 5)


# --- Channels -----------------------------------------------------------------------


def masked_target(channel: NotificationChannel) -> str:
    """The target as pages, the API and the audit trail show it.

    A Slack incoming-webhook URL is itself a credential, so only its host is
    shown; a webhook URL loses its query string and any user:password.
    """
    if channel.kind == Kind.EMAIL:
        return channel.target
    parts = urlsplit(channel.target)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    if channel.kind == Kind.SLACK:
        return f"{parts.scheme}://{host}/…"
    return f"{parts.scheme}://{host}{parts.path}" + ("?…" if parts.query else "")


def _channel_snapshot(channel: NotificationChannel) -> dict:
    data = snapshot(channel, CHANNEL_FIELDS)
    data["target"] = masked_target(channel)
    data["secret_set"] = bool(channel.secret_encrypted)
    return data


def _target_error(kind: str, target: str) -> str | None:
    if kind == Kind.EMAIL:
        try:
            validate_email(target)
        except ValidationError:
            return _("Enter a valid e-mail address.")
        return None
    try:
        URLValidator(schemes=["http", "https"])(target)
    except ValidationError:
        return _("Enter an http:// or https:// URL.")
    try:
        outbound.ensure_public_address(target)
    except outbound.Refused as exc:
        return _(
            "%(problem)s. Private, loopback and link-local addresses are refused unless "
            "RISKDESK_OUTBOUND_ALLOW lists them."
        ) % {"problem": exc.message}
    return None


def _validate(channel: NotificationChannel) -> None:
    errors: dict[str, str] = {}
    channel.name = (channel.name or "").strip()
    channel.target = (channel.target or "").strip()
    if not channel.name:
        errors["name"] = _("Give the channel a name.")
    elif (
        NotificationChannel.objects.filter(team_id=channel.team_id, name__iexact=channel.name)
        .exclude(pk=channel.pk)
        .exists()
    ):
        errors["name"] = _("This team already has a channel with this name.")
    if channel.kind not in Kind.values:
        errors["kind"] = _("Choose e-mail, Slack or webhook.")
    elif problem := _target_error(channel.kind, channel.target):
        errors["target"] = problem
    if channel.kind == Kind.WEBHOOK and not channel.secret_encrypted:
        errors["secret"] = _("A webhook channel needs a secret: every message is signed with it.")
    if not isinstance(channel.min_risk, int) or not 0 <= channel.min_risk <= 100:
        errors["min_risk"] = _("Choose a score from 0 to 100.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def channel_create(
    *,
    actor,
    team,
    name: str,
    kind: str,
    target: str,
    secret: str = "",
    min_risk: int = 70,
    enabled: bool = True,
) -> NotificationChannel:
    require(actor, "channel.manage")
    channel = NotificationChannel(
        team=team, name=name, kind=kind, target=target, min_risk=min_risk, enabled=enabled
    )
    channel.secret = (secret or "").strip()
    _validate(channel)
    channel.save()
    audit_record(
        actor=actor, verb="channel.create", target=channel, after=_channel_snapshot(channel)
    )
    return channel


@transaction.atomic
def channel_update(*, actor, channel: NotificationChannel, **changes) -> NotificationChannel:
    """Change a channel. An empty secret keeps the saved one; so does an empty target,
    or the masked one the API showed (a Slack URL is never shown back)."""
    require(actor, "channel.manage", channel)
    unknown = set(changes) - {*CHANNEL_FIELDS, "secret"}
    if unknown:
        raise ValueError(f"not channel fields: {sorted(unknown)}")
    channel = NotificationChannel.objects.select_for_update().get(pk=channel.pk)
    before = _channel_snapshot(channel)
    secret = (changes.pop("secret", "") or "").strip()
    target = (changes.get("target") or "").strip()
    if not target or target == masked_target(channel):
        changes.pop("target", None)
    for name, value in changes.items():
        setattr(channel, name, value)
    if secret:
        channel.secret = secret
    _validate(channel)
    after = _channel_snapshot(channel)
    if after == before and not secret:
        return channel
    channel.save()
    after["secret_changed"] = bool(secret)  # that it changed, never what it is
    audit_record(actor=actor, verb="channel.update", target=channel, before=before, after=after)
    return channel


@transaction.atomic
def channel_delete(*, actor, channel: NotificationChannel) -> None:
    require(actor, "channel.manage", channel)
    audit_record(
        actor=actor, verb="channel.delete", target=channel, before=_channel_snapshot(channel)
    )
    channel.delete()


@transaction.atomic
def channel_test(*, actor, channel: NotificationChannel) -> Notification:
    """Queue a test message (even on a disabled channel, to try it before turning it on)."""
    require(actor, "channel.manage", channel)
    notification = Notification.objects.create(
        channel=channel,
        subject=_("Test message from riskdesk for %(team)s") % {"team": channel.team.name},
        payload={
            "event": EVENT_TEST,
            "count": 0,
            "reasons": {},
            "mentions": [],
            "summary": _("If you can read this, the channel %(name)s works.")
            % {"name": channel.name},
        },
    )
    audit_record(
        actor=actor, verb="channel.test", target=channel, after={"notification": notification.pk}
    )
    _send_on_commit([notification.pk])
    return notification


# --- The outbox -----------------------------------------------------------------------


def _send_on_commit(ids: list[int]) -> None:
    """Queue the rows once they are committed. A broker that is down breaks nothing:
    the rows stay pending and the beat sweep (`notifications_due`) sends them."""
    if not ids:
        return

    def queue() -> None:
        from monitoring.tasks import send_notification

        for pk in ids:
            send_notification.delay(pk)

    transaction.on_commit(queue, robust=True)


def _summary(pk: int, mention: NormalizedMention) -> dict:
    return {
        "id": pk,
        "platform": mention.platform,
        "author_handle": mention.author_handle,
        "text": mention.text[:TEXT_KEPT],
        "url": mention.url,
        "risk_score": mention.risk_score,
        "reasons": _reason_codes(mention.risk_reasons),
        "priority": mention.priority,
    }


def _reason_codes(reasons) -> list[str]:
    codes = (r.get("code") if isinstance(r, dict) else r for r in reasons or ())
    return list(dict.fromkeys(str(code) for code in codes if code))


def _subject(team_name: str, count: int, top: list[dict]) -> str:
    if count == 1 and top:
        return _("Risky mention for %(team)s: risk %(score)s from @%(author)s") % {
            "team": team_name,
            "score": top[0]["risk_score"],
            "author": top[0]["author_handle"] or "?",
        }
    return ngettext(
        "%(count)d risky mention for %(team)s",
        "%(count)d risky mentions for %(team)s",
        count,
    ) % {"count": count, "team": team_name}


def _digest(team_name: str, payload: dict | None, items: list[dict]) -> tuple[str, dict]:
    """Subject and payload of a row holding `payload`'s mentions plus `items`."""
    payload = payload or {"event": EVENT_MENTIONS, "count": 0, "reasons": {}, "mentions": []}
    reasons = Counter(payload.get("reasons", {}))
    for item in items:
        reasons.update(item["reasons"])
    top = sorted([*payload.get("mentions", []), *items], key=lambda m: (-m["risk_score"], m["id"]))[
        :TOP_MENTIONS
    ]
    count = payload.get("count", 0) + len(items)
    payload = payload | {"count": count, "reasons": dict(reasons), "mentions": top}
    return _subject(team_name, count, top)[:255], payload


def _fold_into_digest(channel: NotificationChannel, items: list[dict], due) -> int | None:
    """Add `items` to the channel's newest unsent digest, or start one that waits until `due`.

    Only rows never taken by a worker (attempts=0) are added to: a row being sent
    keeps exactly what its worker read. Returns the id of a row created now.
    """
    row = (
        Notification.objects.select_for_update()
        .filter(channel=channel, status=Status.PENDING, attempts=0, payload__event=EVENT_MENTIONS)
        .order_by("-id")
        .first()
    )
    if row is None:
        subject, payload = _digest(channel.team.name, None, items)
        return Notification.objects.create(
            channel=channel,
            subject=subject,
            payload=payload,
            mention_ids=[item["id"] for item in items],
            next_attempt_at=due,
        ).pk
    row.subject, row.payload = _digest(channel.team.name, row.payload, items)
    row.mention_ids = [*row.mention_ids, *(item["id"] for item in items)]
    row.save(update_fields=["subject", "payload", "mention_ids"])
    return None


def queue_for_stored(stored: list[tuple[int, NormalizedMention]]) -> None:
    """The pipeline's on-store hook: outbox rows for what was just inserted, same transaction.

    For each enabled channel of a team that mentions were routed to, the mentions
    flagged `notify` or at the channel's minimum risk become one row.
    """
    by_team: dict[int, list[tuple[int, NormalizedMention]]] = defaultdict(list)
    for pk, mention in stored:
        if mention.team_id is not None:
            by_team[mention.team_id].append((pk, mention))
    if not by_team:
        return
    channels = list(
        NotificationChannel.objects.filter(team_id__in=by_team, enabled=True).select_related("team")
    )
    if not channels:
        return
    now = timezone.now()
    recent = {
        row["channel"]: row
        for row in Notification.objects.filter(channel__in=channels, created_at__gt=now - WINDOW)
        .values("channel")
        .annotate(count=Count("id"), oldest=Min("created_at"))
    }
    limit = max_per_window()
    to_send: list[int] = []
    for channel in channels:
        items = [
            _summary(pk, mention)
            for pk, mention in by_team[channel.team_id]
            if mention.notify or mention.risk_score >= channel.min_risk
        ]
        if not items:
            continue
        window = recent.get(channel.pk)
        if window and window["count"] >= limit:
            # Not queued now: the beat sweep sends a new digest when the window ends.
            _fold_into_digest(channel, items, due=window["oldest"] + WINDOW)
            continue
        subject, payload = _digest(channel.team.name, None, items)
        row = Notification.objects.create(
            channel=channel,
            subject=subject,
            payload=payload,
            mention_ids=[item["id"] for item in items],
        )
        to_send.append(row.pk)
    _send_on_commit(to_send)


@transaction.atomic
def notify_team(
    *, team, subject: str, payload: dict, mention_ids: Iterable[int] = ()
) -> list[Notification]:
    """One row per enabled channel of `team`, sent after commit (spike alerts and the like).

    `payload` follows the outbox shape (see the module docstring); `event`
    defaults to "alert". Not throttled: callers send rarely and it matters.
    """
    payload = {"event": "alert", "count": 0, "reasons": {}, "mentions": []} | payload
    rows = [
        Notification.objects.create(
            channel=channel, subject=subject[:255], payload=payload, mention_ids=list(mention_ids)
        )
        for channel in NotificationChannel.objects.filter(team=team, enabled=True)
    ]
    _send_on_commit([row.pk for row in rows])
    return rows


def notifications_due(*, limit: int = 200) -> list[int]:
    """Rows waiting to be sent whose time has come: delayed digests, retries, lost tasks."""
    return list(
        Notification.objects.filter(status=Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


# --- Sending ----------------------------------------------------------------------------


class SendError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter: 30 s, 1 min, 2 min… at most an hour."""
    ceiling = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return timedelta(seconds=ceiling * random.uniform(0.5, 1.0))  # noqa: S311 (not for secrets)


def notification_send(notification_id: int) -> str | None:
    """Send one outbox row. Returns its status after this attempt, None when not ours.

    The row is first claimed with a conditional UPDATE that pushes its next
    attempt forward, so a row queued twice (the task and the beat sweep) is sent
    once; a worker that dies leaves it to be taken again after CLAIM.
    """
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=Status.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + CLAIM, attempts=F("attempts") + 1)
    if not claimed:
        return None
    notification = Notification.objects.select_related("channel__team").get(pk=notification_id)
    channel = notification.channel
    try:
        if not channel.enabled and notification.payload.get("event") != EVENT_TEST:
            raise SendError(_("The channel was disabled before this was sent."), permanent=True)
        SENDERS[channel.kind](channel, notification)
    except SendError as exc:
        return _failed(notification, exc)
    except Exception as exc:  # a bug must be recorded on the row, not lose it
        logger.exception("notification %s could not be sent", notification_id)
        return _failed(notification, SendError(f"internal error: {type(exc).__name__}: {exc}"))
    return _sent(notification)


@transaction.atomic
def _sent(notification: Notification) -> str:
    now = timezone.now()
    Notification.objects.filter(pk=notification.pk).update(
        status=Status.SENT, sent_at=now, last_error=""
    )
    NotificationChannel.objects.filter(pk=notification.channel_id).update(
        last_sent_at=now, consecutive_failures=0
    )
    return Status.SENT


@transaction.atomic
def _failed(notification: Notification, error: SendError) -> str:
    now = timezone.now()
    message = error.message[:2000]
    give_up = error.permanent or notification.attempts >= MAX_ATTEMPTS
    changes: dict = {"last_error": message}
    if give_up:
        changes["status"] = Status.FAILED
    else:
        changes["next_attempt_at"] = now + retry_delay(notification.attempts)
    Notification.objects.filter(pk=notification.pk).update(**changes)
    NotificationChannel.objects.filter(pk=notification.channel_id).update(
        last_error=message, last_error_at=now, consecutive_failures=F("consecutive_failures") + 1
    )
    logger.warning("notification %s: %s", notification.pk, message)
    return Status.FAILED if give_up else Status.PENDING


def message_lines(notification: Notification) -> list[str]:
    """The message as plain text lines. Mention text is hostile: callers escape for their medium."""
    payload = notification.payload
    lines = [notification.subject]
    if payload.get("summary"):
        lines.append(str(payload["summary"]))
    mentions = payload.get("mentions", [])
    for mention in mentions:
        text = " ".join(str(mention.get("text", "")).split())[:280]
        lines.append(
            f"[{mention.get('risk_score')}] {mention.get('platform')} "
            f"@{mention.get('author_handle')}: {text}"
        )
        if mention.get("url"):
            lines.append(f"    {mention['url']}")
    more = payload.get("count", len(mentions)) - len(mentions)
    if more > 0:
        lines.append(_("…and %(count)d more.") % {"count": more})
    lines.append(settings.RISKDESK_BASE_URL + "/")
    return lines


def slack_escape(text: str) -> str:
    """Slack's own escaping: only &, < and > are control characters in message text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def signature(body: bytes, secret: str, timestamp: int) -> str:
    """`t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`: a receiver recomputes
    it and refuses a timestamp too far from its clock, so a captured delivery cannot be
    replayed later (see README, Notifications)."""
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    body: bytes, header: str | None, secret: str, *, now: float | None = None, tolerance=300
) -> bool:
    """What a receiver does: the HMAC matches and its timestamp is within `tolerance` seconds."""
    try:
        fields = dict(part.split("=", 1) for part in (header or "").split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(body, secret, timestamp)
    return hmac.compare_digest(expected.encode(), (header or "").encode())


_http: httpx.Client | None = None
_http_lock = threading.Lock()


def _client() -> httpx.Client:
    """One client per worker process, made on first use (after Celery forks): building
    one loads the CA bundle, about 20 ms, and keeping it reuses connections."""
    global _http
    with _http_lock:
        if _http is None:
            _http = outbound.client(follow_redirects=False, max_bytes=1024 * 1024)
        return _http


def _post(url: str, body: bytes, headers: dict[str, str]) -> None:
    headers = {
        "Content-Type": "application/json",
        "User-Agent": settings.MONITORING_HTTP["user_agent"],
        **headers,
    }
    try:
        response = _client().post(
            url, content=body, headers=headers, timeout=settings.MONITORING_HTTP["timeout"]
        )
    except outbound.Refused as exc:  # checked at every connection: names may move
        raise SendError(exc.message, permanent=True) from exc
    except httpx.TimeoutException as exc:
        raise SendError(
            _("No answer in time (%(error)s).") % {"error": type(exc).__name__}
        ) from exc
    except httpx.HTTPError as exc:
        raise SendError(_("Could not connect: %(error)s") % {"error": exc}) from exc
    if response.is_success:
        return
    detail = f"HTTP {response.status_code}: {response.text[:300]}"
    transient = response.status_code in (408, 429) or response.status_code >= 500
    raise SendError(detail, permanent=not transient)


def _send_slack(channel: NotificationChannel, notification: Notification) -> None:
    text = "\n".join(slack_escape(line) for line in message_lines(notification))
    body = json.dumps({"text": text, "unfurl_links": False, "unfurl_media": False}).encode()
    _post(channel.target, body, {})


def _send_webhook(channel: NotificationChannel, notification: Notification) -> None:
    event = str(notification.payload.get("event", "alert"))
    body = json.dumps(
        {
            "id": notification.pk,
            "event": event,
            "subject": notification.subject,
            "team": {"id": channel.team_id, "name": channel.team.name},
            "created_at": notification.created_at.isoformat(),
            "mention_ids": notification.mention_ids,
            "payload": notification.payload,
        }
    ).encode()
    timestamp = int(time.time())
    headers = {
        SIGNATURE_HEADER: signature(body, channel.secret, timestamp),
        TIMESTAMP_HEADER: str(timestamp),
        EVENT_HEADER: event,
        "X-Riskdesk-Delivery": str(notification.pk),
    }
    _post(channel.target, body, headers)


def _send_email(channel: NotificationChannel, notification: Notification) -> None:
    subject = " ".join(notification.subject.split())  # no header injection through a name
    try:
        send_mail(subject, "\n".join(message_lines(notification)), None, [channel.target])
    except Exception as exc:  # smtplib and socket errors alike: retried
        raise SendError(_("The mail server refused: %(error)s") % {"error": exc}) from exc


SENDERS = {Kind.SLACK: _send_slack, Kind.WEBHOOK: _send_webhook, Kind.EMAIL: _send_email}
