"""What the offboarding services share: settings, audit snapshots, who to tell, closing a grant."""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import TeamKind, TeamMembership, User
from offboarding.models import (
    AccessGrant,
    OffboardingCase,
    OffboardingTask,
    TaskStatus,
)
from riskdesk import jobs
from riskdesk.audit import audit_record, snapshot
from riskdesk.mail import absolute_url, mail_people

GRANT_FIELDS = [
    "person",
    "account",
    "level",
    "via",
    "tool",
    "external_login",
    "note",
    "granted_at",
    "granted_by",
]
GRANT_AUDIT_FIELDS = [*GRANT_FIELDS, "revoked_at", "revoked_by", "revocation_method"]

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


def grant_snapshot(grant: AccessGrant) -> dict:
    return snapshot(grant, GRANT_AUDIT_FIELDS)


def close_grant(*, actor, grant: AccessGrant, method: str, evidence: str) -> AccessGrant:
    """Mark an active grant revoked (the caller holds the transaction and the row lock)."""
    before = grant_snapshot(grant)
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor if actor is not None and actor.is_authenticated else None
    grant.revocation_method = method
    grant.revocation_evidence = evidence
    grant.save()
    audit_record(
        actor=actor,
        verb="access_grant.revoke",
        target=grant,
        before=before,
        after=grant_snapshot(grant) | {"evidence": evidence[:2000]},
    )
    return grant


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


def _queue_runs(task_ids: list[int]) -> None:
    jobs.enqueue_on_commit("offboarding.tasks.revoke_access", *[(pk,) for pk in task_ids])


def _security_people():
    return User.objects.filter(is_active=True, teams__kind=TeamKind.SECURITY).distinct()


def _hr_leads():
    leads = User.objects.filter(
        is_active=True, team_memberships__team__kind=TeamKind.HR, team_memberships__is_lead=True
    ).distinct()
    return leads if leads.exists() else User.objects.filter(is_active=True, groups__name="hr")


def _case_url(case: OffboardingCase) -> str:
    return absolute_url(reverse("offboarding_case_detail", kwargs={"pk": case.pk}))


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
