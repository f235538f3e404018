"""Sending the outbox: one row to its channel, retried with backoff until it goes or gives up.

A worker (alerting.tasks.send_notification) calls `notification_send` for a row
that alerting.services.notifications queued. A generic webhook's body is signed
(`signature`); `verify_signature` is what a receiver does.
"""

import hashlib
import hmac
import json
import logging
import random
import threading
import time
from datetime import timedelta

import httpx
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from alerting.models import Notification, NotificationChannel
from alerting.services.notifications import EVENT_TEST
from riskdesk import outbound

logger = logging.getLogger(__name__)

Kind = NotificationChannel.Kind
Status = Notification.Status

MAX_ATTEMPTS = 8
RETRY_BASE_SECONDS = 30
RETRY_CAP_SECONDS = 3600
# How long a claimed row is held by its worker: longer than any send can take.
CLAIM = timedelta(minutes=2)
SIGNATURE_HEADER = "X-Riskdesk-Signature"
TIMESTAMP_HEADER = "X-Riskdesk-Timestamp"
EVENT_HEADER = "X-Riskdesk-Event"


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
