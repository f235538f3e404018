"""Opening a case: the person's riskdesk access ends at once and every task is listed."""

from datetime import datetime

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import EmploymentStatus, User
from accounts.services import USER_AUDIT_FIELDS, _end_access, user_update
from offboarding.models import (
    AccessGrant,
    AccessVia,
    BrandAccount,
    CaseSource,
    CaseStatus,
    OffboardingCase,
    OffboardingTask,
    TaskKind,
)
from offboarding.revocation import can_revoke
from offboarding.services.shared import (
    _default_assignee,
    _mail_assignees,
    _queue_runs,
    case_snapshot,
    task_snapshot,
    window,
)
from offboarding.services.work import _complete_if_done
from riskdesk import ownership
from riskdesk.audit import audit_record, snapshot
from riskdesk.permissions import can, require


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
