"""Business operations of monitoring: credentials, streams, polls, ingestion, webhooks.

People's changes check permission and write an audit event in their
transaction. Polls are the workers' own business: each one first holds its
stream through a claim (a conditional UPDATE), so no stream is ever polled by
two workers at once, and lets go of it when done or when the claim expires.
"""

import hashlib
import json
import logging
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring import pipeline
from monitoring.connectors import CONNECTOR_PATHS, get_connector, pushed_connectors
from monitoring.connectors.base import (
    BODY_KEPT,
    ConnectorError,
    NormalizedMention,
    PermanentError,
    RateLimited,
    TransientError,
    allowed_hosts_for,
    http_client,
)
from monitoring.models import (
    Credential,
    Stream,
    StreamError,
    StreamErrorKind,
    StreamStatus,
    WebhookDelivery,
)
from riskdesk import outbound
from riskdesk.audit import audit_record, snapshot
from riskdesk.permissions import require

logger = logging.getLogger(__name__)

STREAM_FIELDS = [
    "name",
    "connector",
    "query",
    "language",
    "options",
    "base_url",
    "credential",
    "poll_interval",
    "enabled",
    "team",
]
CREDENTIAL_AUDIT_FIELDS = ["name", "connector", "secret_fields", "rotated_at", "allowed_hosts"]
# What decides where a stream's credential is sent: choosing or changing it takes
# credential.manage, as managing the credential itself does.
CONNECTION_FIELDS = ("credential", "base_url")
MAX_ALLOWED_HOSTS = 20
HOST_NAME = re.compile(
    r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|[0-9a-f:]+"
)


# --- Credentials --------------------------------------------------------------------


def _check_secret(connector: str, secret: dict) -> dict:
    if connector not in CONNECTOR_PATHS:
        raise ValidationError({"connector": _("Unknown connector.")})
    if not isinstance(secret, dict):
        raise ValidationError({"secret": _("Give the secret as named fields.")})
    allowed = set(get_connector(connector).secret_fields)
    unknown = set(secret) - allowed
    if unknown:
        raise ValidationError(
            {"secret": _("Not used by this connector: %s") % ", ".join(sorted(unknown))}
        )
    return {k: str(v).strip() for k, v in secret.items() if str(v or "").strip()}


def _check_hosts(hosts) -> list[str]:
    """Host names only (no scheme, port or path), lower-cased, each once."""
    if hosts is None:
        return []
    if not isinstance(hosts, list | tuple) or len(hosts) > MAX_ALLOWED_HOSTS:
        raise ValidationError(
            {"allowed_hosts": _("Give at most %d host names.") % MAX_ALLOWED_HOSTS}
        )
    checked = []
    for host in hosts:
        host = str(host).strip().lower().rstrip(".")
        if not host:
            continue
        try:
            valid = bool(HOST_NAME.fullmatch(host)) and host == outbound.check_host_form(host)
        except outbound.Refused:
            valid = False
        if not valid:
            raise ValidationError(
                {"allowed_hosts": _("%(host)s is not a host name.") % {"host": host}}
            )
        checked.append(host)
    return list(dict.fromkeys(checked))


def stream_host(stream: Stream) -> str:
    """The host a stream's connector calls: its API address, else the network's own."""
    base_url = stream.base_url or get_connector(stream.connector).default_base_url
    return (urlsplit(base_url).hostname or "").lower()


@transaction.atomic
def credential_create(
    *, actor, name: str, connector: str, secret: dict, allowed_hosts: list | None = None
) -> Credential:
    require(actor, "credential.manage")
    if Credential.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("A credential with this name already exists.")})
    credential = Credential(name=name, connector=connector, created_by=actor)
    credential.secret = _check_secret(connector, secret)
    credential.allowed_hosts = _check_hosts(allowed_hosts)
    credential.save()
    after = snapshot(credential, CREDENTIAL_AUDIT_FIELDS)
    audit_record(actor=actor, verb="credential.create", target=credential, after=after)
    return credential


@transaction.atomic
def credential_update(
    *,
    actor,
    credential: Credential,
    name: str | None = None,
    secret: dict | None = None,
    allowed_hosts: list | None = None,
) -> Credential:
    """Rename, and with `secret`, replace the fields given (empty ones are kept as they were).

    `allowed_hosts`, when given, replaces the hosts besides the network's own that may
    receive the secret.
    """
    require(actor, "credential.manage", credential)
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    before = snapshot(credential, CREDENTIAL_AUDIT_FIELDS)
    if name is not None and name != credential.name:
        if Credential.objects.filter(name__iexact=name).exclude(pk=credential.pk).exists():
            raise ValidationError({"name": _("A credential with this name already exists.")})
        credential.name = name
    if allowed_hosts is not None:
        credential.allowed_hosts = _check_hosts(allowed_hosts)
    changed_secret = _check_secret(credential.connector, secret or {})
    if changed_secret:
        credential.secret = credential.secret | changed_secret
        credential.rotated_at = timezone.now()
    credential.save()
    after = snapshot(credential, CREDENTIAL_AUDIT_FIELDS)
    if after != before:
        # The audit trail says which fields changed, never their values.
        after["secret_changed"] = sorted(changed_secret)
        audit_record(
            actor=actor, verb="credential.update", target=credential, before=before, after=after
        )
    if changed_secret:
        # A stream stopped by a refused token may work again.
        Stream.objects.filter(credential=credential, status=StreamStatus.STOPPED).update(
            status=StreamStatus.NEW, consecutive_failures=0, next_poll_at=timezone.now()
        )
    return credential


@transaction.atomic
def credential_delete(*, actor, credential: Credential) -> None:
    require(actor, "credential.manage", credential)
    if credential.streams.exists():
        raise ValidationError(_("Streams still use this credential; change them first."))
    before = snapshot(credential, CREDENTIAL_AUDIT_FIELDS)
    audit_record(actor=actor, verb="credential.delete", target=credential, before=before)
    credential.delete()


# --- Streams --------------------------------------------------------------------------


def _validate_stream(stream: Stream) -> None:
    errors = {}
    if stream.connector not in CONNECTOR_PATHS:
        errors["connector"] = _("Unknown connector.")
    if stream.credential_id and stream.credential.connector != stream.connector:
        errors["credential"] = _("This credential belongs to another connector.")
    if not isinstance(stream.options, dict):
        errors["options"] = _("Options must be a JSON object.")
    if not errors:
        connector = get_connector(stream.connector)
        needs_one = connector.secret_fields and not connector.credential_optional
        if needs_one and not stream.credential_id:
            errors["credential"] = _("This connector needs a credential.")
        host = stream_host(stream)
        if stream.credential_id and host not in allowed_hosts_for(connector, stream.credential):
            errors["base_url"] = _(
                "The credential %(credential)s may not be sent to %(host)s: its network's "
                "API hosts and the hosts allowed on it only."
            ) % {"credential": stream.credential, "host": host or stream.base_url}
    if errors:
        raise ValidationError(errors)
    stream.full_clean(exclude=["credential", "team", "created_by"])


def _stream_snapshot(stream: Stream) -> dict:
    return snapshot(stream, STREAM_FIELDS)


@transaction.atomic
def stream_create(*, actor, **fields) -> Stream:
    require(actor, "stream.create")
    unknown = set(fields) - set(STREAM_FIELDS)
    if unknown:
        raise ValueError(f"not stream fields: {sorted(unknown)}")
    if any(fields.get(name) for name in CONNECTION_FIELDS):
        require(actor, "credential.manage")
    stream = Stream(created_by=actor, **fields)
    _validate_stream(stream)
    stream.save()
    audit_record(actor=actor, verb="stream.create", target=stream, after=_stream_snapshot(stream))
    return stream


@transaction.atomic
def stream_update(*, actor, stream: Stream, **changes) -> Stream:
    """Change a stream. Changing how it connects gives a stopped stream another chance."""
    require(actor, "stream.change", stream)
    unknown = set(changes) - set(STREAM_FIELDS)
    if unknown:
        raise ValueError(f"not stream fields: {sorted(unknown)}")
    stream = Stream.objects.select_for_update().get(pk=stream.pk)
    before = _stream_snapshot(stream)
    connection_changed = [
        name
        for name in CONNECTION_FIELDS
        if name in changes
        and connection_value(changes[name]) != connection_value(getattr(stream, name))
    ]
    if connection_changed:
        require(actor, "credential.manage", stream)
    old_host = stream_host(stream) if stream.connector in CONNECTOR_PATHS else ""
    for name, value in changes.items():
        setattr(stream, name, value)
    if (
        stream.credential_id
        and "credential" not in connection_changed
        and stream.connector in CONNECTOR_PATHS
    ):
        new_host = stream_host(stream)
        connector = get_connector(stream.connector)
        if new_host != old_host and new_host not in allowed_hosts_for(connector, stream.credential):
            stream.credential = None  # a new host never inherits the credential of the old one
    _validate_stream(stream)
    after = _stream_snapshot(stream)
    if after == before:
        return stream
    if stream.status == StreamStatus.STOPPED or (stream.enabled and not before["enabled"]):
        stream.status = StreamStatus.NEW
        stream.consecutive_failures = 0
        stream.next_poll_at = timezone.now()
    if {"connector", "query", "options", "base_url", "language"} & {
        k for k in after if after[k] != before[k]
    }:
        stream.cursor = {}  # a different search starts from its own beginning
    stream.save()
    audit_record(actor=actor, verb="stream.update", target=stream, before=before, after=after)
    return stream


def connection_value(value):
    """A credential by its id, an address as it is (blank as None), for comparing a change."""
    if isinstance(value, Credential):
        return value.pk
    return value or None


@transaction.atomic
def stream_delete(*, actor, stream: Stream) -> None:
    require(actor, "stream.delete", stream)
    audit_record(actor=actor, verb="stream.delete", target=stream, before=_stream_snapshot(stream))
    stream.delete()


@transaction.atomic
def stream_poll_now(*, actor, stream: Stream) -> bool:
    """Queue a poll at once; False when one is already running."""
    require(actor, "stream.poll", stream)
    if stream.connector in pushed_connectors():
        raise ValidationError(_("This stream receives webhooks; there is nothing to poll."))
    Stream.objects.filter(pk=stream.pk).update(
        next_poll_at=timezone.now(),
        status=StreamStatus.NEW if stream.status == StreamStatus.STOPPED else stream.status,
    )
    token = stream_claim(stream.pk, ignore_schedule=True)
    audit_record(actor=actor, verb="stream.poll_now", target=stream, after={"queued": bool(token)})
    if token:
        _enqueue_poll(stream.pk, token)
    return token is not None


# --- Claims and polls -------------------------------------------------------------------


def _claimable(now) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def _due(now) -> Q:
    return (
        Q(enabled=True, next_poll_at__lte=now)
        & ~Q(status=StreamStatus.STOPPED)
        & ~Q(connector__in=pushed_connectors())
        & _claimable(now)
    )


def _enqueue_poll(stream_id: int, token: str) -> None:
    from monitoring.tasks import poll_stream

    transaction.on_commit(lambda: poll_stream.delay(stream_id, token))


def stream_claim(stream_id: int, *, ignore_schedule: bool = False) -> str | None:
    """Hold the stream for one poll. Returns the claim token, or None if someone holds it."""
    now = timezone.now()
    token = uuid.uuid4()
    condition = _claimable(now) if ignore_schedule else _due(now)
    won = Stream.objects.filter(condition, pk=stream_id).update(
        claim_token=token, claimed_until=now + timedelta(seconds=settings.MONITORING_CLAIM_SECONDS)
    )
    return str(token) if won else None


def streams_claim_due(*, limit: int = 100) -> list[tuple[int, str]]:
    """Claim the streams whose poll is due and queue their polls after commit.

    On PostgreSQL the candidates are locked with SKIP LOCKED, so concurrent
    ticks pick different streams instead of waiting on each other; the
    conditional UPDATE is what makes a claim exclusive on every database.
    """
    now = timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        candidates = Stream.objects.filter(_due(now)).order_by("next_poll_at")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        Stream.objects.filter(_due(now), pk__in=ids).update(
            claim_token=token,
            claimed_until=now + timedelta(seconds=settings.MONITORING_CLAIM_SECONDS),
        )
        claimed = list(Stream.objects.filter(claim_token=token).values_list("pk", flat=True))
        for stream_id in claimed:
            _enqueue_poll(stream_id, str(token))
    return [(stream_id, str(token)) for stream_id in claimed]


@dataclass
class PollOutcome:
    status: str
    stored: int = 0
    duplicates: int = 0
    pages: int = 0
    error: str = ""
    problems: list[str] = field(default_factory=list)


def _retry_delay(stream: Stream, failures: int) -> timedelta:
    seconds = min(stream.poll_interval * 2**failures, settings.MONITORING_MAX_BACKOFF_SECONDS)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))  # noqa: S311


ERRORS_KEPT = timedelta(days=30)


def _record_error(stream: Stream, kind: str, message: str, status_code=None, body="") -> None:
    error = StreamError.objects.create(
        stream=stream, kind=kind, message=message, status_code=status_code, body=body[:BODY_KEPT]
    )
    # A stream failing every minute for weeks must not fill the disk with its errors.
    StreamError.objects.filter(
        stream=stream, occurred_at__lt=error.occurred_at - ERRORS_KEPT
    ).delete()


def stream_poll(*, stream_id: int, claim_token: str) -> PollOutcome | None:
    """Fetch pages from the network and store them, then let go of the stream.

    Each page is stored with the cursor that follows it in one transaction. A
    fault after some pages keeps those pages; the error decides when the next
    poll comes (at once after a backlog, at the rate-limit reset, with backoff
    after a failure, never after a permanent error until someone fixes it).
    Returns None when the claim is no longer ours, at the start or at any page.
    """
    stream = (
        Stream.objects.select_related("credential")
        .filter(pk=stream_id, claim_token=claim_token)
        .first()
    )
    if stream is None:
        return None
    connector_class = get_connector(stream.connector)
    outcome = PollOutcome(status=StreamStatus.OK)
    started = timezone.now()
    next_poll = started + timedelta(seconds=stream.poll_interval)
    cursor = dict(stream.cursor)
    try:
        with http_client() as client:
            connector = connector_class(stream, client)
            for _page_number in range(settings.MONITORING_MAX_PAGES_PER_POLL):
                page = connector.fetch(cursor)
                result = pipeline.ingest(
                    page.mentions, stream=stream, cursor=page.cursor, claim_token=claim_token
                )
                cursor = page.cursor
                outcome.pages += 1
                outcome.stored += len(result.ids)
                outcome.duplicates += len(result.duplicates)
                outcome.problems.extend(page.problems + result.invalid)
                if not page.has_more or connector.wait_until:
                    break
            else:
                next_poll = timezone.now()  # a backlog: come back at once
            if connector.wait_until and connector.wait_until > next_poll:
                next_poll = connector.wait_until
                outcome.status = StreamStatus.RATE_LIMITED
    except ConnectorError as exc:
        outcome.status, outcome.error = _poll_failed(stream, exc)
        next_poll = (
            exc.until
            if isinstance(exc, RateLimited)
            else started + _retry_delay(stream, stream.consecutive_failures + 1)
        )
        error = exc
    except SoftTimeLimitExceeded:
        error = TransientError(
            _("The poll ran out of time; the next one goes on from the last stored page.")
        )
        outcome.status, outcome.error = StreamStatus.FAILING, error.message
        next_poll = timezone.now()
    except pipeline.ClaimLost:
        # Too late: another poll holds the stream now (or has finished). Its cursor stands;
        # this page was rolled back, and the stream's state is the other poll's to write.
        logger.warning("poll of stream %s lost its claim; its last page was dropped", stream_id)
        return None
    except DatabaseError:
        raise  # the task logs it; the claim expires and a later poll starts over
    except Exception as exc:  # a connector bug must not kill the worker nor stop others
        logger.exception("poll of stream %s failed", stream_id)
        error = ConnectorError(f"internal error: {type(exc).__name__}: {exc}")
        outcome.status, outcome.error = StreamStatus.FAILING, error.message
        next_poll = started + _retry_delay(stream, stream.consecutive_failures + 1)
    else:
        error = None
    _finish_poll(stream, claim_token, outcome, error, started, next_poll)
    return outcome


def _poll_failed(stream: Stream, exc: ConnectorError) -> tuple[str, str]:
    if isinstance(exc, PermanentError):
        return StreamStatus.STOPPED, exc.message
    if isinstance(exc, RateLimited):
        return StreamStatus.RATE_LIMITED, exc.message
    return StreamStatus.FAILING, exc.message


@transaction.atomic
def _finish_poll(stream, claim_token, outcome: PollOutcome, error, started, next_poll) -> None:
    now = timezone.now()
    state = {
        "status": outcome.status,
        "last_polled_at": started,
        "next_poll_at": next_poll,
        "claim_token": None,
        "claimed_until": None,
    }
    if error is None:
        state |= {"last_success_at": now, "consecutive_failures": 0}
    elif not isinstance(error, RateLimited):
        state["consecutive_failures"] = stream.consecutive_failures + 1
    if error is not None:
        state |= {"last_error": error.message, "last_error_at": now}
        _record_error(stream, error.kind, error.message, error.status_code, error.body)
    if outcome.problems:
        _record_error(
            stream,
            StreamErrorKind.MALFORMED,
            _("%d item(s) could not be read and were skipped") % len(outcome.problems),
            body="\n".join(outcome.problems),
        )
    Stream.objects.filter(pk=stream.pk, claim_token=claim_token).update(**state)


# --- Ingestion from outside: the API and webhooks ----------------------------------------


@transaction.atomic
def mentions_ingest(*, actor, mentions: list[NormalizedMention]) -> pipeline.IngestResult:
    """Store mentions pushed by a listening tool through the API."""
    require(actor, "mention.ingest")
    result = pipeline.ingest(mentions)
    audit_record(
        actor=actor,
        verb="mention.ingest",
        after={"received": len(mentions), "stored": len(result.ids)},
    )
    return result


def webhook_receive(*, stream: Stream, body: bytes) -> WebhookDelivery | None:
    """Keep a verified delivery for the worker; None when the same body came before."""
    digest = hashlib.sha256(body).hexdigest()
    with transaction.atomic():
        delivery, created = WebhookDelivery.objects.get_or_create(
            digest=digest, defaults={"stream": stream, "body": body}
        )
        if created:
            from monitoring.tasks import process_webhook_delivery

            transaction.on_commit(lambda: process_webhook_delivery.delay(delivery.pk))
    return delivery if created else None


WEBHOOK_MAX_ATTEMPTS = 8
WEBHOOK_RETRY_AFTER = timedelta(minutes=5)


def webhook_process(*, delivery_id: int) -> None:
    """Turn a stored delivery into mentions.

    A worker first claims the delivery by pushing its next attempt forward, so a
    delivery queued twice is processed once; one whose worker died is taken
    again by the next tick after that time. Running twice stores nothing twice.
    """
    from monitoring.connectors import meta

    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, processed_at=None, next_attempt_at__lte=now
    ).update(
        next_attempt_at=now + WEBHOOK_RETRY_AFTER,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return
    delivery = WebhookDelivery.objects.select_related("stream__credential").get(pk=delivery_id)
    stream = delivery.stream
    body = bytes(delivery.body)
    try:
        payload = json.loads(body)
        mentions, problems, to_fetch = meta.parse_delivery(payload)
        if to_fetch:
            with http_client() as client:
                connector = get_connector(stream.connector)(stream, client)
                mentions += connector.fetch_mentioned_comments(to_fetch)
                problems += connector.problems
    except (ValueError, ConnectorError) as exc:
        permanent = not isinstance(exc, ConnectorError) or isinstance(exc, PermanentError)
        kind = getattr(exc, "kind", StreamErrorKind.MALFORMED)
        message = getattr(exc, "message", None) or _("Unreadable webhook delivery: %s") % exc
        with transaction.atomic():
            _record_error(stream, kind, message, body=body.decode("utf-8", "replace"))
            if permanent or delivery.attempts >= WEBHOOK_MAX_ATTEMPTS:
                WebhookDelivery.objects.filter(pk=delivery.pk).update(
                    processed_at=timezone.now(), error=message
                )
        return
    with transaction.atomic():
        pipeline.ingest(mentions, stream=stream)
        if problems:
            _record_error(
                stream,
                StreamErrorKind.MALFORMED,
                _("%d change(s) in a delivery could not be read") % len(problems),
                body="\n".join(problems),
            )
        WebhookDelivery.objects.filter(pk=delivery.pk).update(processed_at=timezone.now())


def webhook_deliveries_pending() -> list[int]:
    """Deliveries due for a (new) attempt: never taken, or whose worker died or failed."""
    return list(
        WebhookDelivery.objects.filter(
            processed_at=None, next_attempt_at__lte=timezone.now()
        ).values_list("pk", flat=True)[:100]
    )
