"""Access grants: who has what on the brand's accounts, recorded, changed and revoked.

Services check the permission, validate, change and write the audit event in one
transaction. Revoking a grant that an open offboarding case is waiting on closes
that task too.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from offboarding.models import (
    AccessGrant,
    AccessLevel,
    AccessVia,
    BrandAccount,
    RevocationMethod,
)
from offboarding.services.cases import tasks_for_new_grant
from offboarding.services.shared import close_grant, grant_snapshot
from offboarding.services.work import task_close_for_grant
from riskdesk.audit import audit_record
from riskdesk.permissions import require

EDITABLE = {"level", "tool", "external_login", "note", "granted_at", "granted_by"}


def _validate(grant: AccessGrant) -> None:
    errors = {}
    if grant.level not in AccessLevel.values:
        errors["level"] = _("Unknown access level.")
    if grant.via not in AccessVia.values:
        errors["via"] = _("Unknown way of access.")
    if grant.granted_at and grant.granted_at > timezone.now() + timedelta(minutes=5):
        errors["granted_at"] = _("A grant cannot start in the future.")
    if grant.account_id and not grant.account.is_active and grant._state.adding:
        errors["account"] = _("This brand account is deactivated.")
    if grant.person_id and grant._state.adding and not grant.person.is_active:
        errors["person"] = _("This person can no longer sign in: do not give them access.")
    duplicate = AccessGrant.objects.filter(
        person_id=grant.person_id, account_id=grant.account_id, via=grant.via, revoked_at=None
    ).exclude(pk=grant.pk)
    if grant.person_id and grant.account_id and duplicate.exists():
        errors["account"] = _("%(person)s already has active access to %(account)s this way.") % {
            "person": grant.person,
            "account": grant.account,
        }
    if errors:
        raise ValidationError(errors)
    grant.tool = grant.tool.strip()
    grant.external_login = grant.external_login.strip()


@transaction.atomic
def access_grant_create(
    *,
    actor,
    person: User,
    account: BrandAccount,
    level: str,
    via: str,
    tool: str = "",
    external_login: str = "",
    note: str = "",
    granted_at: datetime | None = None,
    granted_by: User | None = None,
) -> AccessGrant:
    require(actor, "access_grant.manage")
    grant = AccessGrant(
        person=person,
        account=account,
        level=level,
        via=via,
        tool=tool or "",
        external_login=external_login or "",
        note=note or "",
        granted_at=granted_at or timezone.now(),
        granted_by=granted_by if granted_by is not None else actor,
    )
    _validate(grant)
    grant.save()
    audit_record(actor=actor, verb="access_grant.create", target=grant, after=grant_snapshot(grant))
    tasks_for_new_grant(actor=actor, grant=grant)  # found after the case opened: revoke it too
    return grant


@transaction.atomic
def access_grant_update(*, actor, grant: AccessGrant, **changes) -> AccessGrant:
    require(actor, "access_grant.manage", grant)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValueError(f"not editable grant fields: {sorted(unknown)}")
    grant = (
        AccessGrant.objects.select_for_update(of=("self",))
        .select_related("person", "account")
        .get(pk=grant.pk)
    )
    if not grant.is_active:
        raise ValidationError(_("This grant was revoked: it can no longer change."))
    before = grant_snapshot(grant)
    for name, value in changes.items():
        setattr(
            grant,
            name,
            "" if value is None and name in ("tool", "external_login", "note") else value,
        )
    _validate(grant)
    after = grant_snapshot(grant)
    if after != before:
        grant.save()
        audit_record(
            actor=actor, verb="access_grant.update", target=grant, before=before, after=after
        )
    return grant


@transaction.atomic
def access_grant_revoke(*, actor, grant: AccessGrant, evidence: str) -> AccessGrant:
    """Record that someone removed this access by hand; `evidence` says how it was checked."""
    require(actor, "access_grant.manage", grant)
    evidence = (evidence or "").strip()
    if not evidence:
        raise ValidationError({"evidence": _("Say how the access was removed and checked.")})
    grant = AccessGrant.objects.select_for_update(of=("self",)).get(pk=grant.pk)
    if not grant.is_active:
        raise ValidationError(_("This grant is already revoked."))
    close_grant(actor=actor, grant=grant, method=RevocationMethod.MANUAL, evidence=evidence)
    task_close_for_grant(actor=actor, grant=grant, evidence=evidence)
    return grant
