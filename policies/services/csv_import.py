"""Training records from a CSV exported by a learning platform.

Columns are matched by name, in any order, with the usual aliases (a header
"Learner email" or "user_email" is the e-mail). Dates are ISO (2025-03-31, or a
full ISO timestamp). Comma, semicolon and tab separated files are read alike.

Every row is checked first; the good ones are written together, in one
transaction with one audit event, and the bad ones come back with their line
number, column and reason. Importing the same file twice adds nothing: a
record is unique per person, module and completion date.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from accounts.models import User
from policies.models import RecordSource, TrainingModule
from policies.services.training import clean_record, record_upsert
from riskdesk.audit import audit_record
from riskdesk.permissions import require

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
COLUMNS = {
    "email": {"email", "e-mail", "user email", "learner email", "user_email", "mail"},
    "module": {"module", "module code", "module_code", "course", "course code", "course_id"},
    "completed_on": {
        "completed_on",
        "completed on",
        "completed",
        "completion date",
        "completion_date",
        "completed at",
        "completed_at",
    },
    "score": {"score", "result", "grade"},
    "evidence": {"evidence", "certificate", "certificate url", "certificate_url"},
    "expires_on": {"expires_on", "expires on", "expiry", "expiry date", "expiry_date", "expires"},
}
REQUIRED = ("email", "module", "completed_on")


@dataclass
class RowError:
    row: int  # the line in the file (the header is line 1)
    field: str
    message: str
    value: str = ""


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({error.row for error in self.errors})


def _too_large() -> ValidationError:
    return ValidationError({"file": _("The file is larger than 2 MB: split it.")})


def read_upload(upload) -> bytes:
    """An uploaded file's bytes, refused before they are read when there are too many."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise _too_large()
    content = upload.read(MAX_BYTES + 1)  # the size a client declares may lie: read no more
    if len(content) > MAX_BYTES:
        raise _too_large()
    return content


def _decode(content: bytes | str) -> str:
    if isinstance(content, str):
        return content
    if len(content) > MAX_BYTES:
        raise _too_large()
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            {"file": _("The file is not UTF-8 text: export it as CSV in UTF-8.")}
        ) from None


def _header_map(header: list[str]) -> dict[str, int]:
    found = {}
    for index, name in enumerate(header):
        normalized = " ".join(name.strip().lower().replace("\ufeff", "").split())
        for column, aliases in COLUMNS.items():
            if normalized in aliases or normalized.replace(" ", "_") in aliases:
                found.setdefault(column, index)
    missing = [column for column in REQUIRED if column not in found]
    if missing:
        raise ValidationError(
            {
                "file": _("Missing columns: %(missing)s. The first line must name the columns.")
                % {"missing": ", ".join(missing)}
            }
        )
    return found


def _parse_date(value: str) -> date:
    value = value.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()


def _rows(text: str) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    if not text.strip():
        raise ValidationError({"file": _("The file is empty.")})
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
        columns = _header_map(header)
        rows = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            rows.append((reader.line_num, row))
            if len(rows) > MAX_ROWS:
                raise ValidationError(
                    {"file": _("At most %(max)s rows per file: split it.") % {"max": MAX_ROWS}}
                )
    except csv.Error as exc:
        raise ValidationError(
            {"file": _("This is not a readable CSV file (%(error)s).") % {"error": exc}}
        ) from None
    return columns, rows


def training_records_import(*, actor, content: bytes | str | File) -> ImportReport:
    """Import the rows that are right, report the ones that are not.

    `content` is the file's text or bytes, or the uploaded file itself (read only when
    its size is within MAX_BYTES).
    """
    require(actor, "training.manage")
    if isinstance(content, File):
        content = read_upload(content)
    columns, rows = _rows(_decode(content))
    report = ImportReport(rows=len(rows))

    def cell(row, column) -> str:
        index = columns.get(column)
        return row[index].strip() if index is not None and index < len(row) else ""

    emails = {cell(row, "email").lower() for _line, row in rows}
    people = {
        u.email_lower: u
        for u in User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails)
    }
    modules = {}
    for module in TrainingModule.objects.all():
        modules[module.code.lower()] = module
        modules.setdefault(module.title.lower(), module)

    good = []
    seen: dict[tuple, int] = {}
    for line, row in rows:
        errors = []
        email = cell(row, "email")
        user = people.get(email.lower())
        if not email:
            errors.append(RowError(line, "email", _("No e-mail address.")))
        elif user is None:
            errors.append(RowError(line, "email", _("Nobody has this e-mail address."), email))
        module_key = cell(row, "module")
        module = modules.get(module_key.lower())
        if not module_key:
            errors.append(RowError(line, "module", _("No module.")))
        elif module is None:
            errors.append(
                RowError(line, "module", _("No module has this code or title."), module_key)
            )
        parsed = {}
        for name in ("completed_on", "expires_on"):
            raw = cell(row, name)
            if not raw:
                if name == "completed_on":
                    errors.append(RowError(line, name, _("No completion date.")))
                continue
            try:
                parsed[name] = _parse_date(raw)
            except ValueError:
                errors.append(RowError(line, name, _("Not a date: write it as YYYY-MM-DD."), raw))
        score = cell(row, "score").replace(",", ".") or None
        if errors:
            report.errors.extend(errors)
            continue
        try:
            values = clean_record(
                user=user,
                module=module,
                completed_on=parsed["completed_on"],
                score=score,
                evidence=cell(row, "evidence"),
                expires_on=parsed.get("expires_on"),
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                raw = cell(row, name) if name in columns else ""
                report.errors.extend(RowError(line, name, m, raw) for m in messages)
            continue
        key = (user.pk, module.pk, values.completed_on)
        if key in seen:
            good[seen[key]] = values  # the last of repeated rows wins, written once
            continue
        seen[key] = len(good)
        good.append(values)

    with transaction.atomic():
        outcomes = {"created": [], "updated": [], "unchanged": []}
        for values in good:
            record, outcome = record_upsert(values, actor=actor, source=RecordSource.IMPORT)
            outcomes[outcome].append(record.pk)
        report.created = len(outcomes["created"])
        report.updated = len(outcomes["updated"])
        report.unchanged = report.rows - report.rejected_rows - report.created - report.updated
        if report.created or report.updated or report.errors:
            audit_record(
                actor=actor,
                verb="training_record.import",
                after={
                    "rows": report.rows,
                    "created": outcomes["created"],
                    "updated": outcomes["updated"],
                    "unchanged": report.unchanged,
                    "rejected_rows": report.rejected_rows,
                },
            )
    return report
