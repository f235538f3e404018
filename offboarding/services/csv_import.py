"""Loading access grants from CSV, row by row."""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from accounts.models import User
from offboarding.models import (
    AccessGrant,
    AccessLevel,
    AccessVia,
    BrandAccount,
)
from offboarding.services.grants import access_grant_create
from riskdesk.audit import audit_record
from riskdesk.networks import Platform
from riskdesk.permissions import require

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
