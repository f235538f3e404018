"""Reads of offboarding: cases with their progress, the access review, impostor counts."""

import io
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import EmploymentStatus
from offboarding.models import (
    AccessGrant,
    AccessLevel,
    AccessMethod,
    AccessVia,
    BrandAccount,
    OffboardingCase,
    OffboardingTask,
    TaskKind,
    TaskStatus,
)
from riskdesk import csv_export, ownership

STALE_CREDENTIAL_DAYS = 90


# --- Cases ----------------------------------------------------------------------------------


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


# --- Brand accounts -------------------------------------------------------------------------


def impostor_count(user) -> Count:
    """Impostor mentions `user` may see (a restricted queue's are not counted for others)."""
    from monitoring.models import hidden_team_ids  # monitoring builds on offboarding

    hidden = hidden_team_ids(user)
    if not hidden:
        return Count("impostor_mentions", distinct=True)
    return Count(
        "impostor_mentions",
        filter=~Q(impostor_mentions__team_id__in=hidden),
        distinct=True,
    )


# --- Access review --------------------------------------------------------------------------


@dataclass
class Finding:
    code: str
    label: str
    summary: str
    key: str
    account: BrandAccount | None = None
    grant: AccessGrant | None = None


FINDING_LABELS = {
    "departed_access": gettext_lazy("Access of a departed or inactive person"),
    "no_mfa": gettext_lazy("Multi-factor off"),
    "stale_credential": gettext_lazy("Shared credential not rotated in 90 days"),
    "single_admin": gettext_lazy("A single admin"),
    "no_owner": gettext_lazy("No owning team"),
}


def access_review() -> list[Finding]:
    """Risky access, worst first: what security should fix now."""
    labels = {code: str(label) for code, label in FINDING_LABELS.items()}
    findings = []
    risky = AccessGrant.objects.filter(revoked_at=None).filter(
        Q(person__is_active=False) | Q(person__employment_status=EmploymentStatus.DEPARTED)
    )
    for grant in risky.select_related("person", "account").order_by("person__display_name", "pk"):
        findings.append(
            Finding(
                "departed_access",
                labels["departed_access"],
                _(
                    "%(person)s (%(status)s) still has %(level)s access to %(account)s "
                    "through %(via)s."
                )
                % {
                    "person": grant.person,
                    "status": grant.person.get_employment_status_display().lower()
                    if grant.person.employment_status == EmploymentStatus.DEPARTED
                    else _("cannot sign in"),
                    "level": grant.get_level_display().lower(),
                    "account": grant.account,
                    "via": grant.get_via_display().lower(),
                },
                f"departed_access:{grant.pk}",
                account=grant.account,
                grant=grant,
            )
        )
    accounts = (
        BrandAccount.objects.filter(is_active=True)
        .annotate(
            admins=Count(
                "access_grants",
                filter=Q(access_grants__revoked_at=None, access_grants__level=AccessLevel.ADMIN),
            ),
            shared=Count(
                "access_grants",
                filter=Q(
                    access_grants__revoked_at=None,
                    access_grants__via=AccessVia.SHARED_CREDENTIAL,
                ),
            ),
        )
        .order_by("platform", "handle", "pk")
    )
    stale_before = timezone.now() - timedelta(days=STALE_CREDENTIAL_DAYS)
    for account in accounts:
        if not account.mfa_enabled:
            findings.append(
                Finding(
                    "no_mfa",
                    labels["no_mfa"],
                    _("%(account)s does not ask for a second factor.") % {"account": account},
                    f"no_mfa:{account.pk}",
                    account=account,
                )
            )
        shared = account.shared or account.access_method == AccessMethod.SHARED_CREDENTIAL
        if shared and (
            account.credential_rotated_at is None or account.credential_rotated_at < stale_before
        ):
            when = (
                _("last rotated %s") % account.credential_rotated_at.date().isoformat()
                if account.credential_rotated_at
                else _("never rotated")
            )
            findings.append(
                Finding(
                    "stale_credential",
                    labels["stale_credential"],
                    _("The shared credential of %(account)s is %(when)s.")
                    % {"account": account, "when": when},
                    f"stale_credential:{account.pk}",
                    account=account,
                )
            )
        if account.admins == 1:
            findings.append(
                Finding(
                    "single_admin",
                    labels["single_admin"],
                    _(
                        "%(account)s has one admin: if they leave or lose access, "
                        "nobody can recover it."
                    )
                    % {"account": account},
                    f"single_admin:{account.pk}",
                    account=account,
                )
            )
        if account.team_id is None:
            findings.append(
                Finding(
                    "no_owner",
                    labels["no_owner"],
                    _("%(account)s has no owning team.") % {"account": account},
                    f"no_owner:{account.pk}",
                    account=account,
                )
            )
    return findings


def access_review_csv(findings: list[Finding]) -> str:
    out = io.StringIO()
    writer = csv_export.writer(out)
    writer.writerow(["code", "finding", "network", "handle", "person", "detail"])
    for finding in findings:
        account = finding.account
        person = finding.grant.person.email if finding.grant else ""
        cells = [
            finding.code,
            finding.label,
            account.platform if account else "",
            account.handle if account else "",
            person,
            finding.summary,
        ]
        writer.writerow(cells)
    return out.getvalue()
