"""What every outbox that writes on the networks shares: the claim, one attempt, the backoff.

An outbox row (a reply, a scheduled post's delivery) has `state` (queued, sending, sent,
failed: inbox.models.ReplyState's values), `attempts`, `next_attempt_at` and
`claimed_until`. The rules that make a write happen once:

- an attempt **claims** the row for `LEASE` (queued and due, or sending with its lease
  over: a worker killed between the network's answer and the database write left it);
- an attempt after one whose outcome is unknown (`uncertain`) asks the network again with
  the same key when the network recognises it (`idempotent`), and otherwise first looks for
  the post an earlier attempt may have made;
- the network's answer decides what follows (`attempt`): sent; retried with backoff (a
  timeout, a 5xx, an unreadable answer) or at the rate limit's reset; or failed at once
  with the network's words (a refusal).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inbox.models import ReplyState
from monitoring.connectors.base import ConnectorError, MalformedPayload, RateLimited, TransientError
from respond.publishers.base import AlreadySent, NotSupported, Sent

LEASE = timedelta(minutes=2)  # longer than one attempt's HTTP timeout
MAX_ATTEMPTS = 8
BACKOFF_BASE, BACKOFF_CAP = 30.0, 1800.0  # seconds: 30 s, 1 min, 2 min … 30 min


def claim(queryset, pk: int, *, prepare: Callable | None = None):
    """Take row `pk` of `queryset` for one attempt: (row, whether an earlier attempt may have
    posted), or None when it is not due or another worker holds it. `prepare(row)` runs in
    the claim's transaction (to lock and snapshot what the attempt sends); it returns the
    fields it changed."""
    now = timezone.now()
    with transaction.atomic():
        row = (
            queryset.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=pk, state__in=[ReplyState.QUEUED, ReplyState.SENDING])
            .first()
        )
        if row is None:
            return None
        if row.state == ReplyState.SENDING and row.claimed_until and row.claimed_until > now:
            return None  # another worker is on it
        if row.state == ReplyState.QUEUED and row.next_attempt_at and row.next_attempt_at > now:
            return None  # not yet: backing off, or not scheduled yet
        uncertain = row.attempts > 0
        row.state = ReplyState.SENDING
        row.attempts += 1
        row.claimed_until = now + LEASE
        fields = list(prepare(row)) if prepare else []
        row.save(update_fields=["state", "attempts", "claimed_until", *fields])
    return row, uncertain


@dataclass
class Outcome:
    """What one attempt came to: `sent`, or an `error` that is worth a `retry` (at
    `retry_at`, the rate limit's reset, when the network named it) or final."""

    sent: Sent | None = None
    error: str = ""
    retry: bool = False
    retry_at: datetime | None = None


def attempt(
    *, send: Callable[[], Sent], find: Callable[[], Sent | None] | None, uncertain: bool
) -> Outcome:
    """One write on the network. `find` looks for an earlier attempt's post; None for an
    idempotent network, which is simply asked again with the same key."""
    try:
        sent = find() if uncertain and find is not None else None
        return Outcome(sent=sent or send())
    except AlreadySent as exc:
        if not uncertain:
            return Outcome(error=exc.message)
        # The earlier attempt's: sent, though the network gave no id back for it.
        return Outcome(sent=Sent("", "", {"unconfirmed": exc.message}))
    except RateLimited as exc:
        return Outcome(error=exc.message, retry=True, retry_at=exc.until)
    except (TransientError, MalformedPayload) as exc:
        # Unknown outcome: the network may have posted it. The next attempt finds out.
        return Outcome(error=exc.message, retry=True)
    except (ConnectorError, NotSupported) as exc:
        return Outcome(error=getattr(exc, "message", str(exc)))


def retry_when(outcome: Outcome, attempts: int) -> datetime | None:
    """When to try again after `outcome`, or None when it has failed for good (a refusal,
    or `MAX_ATTEMPTS` spent)."""
    if not outcome.retry or attempts >= MAX_ATTEMPTS:
        return None
    if outcome.retry_at is not None:
        return outcome.retry_at
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (max(attempts, 1) - 1))
    return timezone.now() + timedelta(seconds=delay)


def gave_up(outcome: Outcome, attempts: int) -> str:
    """The error a row fails with: the network's words, and the attempts when it gave up."""
    if outcome.retry and attempts >= MAX_ATTEMPTS:
        message = _("%(error)s (gave up after %(n)d attempts)")
        return message % {"error": outcome.error, "n": attempts}
    return outcome.error
