"""The periodic access review: security hears of each new risky access once."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, TeamKind, User
from offboarding.models import AccessFinding
from offboarding.selectors import Finding, access_review
from riskdesk.audit import audit_record


@transaction.atomic
def access_review_notify() -> list[Finding]:
    """Tell security about findings they have not heard of yet (the periodic review).

    Findings that disappeared are marked resolved; one that comes back is new again.
    """
    from alerting.services import notify_team
    from riskdesk.mail import absolute_url, mail_people

    now = timezone.now()
    findings = access_review()
    current = {f.key: f for f in findings}
    known = {
        f.key: f
        for f in AccessFinding.objects.select_for_update(of=("self",)).filter(resolved_at=None)
    }
    AccessFinding.objects.filter(resolved_at=None).exclude(key__in=current).update(resolved_at=now)
    AccessFinding.objects.filter(key__in=list(known), resolved_at=None).update(last_seen=now)
    new = [f for key, f in current.items() if key not in known]
    for finding in new:
        AccessFinding.objects.update_or_create(
            key=finding.key,
            defaults={
                "code": finding.code,
                "summary": finding.summary[:500],
                "first_seen": now,
                "last_seen": now,
                "resolved_at": None,
            },
        )
    if not new:
        return []

    lines = [f"- {f.label}: {f.summary}" for f in new]
    subject = _("Access review: %(count)d new finding(s)") % {"count": len(new)}
    body = "\n".join(
        [
            _("The access review found risky access to the brand's accounts:"),
            "",
            *lines,
            "",
            absolute_url(reverse("access_review")),
        ]
    )
    security = User.objects.filter(is_active=True, teams__kind=TeamKind.SECURITY).distinct()
    mail_people(people=list(security), subject=subject, body=body)
    for team in Team.objects.filter(kind=TeamKind.SECURITY):
        notify_team(
            team=team,
            subject=subject,
            payload={"event": "access_review", "count": len(new), "summary": "\n".join(lines[:20])},
        )
    audit_record(actor=None, verb="access_review.notify", after={"new": [f.key for f in new]})
    return new
