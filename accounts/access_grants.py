"""Who has what on the brand's social accounts: access grants, their CSV import, the review.

Services check the permission, validate, change and write the audit event in one
transaction. Revoking a grant that an open offboarding case is waiting on closes
that task too (accounts.offboarding).
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import (
    AccessFinding,
    AccessGrant,
    AccessLevel,
    AccessMethod,
    AccessVia,
    BrandAccount,
    EmploymentStatus,
    RevocationMethod,
    Team,
    TeamKind,
    User,
)
from riskdesk import csv_export
from riskdesk.audit import audit_record, snapshot
from riskdesk.networks import Platform
from riskdesk.permissions import require

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
EDITABLE = {"level", "tool", "external_login", "note", "granted_at", "granted_by"}
STALE_CREDENTIAL_DAYS = 90


def grant_snapshot(grant: AccessGrant) -> dict:
    return snapshot(grant, GRANT_AUDIT_FIELDS)


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
    from accounts.offboarding import tasks_for_new_grant

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


@transaction.atomic
def access_grant_revoke(*, actor, grant: AccessGrant, evidence: str) -> AccessGrant:
    """Record that someone removed this access by hand; `evidence` says how it was checked."""
    require(actor, "access_grant.manage", grant)
    from accounts.offboarding import task_close_for_grant

    evidence = (evidence or "").strip()
    if not evidence:
        raise ValidationError({"evidence": _("Say how the access was removed and checked.")})
    grant = AccessGrant.objects.select_for_update(of=("self",)).get(pk=grant.pk)
    if not grant.is_active:
        raise ValidationError(_("This grant is already revoked."))
    close_grant(actor=actor, grant=grant, method=RevocationMethod.MANUAL, evidence=evidence)
    task_close_for_grant(actor=actor, grant=grant, evidence=evidence)
    return grant


# --- CSV import ---------------------------------------------------------------------------

CSV_COLUMNS = [
    "person_email",
    "network",
    "handle",
    "level",
    "via",
    "tool",
    "external_login",
    "granted_at",
    "note",
]
REQUIRED_COLUMNS = {"person_email", "network", "handle", "level", "via"}
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000


@dataclass
class ImportResult:
    created: list[AccessGrant] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)  # line numbers already in the inventory
    errors: list[tuple[int, list[str]]] = field(default_factory=list)  # (line, reasons)
    applied: bool = True  # False when "all or nothing" met a bad row

    @property
    def summary(self) -> dict:
        return {
            "created": len(self.created),
            "duplicates": len(self.duplicates),
            "errors": len(self.errors),
            "applied": self.applied,
        }


def _parse_when(value: str):
    value = value.strip()
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ValueError
        moment = datetime(day.year, day.month, day.day)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _choice(value: str, choices) -> str | None:
    """A choice by its value or its English label, case-insensitively."""
    wanted = value.strip().lower().replace(" ", "_")
    for key, label in choices:
        if wanted in (key, str(label).lower().replace(" ", "_")):
            return key
    return None


def _read_csv(data: bytes | str) -> tuple[list[str], list[tuple[int, dict]]]:
    if isinstance(data, bytes):
        if len(data) > MAX_IMPORT_BYTES:
            raise ValidationError({"file": _("The file is larger than 2 MB.")})
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError({"file": _("The file is not UTF-8 text.")}) from None
    try:
        dialect = csv.Sniffer().sniff(data[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(data), dialect=dialect)
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = REQUIRED_COLUMNS - set(header)
    if missing:
        raise ValidationError(
            {
                "file": _("The first line must name the columns; missing: %s.")
                % ", ".join(sorted(missing))
            }
        )
    reader.fieldnames = header
    rows = []
    try:
        for row in reader:
            if len(rows) >= MAX_IMPORT_ROWS:
                raise ValidationError({"file": _("At most 5000 rows at a time.")})
            values = {
                k: (v or "").strip() if isinstance(v, str) else "" for k, v in row.items() if k
            }
            if any(values.values()) or None in row:
                rows.append((reader.line_num, values | ({"_extra": True} if None in row else {})))
    except csv.Error as exc:
        raise ValidationError({"file": _("The file is not readable CSV: %s") % exc}) from None
    return header, rows


@transaction.atomic
def access_grants_import(*, actor, data: bytes | str, all_or_nothing: bool = False) -> ImportResult:
    """Load grants from CSV (columns in CSV_COLUMNS). Good rows are kept unless `all_or_nothing`.

    A row is taken whole or not at all; a row whose grant is already active
    (same person, account and way) is a duplicate, not an error, and is skipped.
    """
    require(actor, "access_grant.manage")
    _header, rows = _read_csv(data)
    if not rows:
        raise ValidationError({"file": _("The file has no rows below its header.")})
    people = {u.email.lower(): u for u in User.objects.all()}
    accounts = {(a.platform, a.handle.lower()): a for a in BrandAccount.objects.all()}
    result = ImportResult()
    seen: set[tuple] = set()
    for line, row in rows:
        reasons = []
        if row.get("_extra"):
            reasons.append(_("more values than columns"))
        email = row.get("person_email", "").lower()
        person = people.get(email)
        if not email:
            reasons.append(_("person_email is empty"))
        elif person is None:
            try:
                validate_email(email)
                reasons.append(_("nobody in riskdesk has the e-mail %s") % email)
            except ValidationError:
                reasons.append(_("%s is not an e-mail address") % email)
        platform = _choice(row.get("network", ""), Platform.choices)
        handle = row.get("handle", "").lstrip("@").lower()
        account = accounts.get((platform, handle)) if platform else None
        if platform is None:
            reasons.append(_("unknown network %r") % row.get("network", ""))
        elif account is None:
            reasons.append(
                _("no brand account @%(handle)s on %(network)s")
                % {"handle": handle, "network": platform}
            )
        level = _choice(row.get("level", ""), AccessLevel.choices)
        if level is None:
            reasons.append(_("unknown level %r") % row.get("level", ""))
        via = _choice(row.get("via", ""), AccessVia.choices)
        if via is None:
            reasons.append(
                _("unknown way of access %r (native_role, tool_seat, shared_credential, api_token)")
                % row.get("via", "")
            )
        try:
            granted_at = _parse_when(row.get("granted_at", ""))
        except ValueError:
            granted_at = None
            reasons.append(_("granted_at %r is not a date") % row.get("granted_at"))
        if reasons:
            result.errors.append((line, reasons))
            continue
        key = (person.pk, account.pk, via)
        if key in seen:
            result.duplicates.append(line)
            continue
        seen.add(key)
        if AccessGrant.objects.filter(
            person=person, account=account, via=via, revoked_at=None
        ).exists():
            result.duplicates.append(line)
            continue
        try:
            with transaction.atomic():  # one row, whole or not at all
                grant = access_grant_create(
                    actor=actor,
                    person=person,
                    account=account,
                    level=level,
                    via=via,
                    tool=row.get("tool", "")[:100],
                    external_login=row.get("external_login", "")[:255],
                    note=row.get("note", ""),
                    granted_at=granted_at,
                )
        except ValidationError as exc:
            result.errors.append((line, [str(m) for m in exc.messages]))
            continue
        except IntegrityError:
            result.duplicates.append(line)
            continue
        result.created.append(grant)
    if all_or_nothing and result.errors:
        transaction.set_rollback(True)
        result.applied = False
        result.created = []
        return result
    if result.created:
        audit_record(actor=actor, verb="access_grant.import", after=result.summary)
    return result


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
