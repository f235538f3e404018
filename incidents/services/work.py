"""Working an incident: tasks, notes and pins, the post-incident review, overdue reminders.

Same shape as incidents.services.incidents: permission, change, timeline entry and audit event in
one transaction.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import (
    OPEN_STATUSES,
    Incident,
    IncidentRole,
    IncidentTask,
    PostIncidentReview,
    Status,
    TimelineEntry,
)
from incidents.services.incidents import (
    TITLE_MAX,
    Kind,
    TaskState,
    _audit,
    _check_person,
    _link_path,
    _locked,
)
from incidents.services.timeline import timeline_add
from notifications import services as notification_services
from riskdesk.audit import audit_record, snapshot
from riskdesk.mail import absolute_url, mail_people
from riskdesk.permissions import can, require

NOTE_MAX = 10_000


# --- Tasks ---------------------------------------------------------------------------------


@transaction.atomic
def task_complete(*, actor, task: IncidentTask, done: bool = True) -> IncidentTask:
    """Tick a task (or untick it). Ticking a done task again changes nothing."""
    task = (
        IncidentTask.objects.select_for_update(of=("self",))
        .select_related("incident")
        .get(pk=task.pk)
    )
    require(actor, "incident.task", task)
    wanted = TaskState.DONE if done else TaskState.OPEN
    if task.state == wanted:
        return task
    if task.kind != IncidentTask.Kind.ACTION_ITEM and task.incident.status == Status.REVIEWED:
        raise ValidationError(_("This incident is reviewed and closed."))
    before = {"state": task.state}
    task.state = wanted
    task.done_at = timezone.now() if done else None
    task.done_by = actor if done else None
    task.save(update_fields=["state", "done_at", "done_by"])
    timeline_add(
        incident=task.incident,
        kind=Kind.TASK,
        actor=actor,
        data={"task": task.pk, "title": task.title, "action": "done" if done else "reopened"},
    )
    audit_record(
        actor=actor,
        verb="incident.task",
        target=task.incident,
        before=before | {"task": task.pk},
        after={"state": task.state, "task": task.pk},
    )
    return task


@transaction.atomic
def task_add(
    *,
    actor,
    incident: Incident,
    title: str,
    role: str = "",
    assignee=None,
    due_at: datetime | None = None,
    instructions: str = "",
) -> IncidentTask:
    incident = _locked(incident)
    require(actor, "incident.work", incident)
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Say what has to be done.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("At most %(max)d characters.") % {"max": TITLE_MAX}
    if role and role not in IncidentRole.values:
        errors["role"] = _("Unknown role.")
    if assignee is not None:
        try:
            _check_person(assignee, "assignee")
        except ValidationError as exc:
            errors |= exc.message_dict
    if incident.status == Status.REVIEWED:
        errors["__all__"] = _("This incident is reviewed and closed.")
    if errors:
        raise ValidationError(errors)
    if assignee is None and role:
        assignee = getattr(incident, role)
    last = incident.tasks.order_by("-position").values_list("position", flat=True).first() or 0
    task = IncidentTask.objects.create(
        incident=incident,
        kind=IncidentTask.Kind.ADDED,
        position=last + 1,
        title=title,
        instructions=(instructions or "").strip(),
        role=role or "",
        assignee=assignee,
        due_at=due_at,
    )
    timeline_add(
        incident=incident,
        kind=Kind.TASK,
        actor=actor,
        data={"task": task.pk, "title": title, "action": "added"},
    )
    _audit(
        actor, "incident.task_add", incident, after={"task": task.pk, "title": title, "role": role}
    )
    return task


# --- Notes and pins ---------------------------------------------------------------------------


@transaction.atomic
def note_add(*, actor, incident: Incident, text: str) -> TimelineEntry:
    incident = Incident.objects.get(pk=incident.pk)
    require(actor, "incident.note", incident)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the note first.")})
    if len(text) > NOTE_MAX:
        raise ValidationError({"text": _("At most %(max)d characters.") % {"max": NOTE_MAX}})
    entry = timeline_add(incident=incident, kind=Kind.NOTE, actor=actor, text=text)
    _audit(actor, "incident.note", incident, after={"entry": entry.pk})
    notification_services.incident_note_notify(actor=actor, incident=incident, text=text)
    return entry


@transaction.atomic
def entry_pin(*, actor, entry: TimelineEntry, pinned: bool = True) -> TimelineEntry:
    """Pin an entry (the review starts from the pinned ones), or unpin it."""
    entry = (
        TimelineEntry.objects.select_for_update(of=("self",))
        .select_related("incident")
        .get(pk=entry.pk)
    )
    require(actor, "incident.work", entry.incident)
    if entry.pinned == pinned:
        return entry
    entry.pinned = pinned
    entry.save(update_fields=["pinned"])
    _audit(
        actor,
        "incident.pin",
        entry.incident,
        {"entry": entry.pk, "pinned": not pinned},
        {"entry": entry.pk, "pinned": pinned},
    )
    return entry


# --- Post-incident review -----------------------------------------------------------------------


REVIEW_FIELDS = ["summary", "impact", "went_well", "went_badly"]


@transaction.atomic
def review_submit(
    *,
    actor,
    incident: Incident,
    summary: str,
    impact: str,
    went_well: str,
    went_badly: str,
    action_items=(),
) -> PostIncidentReview:
    """Write (or complete) the post-incident review; the first one moves a resolved incident
    to `reviewed`. Action items (title, assignee, due_at) become tasks of their owners."""
    incident = _locked(incident)
    require(actor, "incident.run", incident)
    if incident.status not in (Status.RESOLVED, Status.REVIEWED):
        raise ValidationError(_("Resolve the incident before reviewing it."))
    values = {
        "summary": summary,
        "impact": impact,
        "went_well": went_well,
        "went_badly": went_badly,
    }
    values = {k: (v or "").strip() for k, v in values.items()}
    errors: dict = {
        k: _("This part of the review is required.") for k, v in values.items() if not v
    }
    items = []
    for index, item in enumerate(action_items or ()):
        title = (item.get("title") or "").strip()
        assignee = item.get("assignee")
        due_at = item.get("due_at")
        problems = []
        if not title:
            problems.append(_("say what has to be done"))
        if assignee is None:
            problems.append(_("name its owner"))
        elif not assignee.is_active or not can(assignee, "incident.view"):
            problems.append(_("%(name)s cannot see incidents") % {"name": assignee})
        if due_at is None:
            problems.append(_("give a due date"))
        if problems:
            errors.setdefault("action_items", []).append(
                _("Action item %(n)d: %(problems)s.")
                % {"n": index + 1, "problems": ", ".join(problems)}
            )
        items.append((title, assignee, due_at))
    if errors:
        raise ValidationError(errors)
    review = PostIncidentReview.objects.filter(incident=incident).first()
    before = snapshot(review, REVIEW_FIELDS) if review else None
    if review is None:
        review = PostIncidentReview(incident=incident)
    for key, value in values.items():
        setattr(review, key, value)
    review.written_by = actor
    review.updated_at = timezone.now()
    review.save()
    last = incident.tasks.order_by("-position").values_list("position", flat=True).first() or 0
    IncidentTask.objects.bulk_create(
        [
            IncidentTask(
                incident=incident,
                kind=IncidentTask.Kind.ACTION_ITEM,
                position=last + n,
                title=title,
                assignee=assignee,
                due_at=due_at,
            )
            for n, (title, assignee, due_at) in enumerate(items, start=1)
        ]
    )
    timeline_add(
        incident=incident, kind=Kind.REVIEW, actor=actor, data={"action_items": len(items)}
    )
    _audit(
        actor,
        "incident.review",
        incident,
        before,
        snapshot(review, REVIEW_FIELDS) | {"action_items": len(items)},
    )
    if incident.status == Status.RESOLVED:
        incident.status = Status.REVIEWED
        incident.reviewed_at = timezone.now()
        incident.save(update_fields=["status", "reviewed_at"])
        timeline_add(
            incident=incident,
            kind=Kind.STATUS,
            actor=actor,
            data={"from": Status.RESOLVED, "to": Status.REVIEWED},
        )
        _audit(
            actor,
            "incident.status",
            incident,
            {"status": Status.RESOLVED},
            {"status": Status.REVIEWED},
        )
    return review


# --- Reminders ------------------------------------------------------------------------------------


def tasks_remind_overdue(*, limit: int = 500) -> int:
    """Mail each owner their tasks that went overdue since the last run; each task once.

    Tasks are claimed with a conditional UPDATE on `reminded_at`, so two workers never
    remind twice. Returns how many tasks were reminded.
    """
    now = timezone.now()
    due = list(
        IncidentTask.objects.filter(
            state=TaskState.OPEN,
            due_at__lt=now,
            reminded_at__isnull=True,
            assignee__isnull=False,
            incident__status__in=OPEN_STATUSES,
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not due:
        return 0
    with transaction.atomic():
        claimed = list(
            IncidentTask.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=due, reminded_at__isnull=True)
            .select_related("assignee", "incident")
        )
        IncidentTask.objects.filter(pk__in=[t.pk for t in claimed]).update(reminded_at=now)
        by_person: dict = {}
        for task in claimed:
            by_person.setdefault(task.assignee, []).append(task)
        for person, tasks in by_person.items():
            lines = [
                f"- {t.incident.reference} ({t.incident.severity_label}) {t.title}: "
                + absolute_url(_link_path(t.incident))
                for t in tasks
            ]
            mail_people(
                people=[person],
                subject=_("[riskdesk] %(count)d incident task(s) overdue") % {"count": len(tasks)},
                body=_("These tasks are past their due time:\n\n%(lines)s\n")
                % {"lines": "\n".join(lines)},
            )
    return len(claimed)
