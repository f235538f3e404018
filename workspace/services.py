"""Changing the workspace: the organisation, SLA targets, business hours and holidays, reply
templates.

Each service checks the actor's permission first (`organisation.manage`, `sla.manage` for
targets and the hours and holidays their clocks count, `reply_template.manage`), validates,
makes the change and writes one audit event with before and after, in one transaction, and
returns the object. A change to what an SLA clock counts recomputes the due times of the open
mentions it touches: at once when they are few, else in a worker (due_dates_refresh).
"""

import io
import secrets
import warnings
from datetime import time

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models.functions import Now
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from accounts.models import Team
from inbox import services as inbox_services
from inbox.models import Holiday, ReplyTemplate, SlaTarget, TeamHours
from monitoring.models import OPEN_STATUSES, Mention, Priority
from riskdesk.audit import audit_record
from riskdesk.durations import duration_text
from riskdesk.jobs import enqueue_on_commit
from riskdesk.permissions import require
from workspace import selectors
from workspace.models import Organisation

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 4096 * 4096
LOGO_SIDE = 512  # stored at most this wide and high, as PNG
LOGO_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
RECOMPUTE_INLINE = 500  # open mentions recomputed in the request; more go to a worker
RECOMPUTE_BATCH = 500


# --- Organisation -----------------------------------------------------------------------


def timezone_check(name: str, field: str = "timezone") -> str:
    name = (name or "").strip()
    if name not in selectors.timezone_names():
        raise ValidationError(
            {field: _("“%(name)s” is not a time zone, e.g. Europe/Paris.") % {"name": name[:64]}}
        )
    return name


def _organisation_snapshot(org: Organisation) -> dict:
    return {
        "brand_name": org.brand_name,
        "timezone": org.timezone,
        "languages": list(org.languages),
        "logo": org.logo.name or None,
    }


def _logo_png(upload) -> bytes:
    """The upload re-drawn as a PNG of at most LOGO_SIDE pixels, if Pillow reads it as an
    image (never SVG or anything else a browser could run)."""
    size = getattr(upload, "size", None)
    too_big = _("The logo is larger than %(limit)s.") % {"limit": filesizeformat(LOGO_MAX_BYTES)}
    if size is not None and size > LOGO_MAX_BYTES:
        raise ValidationError({"logo": too_big})
    data = upload.read(LOGO_MAX_BYTES + 1)
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError({"logo": too_big})
    not_image = _("The logo must be a PNG, JPEG, GIF or WebP image.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind, (width, height) = image.format, image.size
                image.verify()
            if kind not in LOGO_FORMATS:
                raise ValidationError({"logo": not_image})
            if width * height > LOGO_MAX_PIXELS:
                raise ValidationError({"logo": _("The logo is too large in pixels.")})
            with Image.open(io.BytesIO(data)) as image:
                image.seek(0)
                drawn = image.convert("RGBA")
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise ValidationError({"logo": not_image}) from None
    drawn.thumbnail((LOGO_SIDE, LOGO_SIDE))
    out = io.BytesIO()
    drawn.save(out, "PNG")
    return out.getvalue()


@transaction.atomic
def organisation_update(
    *,
    actor,
    brand_name: str,
    timezone: str,
    languages: list[str],
    logo=None,
    remove_logo: bool = False,
) -> Organisation:
    require(actor, "organisation.manage")
    org, _created = Organisation.objects.select_for_update().get_or_create(pk=1)
    before = _organisation_snapshot(org)
    errors = {}
    brand_name = (brand_name or "").strip()
    if not brand_name:
        errors["brand_name"] = _("Give the brand's name.")
    try:
        timezone = timezone_check(timezone)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    known = {code for code, _name in selectors.language_choices()}
    languages = list(dict.fromkeys(languages or []))
    if not languages:
        errors["languages"] = _("Choose at least one language.")
    elif not set(languages) <= known:
        errors["languages"] = _("Unknown language: %s.") % ", ".join(sorted(set(languages) - known))
    png = None
    if logo is not None:
        try:
            png = _logo_png(logo)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    org.brand_name, org.timezone, org.languages = brand_name[:100], timezone, languages
    old_logo = org.logo.name
    if png is not None:
        org.logo.save(f"{secrets.token_hex(16)}.png", ContentFile(png), save=False)
    elif remove_logo:
        org.logo = ""
    org.save()
    selectors.organisation_forget()  # now for this transaction's readers, again once committed
    transaction.on_commit(selectors.organisation_forget)
    if old_logo and old_logo != org.logo.name:
        transaction.on_commit(lambda: default_storage.delete(old_logo))
    audit_record(
        actor=actor,
        verb="organisation.update",
        target=org,
        before=before,
        after=_organisation_snapshot(org),
    )
    return org


# --- SLA clocks: recomputing the due times of open mentions --------------------------------


def _open_mentions(priority: int | None, team_id: int | None):
    found = Mention.objects.filter(status__in=OPEN_STATUSES)
    if priority is not None:
        found = found.filter(priority=priority)
    if team_id is not None:
        found = found.filter(team_id=team_id)
    return found


def due_dates_recompute(*, priority: int | None = None, team_id: int | None = None) -> int:
    """Recompute the due times of the open mentions of `priority` and `team_id` (None: any),
    in batches, each in its own transaction; returns how many were recomputed."""
    done, last = 0, 0
    while True:
        batch = list(
            _open_mentions(priority, team_id)
            .filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "received_at", "priority", "team_id")[:RECOMPUTE_BATCH]
        )
        if not batch:
            return done
        with transaction.atomic():
            inbox_services.recompute_due(batch)
            # A fresh updated_at: live inbox lists pick the new clocks up and re-render rows.
            Mention.objects.filter(pk__in=[m.pk for m in batch]).update(updated_at=Now())
        done += len(batch)
        last = batch[-1].pk


def due_dates_refresh(*, priority: int | None = None, team_id: int | None = None) -> int:
    """After a change to targets, hours or holidays: recompute what it touches, after commit.

    Few mentions are recomputed at once, in the change's transaction; many are left to a
    worker (workspace.tasks.recompute_due_dates) once it commits. Returns how many open
    mentions it touches.
    """
    count = _open_mentions(priority, team_id).count()
    if count == 0:
        return 0
    if count <= RECOMPUTE_INLINE:
        due_dates_recompute(priority=priority, team_id=team_id)
    else:
        enqueue_on_commit("workspace.tasks.recompute_due_dates", (priority, team_id))
    return count


# --- SLA targets ----------------------------------------------------------------------------


def _target_snapshot(target: SlaTarget) -> dict:
    return {
        "team": target.team_id,
        "priority": target.priority,
        "first_response": duration_text(target.first_response),
        "resolution": duration_text(target.resolution),
        "business_hours": target.business_hours,
    }


def _target_check(target: SlaTarget) -> None:
    errors = {}
    if target.priority not in Priority.values:
        errors["priority"] = _("Choose a priority.")
    for name in ("first_response", "resolution"):
        value = getattr(target, name)
        if value is None or value.total_seconds() <= 0:
            errors[name] = _("A duration must be longer than zero.")
    if not errors and target.resolution < target.first_response:
        errors["resolution"] = _("Resolution cannot be due before the first response.")
    twin = SlaTarget.objects.filter(priority=target.priority, team=target.team_id).exclude(
        pk=target.pk
    )
    if "priority" not in errors and twin.exists():
        errors["priority"] = (
            _("This team already has a target for this priority.")
            if target.team_id
            else _("There is already a default target for this priority.")
        )
    if errors:
        raise ValidationError(errors)


def _target_save(target: SlaTarget) -> None:
    _target_check(target)
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError:  # a twin saved at the same moment
        raise ValidationError(
            {"priority": _("There is already a target for this priority and team.")}
        ) from None


@transaction.atomic
def sla_target_create(
    *,
    actor,
    priority: int,
    first_response,
    resolution,
    business_hours: bool = False,
    team: Team | None = None,
) -> SlaTarget:
    require(actor, "sla.manage")
    target = SlaTarget(
        team=team,
        priority=priority,
        first_response=first_response,
        resolution=resolution,
        business_hours=business_hours,
    )
    _target_save(target)
    audit_record(
        actor=actor, verb="sla_target.create", target=target, after=_target_snapshot(target)
    )
    due_dates_refresh(priority=target.priority, team_id=target.team_id)
    return target


@transaction.atomic
def sla_target_update(*, actor, target: SlaTarget, **changes) -> SlaTarget:
    """Change any of team, priority, first_response, resolution, business_hours."""
    require(actor, "sla.manage", target)
    target = SlaTarget.objects.select_for_update().get(pk=target.pk)
    before = _target_snapshot(target)
    for name in ("team", "priority", "first_response", "resolution", "business_hours"):
        if name in changes:
            setattr(target, name, changes[name])
    _target_save(target)
    after = _target_snapshot(target)
    if after != before:
        audit_record(
            actor=actor, verb="sla_target.update", target=target, before=before, after=after
        )
        for priority, team_id in {
            (before["priority"], before["team"]),
            (after["priority"], after["team"]),
        }:
            due_dates_refresh(priority=priority, team_id=team_id)
    return target


@transaction.atomic
def sla_target_delete(*, actor, target: SlaTarget) -> SlaTarget:
    require(actor, "sla.manage", target)
    before = _target_snapshot(target)
    audit_record(actor=actor, verb="sla_target.delete", target=target, before=before)
    target.delete()
    due_dates_refresh(priority=before["priority"], team_id=before["team"])
    return target


# --- Business hours and holidays ------------------------------------------------------------


def _hours_snapshot(hours: TeamHours | None) -> dict | None:
    if hours is None:
        return None
    return {
        "timezone": hours.timezone,
        "weekdays": list(hours.weekdays),
        "opens": hours.opens.strftime("%H:%M"),
        "closes": hours.closes.strftime("%H:%M"),
    }


@transaction.atomic
def team_hours_set(
    *, actor, team: Team, timezone: str, weekdays: list[int], opens: time, closes: time
) -> TeamHours:
    """Set `team`'s business hours (its SLA clocks that count business hours pause outside)."""
    require(actor, "sla.manage", team)
    errors = {}
    try:
        timezone = timezone_check(timezone)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        days = sorted({int(day) for day in weekdays or []})
    except (TypeError, ValueError):
        days = [-1]
    if not days:
        errors["weekdays"] = _("Choose at least one working day.")
    elif not all(0 <= day <= 6 for day in days):
        errors["weekdays"] = _("Working days are 0 (Monday) to 6 (Sunday).")
    if opens is None or closes is None:
        errors["closes"] = _("Give the opening and closing times.")
    elif opens >= closes:
        errors["closes"] = _("The team must close after it opens (on the same day).")
    if errors:
        raise ValidationError(errors)
    hours = TeamHours.objects.select_for_update().filter(team=team).first()
    before = _hours_snapshot(hours)
    if hours is None:
        hours = TeamHours(team=team)
    hours.timezone, hours.weekdays, hours.opens, hours.closes = timezone, days, opens, closes
    hours.save()
    after = _hours_snapshot(hours)
    if after != before:
        audit_record(actor=actor, verb="team_hours.set", target=team, before=before, after=after)
        due_dates_refresh(team_id=team.pk)
    return hours


@transaction.atomic
def team_hours_clear(*, actor, team: Team) -> Team:
    """`team` works round the clock again."""
    require(actor, "sla.manage", team)
    hours = TeamHours.objects.select_for_update().filter(team=team).first()
    if hours is not None:
        audit_record(
            actor=actor, verb="team_hours.clear", target=team, before=_hours_snapshot(hours)
        )
        hours.delete()
        due_dates_refresh(team_id=team.pk)
    return team


@transaction.atomic
def holiday_add(*, actor, team: Team, date, name: str) -> Holiday:
    require(actor, "sla.manage", team)
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Name the holiday.")
    if date is None:
        errors["date"] = _("Give the holiday's date.")
    elif Holiday.objects.filter(team=team, date=date).exists():
        errors["date"] = _("This team already has a holiday on that day.")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            holiday = Holiday.objects.create(team=team, date=date, name=name[:100])
    except IntegrityError:
        raise ValidationError({"date": _("This team already has a holiday on that day.")}) from None
    audit_record(
        actor=actor,
        verb="holiday.add",
        target=team,
        after={"holiday": holiday.pk, "date": date.isoformat(), "name": holiday.name},
    )
    due_dates_refresh(team_id=team.pk)
    return holiday


@transaction.atomic
def holiday_delete(*, actor, holiday: Holiday) -> Holiday:
    require(actor, "sla.manage", holiday.team)
    audit_record(
        actor=actor,
        verb="holiday.delete",
        target=holiday.team,
        before={"holiday": holiday.pk, "date": holiday.date.isoformat(), "name": holiday.name},
    )
    team_id = holiday.team_id
    holiday.delete()
    due_dates_refresh(team_id=team_id)
    return holiday


# --- Reply templates ------------------------------------------------------------------------

TEMPLATE_FIELDS = ("name", "situation", "language", "body", "moves_to_private", "is_active")


def _template_snapshot(template: ReplyTemplate) -> dict:
    return {name: getattr(template, name) for name in TEMPLATE_FIELDS}


def _template_save(template: ReplyTemplate) -> None:
    errors = {}
    template.name = (template.name or "").strip()[:100]
    template.situation = (template.situation or "").strip()[:100]
    if not template.name:
        errors["name"] = _("Name the template.")
    languages = dict(selectors.organisation_language_choices())
    if template.language not in languages:
        errors["language"] = _("Choose one of the organisation's languages (%s).") % ", ".join(
            languages
        )
    if not (template.body or "").strip():
        errors["body"] = _("Write the template's text.")
    else:
        try:
            inbox_services.template_body_check(template.body)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    twin = ReplyTemplate.objects.filter(name=template.name, language=template.language)
    if "name" not in errors and twin.exclude(pk=template.pk).exists():
        errors["name"] = _("A template of this name already exists in this language.")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        raise ValidationError(
            {"name": _("A template of this name already exists in this language.")}
        ) from None


@transaction.atomic
def reply_template_create(
    *,
    actor,
    name: str,
    language: str,
    body: str,
    situation: str = "",
    moves_to_private: bool = False,
    is_active: bool = True,
) -> ReplyTemplate:
    require(actor, "reply_template.manage")
    template = ReplyTemplate(
        name=name,
        situation=situation,
        language=language,
        body=body,
        moves_to_private=moves_to_private,
        is_active=is_active,
    )
    _template_save(template)
    audit_record(
        actor=actor,
        verb="reply_template.create",
        target=template,
        after=_template_snapshot(template),
    )
    return template


@transaction.atomic
def reply_template_update(*, actor, template: ReplyTemplate, **changes) -> ReplyTemplate:
    """Change any of the TEMPLATE_FIELDS (is_active=False deactivates it)."""
    require(actor, "reply_template.manage", template)
    template = ReplyTemplate.objects.select_for_update().get(pk=template.pk)
    before = _template_snapshot(template)
    for name in TEMPLATE_FIELDS:
        if name in changes:
            setattr(template, name, changes[name])
    _template_save(template)
    after = _template_snapshot(template)
    if after != before:
        changed = {name for name in after if after[name] != before[name]}
        verb = "reply_template.update"
        if changed == {"is_active"}:
            verb = "reply_template.activate" if after["is_active"] else "reply_template.deactivate"
        audit_record(actor=actor, verb=verb, target=template, before=before, after=after)
    return template
