"""The incident page's working forms: tasks, notes, pins, freeze, statements, the review;
and the pages "my tasks" and the metrics report. Thin: parse, call a service, render."""

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from incidents import freeze as freezes
from incidents import selectors
from incidents.forms import (
    ActionItemFormSet,
    DecisionForm,
    ReviewForm,
    StatementForm,
    TaskForm,
)
from incidents.models import (
    HoldingStatement,
    IncidentTask,
    PostIncidentReview,
    Severity,
    TimelineEntry,
)
from incidents.selectors.metrics import duration_label, incident_metrics, metrics_report
from incidents.services import statements, work
from incidents.services.timeline import describe
from incidents.views.incidents import (
    _detail_url,
    _error,
    _get_incident,
    _permissions,
    _post_action,
    _section_context,
)
from publishing import selectors as publishing_selectors
from riskdesk.forms import add_service_errors
from riskdesk.permissions import can, require
from riskdesk.redirects import next_url


@login_required
@require_POST
def task_tick(request, pk, task_pk):
    incident = _get_incident(request, pk)
    task = get_object_or_404(IncidentTask, pk=task_pk, incident=incident)
    done = request.POST.get("done", "1") != "0"
    try:
        work.task_complete(actor=request.user, task=task, done=done)
    except ValidationError as exc:
        _error(request, exc)
    back = next_url(request, _detail_url(incident, "tasks"))
    if request.htmx and not request.POST.get("next"):
        return render(
            request, "incidents/_tasks.html", _section_context(request, incident, "tasks")
        )
    return redirect(back)


@login_required
@require_POST
def task_add(request, pk):
    incident = _get_incident(request, pk)
    require(request.user, "incident.work", incident)
    form = TaskForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        return _post_action(
            request,
            pk,
            "tasks",
            lambda inc: work.task_add(
                actor=request.user,
                incident=inc,
                title=data["title"],
                role=data["role"],
                assignee=data["assignee"],
                due_at=data["due_at"],
            ),
            _("Task added."),
        )
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(_detail_url(incident, "tasks"))


@login_required
@require_POST
def note_add(request, pk):
    return _post_action(
        request,
        pk,
        "timeline",
        lambda inc: work.note_add(
            actor=request.user, incident=inc, text=request.POST.get("text", "")
        ),
        _("Note added to the timeline."),
    )


@login_required
@require_POST
def entry_pin(request, pk, entry_pk):
    incident = _get_incident(request, pk)
    entry = get_object_or_404(TimelineEntry, pk=entry_pk, incident=incident)
    try:
        work.entry_pin(actor=request.user, entry=entry, pinned=request.POST.get("pinned") != "0")
    except ValidationError as exc:
        _error(request, exc)
    return redirect(_detail_url(incident, "timeline"))


# --- Freeze --------------------------------------------------------------------------------------


@login_required
@require_POST
def freeze_start(request, pk):
    return _post_action(
        request,
        pk,
        "",
        lambda inc: freezes.freeze_start(
            actor=request.user, incident=inc, reason=request.POST.get("reason", "")
        ),
        _("Publishing is frozen until you lift the freeze."),
    )


@login_required
@require_POST
def freeze_lift(request, pk):
    incident = _get_incident(request, pk)
    try:
        freezes.freeze_lift(
            actor=request.user, incident=incident, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        _error(request, exc)
        return redirect(_detail_url(incident))
    # The brand's posts the freeze held wait for a person: the lead goes to decide on them.
    held = publishing_selectors.held().count() if freezes.current_freeze() is None else 0
    if held and can(request.user, "brand_post.view"):
        messages.success(
            request,
            ngettext(
                "Publishing is open again: decide what happens to the %(count)d held post.",
                "Publishing is open again: decide what happens to the %(count)d held posts.",
                held,
            )
            % {"count": held},
        )
        return redirect("publishing_held")
    messages.success(request, _("Publishing freeze lifted."))
    return redirect(_detail_url(incident))


# --- Statements ----------------------------------------------------------------------------------


@login_required
@require_POST
def statement_create(request, pk):
    incident = _get_incident(request, pk)
    form = StatementForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A statement needs a title and a text."))
        return redirect(_detail_url(incident, "statements"))
    data = form.cleaned_data
    return _post_action(
        request,
        pk,
        "statements",
        lambda inc: statements.statement_create(
            actor=request.user,
            incident=inc,
            title=data["title"],
            channel=data["channel"],
            text=data["text"],
        ),
        _("Statement drafted. Send it to legal when it reads right."),
    )


@login_required
def statement_detail(request, pk, statement_pk):
    """Read a statement; edit it (authors) or approve it (legal) from here."""
    incident = _get_incident(request, pk)
    statement = get_object_or_404(
        HoldingStatement.objects.select_related("created_by", "decided_by"),
        pk=statement_pk,
        incident=incident,
    )
    perms = _permissions(request.user, incident)
    form = StatementForm(
        initial={"title": statement.title, "channel": statement.channel, "text": statement.text}
    )
    decision = DecisionForm(initial={"digest": statement.digest()})
    action = request.POST.get("action") if request.method == "POST" else None
    if action:
        try:
            if action == "save":
                form = StatementForm(request.POST)
                if form.is_valid():
                    was_approved = statement.state == HoldingStatement.State.APPROVED
                    statement = statements.statement_update(
                        actor=request.user, statement=statement, **form.cleaned_data
                    )
                    if was_approved and statement.state != HoldingStatement.State.APPROVED:
                        messages.warning(
                            request,
                            _("Saved. Legal's approval is void now that the text changed."),
                        )
                    else:
                        messages.success(request, _("Statement saved."))
                    return redirect(request.path)
            elif action == "submit":
                statements.statement_submit(actor=request.user, statement=statement)
                messages.success(request, _("Sent to legal."))
                return redirect(request.path)
            elif action in ("approve", "changes"):
                decision = DecisionForm(request.POST)
                decision.is_valid()
                data = decision.cleaned_data
                if action == "approve":
                    statements.statement_approve(
                        actor=request.user,
                        statement=statement,
                        digest=data.get("digest", ""),
                        comment=data.get("comment", ""),
                    )
                    messages.success(request, _("Approved: this exact text is cleared."))
                else:
                    statements.statement_request_changes(
                        actor=request.user, statement=statement, comment=data.get("comment", "")
                    )
                    messages.success(request, _("Sent back to the authors with your comment."))
                return redirect(request.path)
            else:
                raise Http404
        except ValidationError as exc:
            if action == "save":
                add_service_errors(form, exc)
            else:
                add_service_errors(decision, exc)
    return render(
        request,
        "incidents/statement_detail.html",
        perms | {"incident": incident, "statement": statement, "form": form, "decision": decision},
    )


# --- Review --------------------------------------------------------------------------------------


@login_required
def incident_review(request, pk):
    incident = _get_incident(request, pk)
    require(request.user, "incident.run", incident)
    review = PostIncidentReview.objects.filter(incident=incident).first()
    initial = {}
    if review is not None:
        initial = {k: getattr(review, k) for k in ("summary", "impact", "went_well", "went_badly")}
    else:
        pinned = incident.timeline.filter(pinned=True).order_by("at", "id")
        if pinned:
            initial["summary"] = "\n".join(f"- {describe(e)}" for e in pinned)
    if request.method == "POST":
        form = ReviewForm(request.POST)
        items = ActionItemFormSet(request.POST, prefix="items")
        if form.is_valid() and items.is_valid():
            action_items = [
                {
                    "title": f.cleaned_data["title"],
                    "assignee": f.cleaned_data["assignee"],
                    "due_at": timezone.make_aware(
                        datetime.combine(f.cleaned_data["due_at"], time(17, 0))
                    ),
                }
                for f in items
                if f.cleaned_data.get("title")
            ]
            try:
                work.review_submit(
                    actor=request.user,
                    incident=incident,
                    action_items=action_items,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Review saved. The incident is reviewed; action items went to their owners."),
                )
                return redirect(_detail_url(incident))
    else:
        form = ReviewForm(initial=initial)
        items = ActionItemFormSet(prefix="items")
    action_items = incident.tasks.filter(kind=IncidentTask.Kind.ACTION_ITEM).select_related(
        "assignee"
    )
    return render(
        request,
        "incidents/review.html",
        {
            "incident": incident,
            "form": form,
            "items": items,
            "review": review,
            "action_items": action_items,
            "metrics": [
                (key, label, help_text, duration_label(value))
                for key, label, help_text, value in incident_metrics(incident)
            ],
        },
    )


# --- My tasks and the report ---------------------------------------------------------------------


@login_required
def my_tasks(request):
    require(request.user, "incident.view")
    tasks = list(selectors.open_tasks_for(request.user)[:200])
    return render(request, "incidents/my_tasks.html", {"tasks": tasks})


@login_required
def incident_report(request):
    require(request.user, "incident.view")
    report = metrics_report()
    for period in [*report["periods"], report["total"]]:
        medians = period.medians
        period.labels = [duration_label(medians[key]) for key, *_rest in report["metrics"]]
    return render(
        request, "incidents/report.html", {"report": report, "severities": Severity.values}
    )
