"""Working a case's tasks: done by hand with evidence, assigned, retried; the case completes."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from accounts.models import User
from offboarding.models import (
    AccessGrant,
    BrandAccount,
    CaseStatus,
    OffboardingCase,
    OffboardingTask,
    RevocationMethod,
    TaskKind,
    TaskStatus,
)
from offboarding.services.shared import (
    EVIDENCE_KEPT,
    NOT_DONE,
    SCREENSHOT_FORMATS,
    SCREENSHOT_MAX_BYTES,
    _case_url,
    _mail_assignees,
    _queue_runs,
    case_snapshot,
    close_grant,
    task_snapshot,
)
from riskdesk import ownership
from riskdesk.audit import audit_record
from riskdesk.mail import mail_people
from riskdesk.permissions import can, require


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
