"""Offboarding cases: everything a departing person could reach, revoked before the deadline.

Opening a case (HR, or the identity provider over SCIM) ends the person's own
riskdesk access at once and lists what must go: one task per active access
grant, one credential rotation per shared credential they could see, one
recovery contact change per account whose recovery phone or e-mail is theirs,
one ownership transfer per stream, rule, incident or sponsored post they own
(riskdesk.ownership). Revocations a connector can do (accounts.revocation) run
in a worker and record the network's answer as evidence; the rest are done by
hand and confirmed with an evidence note. The case completes when every task is
done. A periodic check reminds, then escalates to the HR leads and security,
as the deadline nears.
"""

import logging
import random
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from accounts.access_grants import close_grant
from accounts.models import (
    AccessGrant,
    AccessVia,
    BrandAccount,
    CaseSource,
    CaseStatus,
    EmploymentStatus,
    OffboardingCase,
    OffboardingTask,
    RevocationAttempt,
    RevocationMethod,
    TaskKind,
    TaskStatus,
    TeamKind,
    TeamMembership,
    User,
)
from accounts.revocation import can_revoke, get_revoker
from accounts.services import USER_AUDIT_FIELDS, _end_access, user_update
from riskdesk import crypto, ownership
from riskdesk.audit import audit_record, snapshot
from riskdesk.mail import absolute_url, mail_people
from riskdesk.permissions import can, require

logger = logging.getLogger(__name__)

NOT_DONE = (TaskStatus.OPEN, TaskStatus.RETRYING, TaskStatus.FAILED)
RUNNABLE = (TaskStatus.OPEN, TaskStatus.RETRYING)
CLAIM = timedelta(minutes=3)  # longer than a revocation's HTTP calls can take
RETRY_BASE_SECONDS = 60
RETRY_CAP_SECONDS = 30 * 60
SCREENSHOT_MAX_BYTES = 5 * 1024 * 1024
SCREENSHOT_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}
EVIDENCE_KEPT = 20_000


def window() -> timedelta:
    return timedelta(hours=getattr(settings, "OFFBOARDING_WINDOW_HOURS", 24))


def reminder_lead() -> timedelta:
    return timedelta(hours=getattr(settings, "OFFBOARDING_REMINDER_HOURS", 8))


def escalation_lead() -> timedelta:
    return timedelta(hours=getattr(settings, "OFFBOARDING_ESCALATION_HOURS", 2))


def case_snapshot(case: OffboardingCase) -> dict:
    fields = ["person", "departure_at", "deadline", "status", "source", "note", "completed_at"]
    return snapshot(case, fields)


def task_snapshot(task: OffboardingTask) -> dict:
    fields = ["kind", "title", "status", "automatic", "assignee", "attempts", "new_owner"]
    return snapshot(task, fields)


# --- Opening a case -------------------------------------------------------------------------


@transaction.atomic
def offboarding_case_open(
    *,
    actor,
    person: User,
    departure_at: datetime | None = None,
    deadline: datetime | None = None,
    note: str = "",
) -> tuple[OffboardingCase, bool]:
    """Open the case for `person`, or return the one already open: (case, created)."""
    require(actor, "offboarding.open", person)
    if person.pk == actor.pk:
        raise ValidationError({"person": _("You cannot offboard yourself.")})
    return _open(
        actor=actor,
        person=person,
        departure_at=departure_at,
        deadline=deadline,
        note=note,
        source=CaseSource.MANUAL,
    )


def offboarding_case_open_from_idp(*, provider, person: User) -> tuple[OffboardingCase, bool]:
    """The identity provider deprovisioned `person` (SCIM): open their case now."""
    with transaction.atomic():
        return _open(
            actor=None,
            person=person,
            departure_at=None,
            deadline=None,
            note=_("Deprovisioned by the identity provider %(provider)s.") % {"provider": provider},
            source=CaseSource.SCIM,
            provider=provider,
        )


def _open(*, actor, person, departure_at, deadline, note, source, provider=None):
    person = User.objects.select_for_update(of=("self",)).get(pk=person.pk)
    existing = OffboardingCase.objects.filter(person=person, status=CaseStatus.OPEN).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    departure_at = departure_at or now
    deadline = deadline or departure_at + window()
    if deadline <= departure_at:
        raise ValidationError({"deadline": _("The deadline must come after the departure.")})
    case = OffboardingCase.objects.create(
        person=person,
        departure_at=departure_at,
        deadline=deadline,
        source=source,
        opened_by=actor,
        identity_provider=provider,
        note=(note or "").strip(),
        opened_at=now,
    )
    sessions = _end_riskdesk_access(actor=actor, person=person, departure_at=departure_at)
    tasks = _generate_tasks(case, assignee=_default_assignee(actor))
    audit_record(
        actor=actor,
        verb="offboarding.open",
        target=case,
        after=case_snapshot(case)
        | {"tasks": len(tasks), "sessions_ended": sessions, "provider": str(provider or "")},
    )
    _queue_runs([t.pk for t in tasks if t.automatic])
    _mail_assignees(case, tasks)
    _complete_if_done(case, actor=actor)
    return case, True


def _end_riskdesk_access(*, actor, person: User, departure_at: datetime) -> int:
    """Departed, cannot sign in, no API token, no session: at once. Returns sessions ended."""
    if actor is not None and can(actor, "user.change_employment", person):
        user_update(
            actor=actor,
            user=person,
            employment_status=EmploymentStatus.DEPARTED,
            departed_at=departure_at,
        )
        person.refresh_from_db()
    if person.is_active or person.employment_status != EmploymentStatus.DEPARTED:
        before = snapshot(person, USER_AUDIT_FIELDS)
        person.employment_status = EmploymentStatus.DEPARTED
        person.departed_at = person.departed_at or departure_at
        person.is_active = False
        person.save(update_fields=["employment_status", "departed_at", "is_active"])
        audit_record(
            actor=actor,
            verb="user.update",
            target=person,
            before=before,
            after=snapshot(person, USER_AUDIT_FIELDS),
        )
    _end_access(person)  # API token
    # A new password hash invalidates every session's auth hash, whatever the session store;
    # the database sessions are also deleted so nothing lingers.
    person.set_unusable_password()
    person.save(update_fields=["password"])
    ended = 0
    if settings.SESSION_ENGINE in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    ):
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
            if session.get_decoded().get("_auth_user_id") == str(person.pk):
                session.delete()
                ended += 1
    return ended


def _default_assignee(actor) -> User | None:
    """Who does the manual tasks unless someone reassigns them: the opener, else a security lead."""
    if actor is not None:
        return actor
    lead = (
        TeamMembership.objects.filter(
            team__kind=TeamKind.SECURITY, is_lead=True, user__is_active=True
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return lead.user if lead else None


def _generate_tasks(case: OffboardingCase, *, assignee) -> list[OffboardingTask]:
    person = case.person
    now = timezone.now()
    tasks: list[OffboardingTask] = []
    grants = list(
        person.access_grants.filter(revoked_at=None).select_related(
            "account__revocation_connection", "person"
        )
    )
    for grant in grants:
        tasks.append(_revoke_task(case, grant, assignee=assignee, now=now))
    shared = {g.account_id: g.account for g in grants if g.via == AccessVia.SHARED_CREDENTIAL}
    for account in sorted(shared.values(), key=lambda a: (a.platform, a.handle)):
        where = f" ({account.credential_location})" if account.credential_location else ""
        tasks.append(
            OffboardingTask(
                case=case,
                kind=TaskKind.ROTATE,
                account=account,
                assignee=assignee,
                title=_("Rotate the shared credential of %(account)s%(where)s")
                % {"account": account, "where": where},
            )
        )
    recovery = BrandAccount.objects.filter(
        Q(recovery_phone_owner=person) | Q(recovery_email__iexact=person.email)
    ).order_by("platform", "handle")
    for account in recovery:
        tasks.append(
            OffboardingTask(
                case=case,
                kind=TaskKind.RECOVERY,
                account=account,
                assignee=assignee,
                title=_("Move the recovery phone and e-mail of %(account)s off %(person)s")
                % {"account": account, "person": person},
            )
        )
    for kind, item in ownership.owned_items(person):
        tasks.append(
            OffboardingTask(
                case=case,
                kind=TaskKind.TRANSFER,
                owned_kind=kind.key,
                owned_id=str(item.pk),
                assignee=assignee,
                title=_("Hand over the %(kind)s “%(item)s”") % {"kind": kind.label, "item": item},
            )
        )
    # The inventory can miss things (a personal admin role, an app, a security key): someone
    # confirms with the people who worked with them before the case can close.
    who = person.manager.display_name if person.manager_id else _("their team")
    tasks.append(
        OffboardingTask(
            case=case,
            kind=TaskKind.OTHER,
            assignee=assignee,
            title=_(
                "Check with %(who)s that nothing is missing from this list "
                "(personal admin roles, connected apps, security keys)"
            )
            % {"who": who},
        )
    )
    for task in tasks:
        task.title = task.title[:255]
    return OffboardingTask.objects.bulk_create(tasks)


def _revoke_task(case, grant: AccessGrant, *, assignee, now) -> OffboardingTask:
    automatic = can_revoke(grant)
    how = grant.tool or grant.get_via_display().lower()
    return OffboardingTask(
        case=case,
        kind=TaskKind.REVOKE,
        grant=grant,
        account=grant.account,
        automatic=automatic,
        assignee=None if automatic else assignee,
        next_attempt_at=now if automatic else None,
        title=_("Remove %(level)s access to %(account)s (%(how)s)")
        % {"level": grant.get_level_display().lower(), "account": grant.account, "how": how},
    )


def tasks_for_new_grant(*, actor, grant: AccessGrant) -> OffboardingTask | None:
    """A grant recorded for someone whose case is open joins the case (caller's transaction)."""
    case = OffboardingCase.objects.filter(person_id=grant.person_id, status=CaseStatus.OPEN).first()
    if case is None:
        return None
    task = _revoke_task(case, grant, assignee=_default_assignee(actor), now=timezone.now())
    task.save()
    audit_record(actor=actor, verb="offboarding.task_add", target=case, after=task_snapshot(task))
    _queue_runs([task.pk] if task.automatic else [])
    return task


@transaction.atomic
def offboarding_task_add(
    *, actor, case: OffboardingCase, title: str, assignee=None
) -> OffboardingTask:
    """A task the inventory did not know of (a laptop's security key, a personal admin role)."""
    require(actor, "offboarding.work", case)
    case = OffboardingCase.objects.select_for_update(of=("self",)).get(pk=case.pk)
    title = (title or "").strip()
    if not case.is_open:
        raise ValidationError(_("This case is closed."))
    if not title:
        raise ValidationError({"title": _("Say what must be done.")})
    if assignee is not None and not can(assignee, "offboarding.work"):
        raise ValidationError({"assignee": _("This person cannot work offboarding cases.")})
    task = OffboardingTask.objects.create(
        case=case, kind=TaskKind.OTHER, title=title[:255], assignee=assignee or actor
    )
    audit_record(actor=actor, verb="offboarding.task_add", target=case, after=task_snapshot(task))
    return task


# --- Working the tasks ----------------------------------------------------------------------


def _locked_task(task: OffboardingTask) -> OffboardingTask:
    task = (
        OffboardingTask.objects.select_for_update(of=("self",))
        .select_related("case", "grant", "account")
        .get(pk=task.pk)
    )
    if task.is_done:
        raise ValidationError(_("This task is already done."))
    if not task.case.is_open:
        raise ValidationError(_("This case is closed."))
    return task


@transaction.atomic
def offboarding_task_complete(
    *, actor, task: OffboardingTask, evidence: str = "", screenshot=None, new_owner=None
) -> OffboardingTask:
    """Confirm a task done by hand, with an evidence note (and a screenshot, optionally).

    A transfer hands the item over to `new_owner` through its kind's `transfer`.
    """
    require(actor, "offboarding.work", task.case)
    task = _locked_task(task)
    evidence = (evidence or "").strip()
    if task.kind == TaskKind.TRANSFER:
        if new_owner is None:
            raise ValidationError({"new_owner": _("Choose who takes it over.")})
        if not new_owner.is_active or new_owner.pk == task.case.person_id:
            raise ValidationError({"new_owner": _("Choose someone who still works here.")})
        kind = ownership.kind(task.owned_kind)
        item = kind.owned_by(task.case.person).filter(pk=task.owned_id).first()
        if item is not None:
            kind.transfer(actor=actor, item=item, new_owner=new_owner)
        task.new_owner = new_owner
        handed = _("Handed over to %(owner)s.") % {"owner": new_owner}
        if item is None:
            handed = _("No longer owned by %(person)s; nothing to hand over.") % {
                "person": task.case.person
            }
        evidence = f"{handed}\n{evidence}".strip()
    elif not evidence:
        raise ValidationError(
            {"evidence": _("Say what you did and how you checked it (an evidence note).")}
        )
    if screenshot is not None:
        _store_screenshot(task, screenshot)
    _mark_done(task, actor=actor, evidence=evidence, method=RevocationMethod.MANUAL)
    return task


def _store_screenshot(task: OffboardingTask, upload) -> None:
    """Keep the upload only if Pillow reads it as an image; under a random name."""
    if upload.size > SCREENSHOT_MAX_BYTES:
        raise ValidationError({"screenshot": _("The screenshot is larger than 5 MB.")})
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            {"screenshot": _("This file is not a PNG, JPEG, WebP or GIF image.")}
        ) from None
    if kind not in SCREENSHOT_FORMATS:
        raise ValidationError({"screenshot": _("This file is not a PNG, JPEG, WebP or GIF image.")})
    upload.seek(0)
    name = f"{secrets.token_hex(16)}.{SCREENSHOT_FORMATS[kind]}"
    task.evidence_file.save(name, upload, save=False)


def _mark_done(task: OffboardingTask, *, actor, evidence: str, method: str) -> None:
    """Close a done task (caller holds the lock): its grant, a rotation note, maybe the case."""
    before = task_snapshot(task)
    now = timezone.now()
    task.status = TaskStatus.DONE
    task.done_at = now
    task.done_by = actor if actor is not None and actor.is_authenticated else None
    task.evidence = evidence[:EVIDENCE_KEPT]
    task.next_attempt_at = None
    task.claimed_until = None
    task.save()
    if task.kind == TaskKind.REVOKE and task.grant is not None:
        grant = AccessGrant.objects.select_for_update(of=("self",)).get(pk=task.grant_id)
        if grant.is_active:
            close_grant(actor=actor, grant=grant, method=method, evidence=evidence)
    if task.kind == TaskKind.ROTATE and task.account is not None:
        account = BrandAccount.objects.select_for_update(of=("self",)).get(pk=task.account_id)
        previous = account.credential_rotated_at
        account.credential_rotated_at = now
        account.save(update_fields=["credential_rotated_at"])
        audit_record(
            actor=actor,
            verb="brand_account.rotate",
            target=account,
            before={"credential_rotated_at": previous.isoformat() if previous else None},
            after={"credential_rotated_at": now.isoformat()},
        )
    audit_record(
        actor=actor,
        verb="offboarding.task_done",
        target=task.case,
        before=before,
        after=task_snapshot(task)
        | {"evidence": evidence[:2000], "screenshot": bool(task.evidence_file)},
    )
    _complete_if_done(task.case, actor=actor)


def _complete_if_done(case: OffboardingCase, *, actor) -> bool:
    if not case.is_open or case.tasks.filter(status__in=NOT_DONE).exists():
        return False
    before = case_snapshot(case)
    case.status = CaseStatus.COMPLETED
    case.completed_at = timezone.now()
    case.save(update_fields=["status", "completed_at"])
    audit_record(
        actor=actor,
        verb="offboarding.complete",
        target=case,
        before=before,
        after=case_snapshot(case),
    )
    people = [p for p in [case.opened_by] if p is not None]
    mail_people(
        people=people,
        subject=_("Offboarding of %(person)s complete") % {"person": case.person},
        body=_("Every task of the offboarding of %(person)s is done.\n\n%(url)s")
        % {"person": case.person, "url": _case_url(case)},
    )
    return True


def task_close_for_grant(*, actor, grant: AccessGrant, evidence: str) -> None:
    """A grant revoked outside its task (from the grants page): the open task is done too."""
    for task in OffboardingTask.objects.select_for_update(of=("self",)).filter(
        grant=grant, status__in=NOT_DONE, case__status=CaseStatus.OPEN
    ):
        _mark_done(task, actor=actor, evidence=evidence, method=RevocationMethod.MANUAL)


@transaction.atomic
def offboarding_task_assign(
    *, actor, task: OffboardingTask, assignee: User | None
) -> OffboardingTask:
    require(actor, "offboarding.work", task.case)
    task = _locked_task(task)
    if assignee is not None and not can(assignee, "offboarding.work"):
        raise ValidationError({"assignee": _("This person cannot work offboarding cases.")})
    before = task_snapshot(task)
    task.assignee = assignee
    task.save(update_fields=["assignee"])
    audit_record(
        actor=actor,
        verb="offboarding.task_assign",
        target=task.case,
        before=before,
        after=task_snapshot(task),
    )
    if assignee is not None and assignee.pk != actor.pk:
        _mail_assignees(task.case, [task])
    return task


@transaction.atomic
def offboarding_task_retry(*, actor, task: OffboardingTask) -> OffboardingTask:
    """Try an automatic revocation again now (after fixing the connection's token, say)."""
    require(actor, "offboarding.work", task.case)
    task = _locked_task(task)
    if not task.automatic:
        raise ValidationError(_("Only automatic revocations can be retried."))
    before = task_snapshot(task)
    task.status = TaskStatus.RETRYING if task.attempts else TaskStatus.OPEN
    task.next_attempt_at = timezone.now()
    task.claimed_until = None
    task.save(update_fields=["status", "next_attempt_at", "claimed_until"])
    audit_record(
        actor=actor,
        verb="offboarding.task_retry",
        target=task.case,
        before=before,
        after=task_snapshot(task),
    )
    _queue_runs([task.pk])
    return task


# --- Automatic revocation (workers) -----------------------------------------------------------


def _queue_runs(task_ids: list[int]) -> None:
    if not task_ids:
        return
    from accounts.tasks import revoke_access

    transaction.on_commit(lambda: [revoke_access.delay(pk) for pk in task_ids])


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


# --- Deadline -----------------------------------------------------------------------------------


def _security_people():
    return User.objects.filter(is_active=True, teams__kind=TeamKind.SECURITY).distinct()


def _hr_leads():
    leads = User.objects.filter(
        is_active=True, team_memberships__team__kind=TeamKind.HR, team_memberships__is_lead=True
    ).distinct()
    return leads if leads.exists() else User.objects.filter(is_active=True, groups__name="hr")


def _case_url(case: OffboardingCase) -> str:
    return absolute_url(reverse("offboarding_case_detail", kwargs={"pk": case.pk}))


def _left(case: OffboardingCase, now) -> str:
    seconds = int((case.deadline - now).total_seconds())
    if seconds <= 0:
        return _("overdue by %(hours)d h %(minutes)02d min") % {
            "hours": -seconds // 3600,
            "minutes": (-seconds % 3600) // 60,
        }
    return _("%(hours)d h %(minutes)02d min left") % {
        "hours": seconds // 3600,
        "minutes": (seconds % 3600) // 60,
    }


def offboarding_deadlines_check() -> dict[str, list[int]]:
    """Remind the assignees as the deadline nears; escalate to HR leads and security near it.

    Each case gets one reminder and one escalation: a conditional UPDATE claims
    the right to send, so two overlapping checks never send twice.
    """
    now = timezone.now()
    done = {"reminded": [], "escalated": []}
    open_cases = OffboardingCase.objects.filter(status=CaseStatus.OPEN).select_related(
        "person", "opened_by"
    )
    for case in open_cases.filter(escalated_at=None, deadline__lte=now + escalation_lead()):
        with transaction.atomic():
            if not OffboardingCase.objects.filter(pk=case.pk, escalated_at=None).update(
                escalated_at=now
            ):
                continue
            _escalate(case, now)
            done["escalated"].append(case.pk)
    for case in open_cases.filter(
        reminded_at=None, escalated_at=None, deadline__lte=now + reminder_lead()
    ):
        with transaction.atomic():
            if not OffboardingCase.objects.filter(pk=case.pk, reminded_at=None).update(
                reminded_at=now
            ):
                continue
            _remind(case, now)
            done["reminded"].append(case.pk)
    return done


def _open_tasks(case):
    return list(case.tasks.filter(status__in=NOT_DONE).select_related("assignee"))


def _remind(case: OffboardingCase, now) -> None:
    tasks = _open_tasks(case)
    people = {t.assignee for t in tasks if t.assignee is not None}
    if case.opened_by is not None:
        people.add(case.opened_by)
    lines = [f"- {t.title} ({t.get_status_display()})" for t in tasks]
    mail_people(
        people=people,
        subject=_("Offboarding of %(person)s: %(left)s")
        % {"person": case.person, "left": _left(case, now)},
        body="\n".join(
            [
                _("%(count)d task(s) still open before the deadline (%(deadline)s):")
                % {
                    "count": len(tasks),
                    "deadline": timezone.localtime(case.deadline).strftime("%Y-%m-%d %H:%M %Z"),
                },
                "",
                *lines,
                "",
                _case_url(case),
            ]
        ),
    )
    audit_record(
        actor=None, verb="offboarding.remind", target=case, after={"open_tasks": len(tasks)}
    )


def _escalate(case: OffboardingCase, now) -> None:
    from accounts.models import Team
    from alerting.services import notify_team

    tasks = _open_tasks(case)
    people = set(_hr_leads()) | set(_security_people())
    people |= {t.assignee for t in tasks if t.assignee is not None}
    if case.opened_by is not None:
        people.add(case.opened_by)
    subject = _("Escalation: offboarding of %(person)s, %(left)s") % {
        "person": case.person,
        "left": _left(case, now),
    }
    lines = [f"- {t.title} ({t.get_status_display()})" for t in tasks]
    body = "\n".join(
        [
            _("The deadline to revoke every access of %(person)s is about to be missed.")
            % {"person": case.person},
            _("%(count)d task(s) still open:") % {"count": len(tasks)},
            "",
            *lines,
            "",
            _case_url(case),
        ]
    )
    mail_people(people=people, subject=subject, body=body)
    for team in Team.objects.filter(kind=TeamKind.SECURITY):
        notify_team(
            team=team,
            subject=subject,
            payload={
                "event": "offboarding_escalation",
                "count": len(tasks),
                "summary": "\n".join(lines[:20]),
            },
        )
    audit_record(
        actor=None,
        verb="offboarding.escalate",
        target=case,
        after={"open_tasks": len(tasks), "notified": sorted(p.email for p in people)},
    )


def _mail_assignees(case: OffboardingCase, tasks) -> None:
    by_person: dict[User, list] = {}
    for task in tasks:
        if task.assignee is not None and not task.automatic:
            by_person.setdefault(task.assignee, []).append(task)
    for person, theirs in by_person.items():
        mail_people(
            people=[person],
            subject=_("Offboarding of %(person)s: %(count)d task(s) for you")
            % {"person": case.person, "count": len(theirs)},
            body="\n".join([*(f"- {t.title}" for t in theirs), "", _case_url(case)]),
        )


# --- Reading ----------------------------------------------------------------------------------


def cases_with_progress():
    return OffboardingCase.objects.select_related("person", "opened_by").annotate(
        tasks_total=Count("tasks"),
        tasks_done=Count("tasks", filter=Q(tasks__status=TaskStatus.DONE)),
        tasks_failed=Count("tasks", filter=Q(tasks__status=TaskStatus.FAILED)),
    )


def owned_item(task: OffboardingTask):
    """The item a transfer task is about, or None once it is gone."""
    if task.kind != TaskKind.TRANSFER:
        return None
    try:
        kind = ownership.kind(task.owned_kind)
    except KeyError:
        return None
    return kind.owned_by(task.case.person).filter(pk=task.owned_id).first()
