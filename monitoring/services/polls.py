"""Polls by the workers. Each one first holds its stream through a claim (a conditional
UPDATE), so no stream is ever polled by two workers at once, and lets go of it when done
or when the claim expires."""

import logging
import random
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring import pipeline
from monitoring.connectors import get_connector, pushed_connectors
from monitoring.connectors.base import (
    BODY_KEPT,
    ConnectorError,
    PermanentError,
    RateLimited,
    TransientError,
    http_client,
)
from monitoring.models import (
    Stream,
    StreamError,
    StreamErrorKind,
    StreamStatus,
)
from riskdesk.jobs import enqueue_on_commit

logger = logging.getLogger(__name__)


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


def poll_enqueue(stream_id: int, token: str) -> None:
    enqueue_on_commit("monitoring.tasks.poll_stream", (stream_id, token))


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
            poll_enqueue(stream_id, str(token))
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


def stream_error_record(stream: Stream, kind: str, message: str, status_code=None, body="") -> None:
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
    results: list[pipeline.IngestResult] = []
    try:
        # Each page is stored (with its cursor) behind the fetch and enrichment of the next.
        with http_client() as client, pipeline.StoreBehind(stream=stream) as behind:
            connector = connector_class(stream, client)
            for _page_number in range(settings.MONITORING_MAX_PAGES_PER_POLL):
                page = connector.fetch(cursor)
                result = behind.submit(page.mentions, cursor=page.cursor, claim_token=claim_token)
                results.append(result)
                cursor = page.cursor
                outcome.pages += 1
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
    outcome.stored = sum(len(result.ids) for result in results)  # the pages committed
    outcome.duplicates = sum(len(result.duplicates) for result in results)
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
        stream_error_record(stream, error.kind, error.message, error.status_code, error.body)
    if outcome.problems:
        stream_error_record(
            stream,
            StreamErrorKind.MALFORMED,
            _("%d item(s) could not be read and were skipped") % len(outcome.problems),
            body="\n".join(outcome.problems),
        )
    Stream.objects.filter(pk=stream.pk, claim_token=claim_token).update(**state)
