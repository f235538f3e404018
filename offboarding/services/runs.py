"""Automatic revocation: a worker runs a task through its network's connector.

The network's answer is recorded on the task as an attempt, and as evidence once it is done.
"""

import random
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from offboarding.models import (
    CaseStatus,
    OffboardingTask,
    RevocationAttempt,
    RevocationMethod,
    TaskStatus,
)
from offboarding.revocation import get_revoker
from offboarding.services.shared import (
    CLAIM,
    RETRY_BASE_SECONDS,
    RETRY_CAP_SECONDS,
    RUNNABLE,
    _case_url,
    _security_people,
    task_snapshot,
)
from offboarding.services.work import _mark_done
from riskdesk import crypto
from riskdesk.audit import audit_record
from riskdesk.mail import mail_people


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter: about 1, 2, 4 … minutes, at most 30."""
    ceiling = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311


def offboarding_task_run(*, task_id: int) -> str | None:
    """Run one automatic revocation. Returns its outcome, or None when it was not ours to run.

    The task is claimed with a conditional UPDATE so two workers never call the
    network for it at once. The HTTP calls happen outside any transaction; the
    outcome (attempt row, task state, grant, case) is written in one.
    """
    from monitoring.connectors.base import (
        ConnectorError,
        MalformedPayload,
        PermanentError,
        RateLimited,
        TransientError,
        http_client,
    )

    now = timezone.now()
    claimed = (
        OffboardingTask.objects.filter(
            pk=task_id, automatic=True, status__in=RUNNABLE, case__status=CaseStatus.OPEN
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM)
    )
    if not claimed:
        return None
    task = OffboardingTask.objects.select_related(
        "case", "grant__person", "grant__account__revocation_connection"
    ).get(pk=task_id)
    grant = task.grant
    exchanges: list = []
    outcome, message, status_code, until, result = "permanent", "", None, None, None
    if grant is None or not grant.is_active:
        outcome, message = "done", _("The grant was already revoked.")
    elif grant.account.revocation_connection is None:
        message = _("%(account)s has no revocation connection any more: revoke by hand.") % {
            "account": grant.account
        }
    else:
        connection = grant.account.revocation_connection
        try:
            with http_client() as client:
                revoker = get_revoker(connection.kind)(connection, client)
                try:
                    result = revoker.revoke(grant)
                finally:
                    exchanges = revoker.exchanges
            outcome, message = "done", result.summary
        except RateLimited as exc:
            outcome, message, status_code, until = (
                "rate_limited",
                exc.message,
                exc.status_code,
                exc.until,
            )
        except (TransientError, MalformedPayload) as exc:
            outcome, message, status_code = "transient", exc.message, exc.status_code
        except (PermanentError, ConnectorError) as exc:
            outcome, message, status_code = "permanent", exc.message, exc.status_code
        except crypto.SecretUnreadable:
            message = _(
                "The connection's token was encrypted with a key that is gone: set it again."
            )
    _record_run(task_id, outcome, message, status_code, until, result, exchanges)
    return outcome


@transaction.atomic
def _record_run(task_id, outcome, message, status_code, until, result, exchanges) -> None:
    task = (
        OffboardingTask.objects.select_for_update(of=("self",))
        .select_related("case", "grant")
        .get(pk=task_id)
    )
    if task.is_done:
        return
    now = timezone.now()
    response = result.evidence if result is not None else {"exchanges": exchanges}
    RevocationAttempt.objects.create(
        task=task,
        succeeded=outcome == "done",
        outcome=outcome,
        message=message,
        status_code=status_code,
        response=response,
    )
    task.attempts += 1
    task.claimed_until = None
    if outcome == "done":
        import json

        evidence = (
            message + "\n\n" + json.dumps(response, indent=2, ensure_ascii=False, default=str)
        )
        task.last_error = ""
        _mark_done(task, actor=None, evidence=evidence, method=RevocationMethod.AUTOMATIC)
        return
    before = task_snapshot(task)
    task.last_error = message
    if outcome == "permanent":
        task.status = TaskStatus.FAILED
        task.next_attempt_at = None
    else:
        task.status = TaskStatus.RETRYING
        task.next_attempt_at = (
            until if outcome == "rate_limited" and until else now + retry_delay(task.attempts)
        )
    task.save()
    audit_record(
        actor=None,
        verb="offboarding.task_failed" if outcome == "permanent" else "offboarding.task_retrying",
        target=task.case,
        before=before,
        after=task_snapshot(task) | {"error": message[:2000]},
    )
    if outcome == "permanent":
        people = [p for p in [task.case.opened_by] if p is not None] + list(_security_people())
        mail_people(
            people=people,
            subject=_("Automatic revocation failed: %(task)s") % {"task": task.title},
            body=_(
                "riskdesk could not revoke this access on its own:\n\n%(task)s\n%(error)s\n\n"
                "Fix the connection and retry, or revoke by hand with evidence:\n%(url)s"
            )
            % {"task": task.title, "error": message, "url": _case_url(task.case)},
        )


def offboarding_tasks_due(*, limit: int = 200) -> list[int]:
    """Automatic revocations whose (re)try time has come and that nobody holds."""
    now = timezone.now()
    return list(
        OffboardingTask.objects.filter(
            automatic=True,
            status__in=RUNNABLE,
            case__status=CaseStatus.OPEN,
            next_attempt_at__lte=now,
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
