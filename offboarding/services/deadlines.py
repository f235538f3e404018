"""The deadline: remind the assignees as it nears, escalate to HR leads and security near it."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, TeamKind
from offboarding.models import (
    CaseStatus,
    OffboardingCase,
)
from offboarding.services.shared import (
    NOT_DONE,
    _case_url,
    _hr_leads,
    _security_people,
    escalation_lead,
    reminder_lead,
)
from riskdesk.audit import audit_record
from riskdesk.mail import mail_people


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
