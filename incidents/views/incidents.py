"""Incident pages: list, board, declare, the incident page and its live sections, the
forms that run it, my tasks and the metrics report. Thin: parse, call a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from alerting.models import SpikeAlert
from incidents import selectors, services
from incidents.filters import IncidentFilter
from incidents.forms import (
    DeclareForm,
    FreezeForm,
    LiftForm,
    NoteForm,
    RoleForm,
    SeverityForm,
    StatementForm,
    StatusForm,
    TaskForm,
    severity_definitions,
)
from incidents.markdown import incident_markdown
from incidents.models import (
    OPEN_STATUSES,
    HoldingStatement,
    Incident,
    IncidentRole,
    IncidentTask,
    Playbook,
    PostIncidentReview,
    PublishingFreeze,
    Scenario,
    Severity,
    Status,
    TimelineEntry,
)
from incidents.selectors.metrics import duration_label, incident_metrics
from incidents.services.timeline import describe
from monitoring.models import Mention
from riskdesk.forms import add_service_errors
from riskdesk.htmx import render_page
from riskdesk.models import MAX_ID
from riskdesk.pagination import keyset_page
from riskdesk.permissions import can, require
from riskdesk.redirects import next_url

ROLE_FIELDS = IncidentRole.values
LIVE_SECTIONS = ("tasks", "timeline", "mentions", "statements")
BOARD_LIMIT = 50  # cards per column
DECLARE_PREVIEW = 20  # mentions shown on the declare page


def _incidents():
    return Incident.objects.select_related("playbook", *ROLE_FIELDS)


def _get_incident(request, pk) -> Incident:
    require(request.user, "incident.view")
    return get_object_or_404(_incidents().select_related("spike", "rule"), pk=pk)


def _detail_url(incident: Incident, anchor: str = "") -> str:
    url = reverse("incident_detail", kwargs={"pk": incident.pk})
    return f"{url}#{anchor}" if anchor else url


def _error(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


# --- List and board ------------------------------------------------------------------------------


@login_required
def incident_list(request):
    require(request.user, "incident.view")
    data = request.GET.copy()
    if "state" not in data and not request.GET:
        data["state"] = "open"  # the list opens on what is running
    filterset = IncidentFilter(
        data,
        queryset=_incidents().annotate(
            open_tasks=Count("tasks", filter=Q(tasks__state=IncidentTask.State.OPEN))
        ),
    )
    page = keyset_page(filterset.qs, request.GET.get("before"))
    return render_page(
        request,
        "incidents/incident_list.html",
        "incidents/_incident_rows.html",
        {
            "filter": filterset,
            "page": page,
            "can_declare": can(request.user, "incident.declare"),
        },
    )


@login_required
def incident_board(request):
    require(request.user, "incident.view")
    filterset = IncidentFilter(
        request.GET, queryset=_incidents().select_related(None).select_related("lead")
    )
    columns = []
    for status in (Status.DECLARED, Status.INVESTIGATING, Status.CONTAINED, Status.RESOLVED):
        items = list(
            filterset.qs.filter(status=status).order_by("severity", "-declared_at", "-id")[
                :BOARD_LIMIT
            ]
        )
        columns.append({"status": status, "label": Status(status).label, "items": items})
    return render_page(
        request,
        "incidents/incident_board.html",
        "incidents/_board_columns.html",
        {
            "filter": filterset,
            "columns": columns,
            "can_declare": can(request.user, "incident.declare"),
        },
    )


# --- Declaring -----------------------------------------------------------------------------------


def _ids(raw: str) -> list[int]:
    ids = (_id_or_none(p) for p in (raw or "").replace(" ", "").split(","))
    return [pk for pk in ids if pk is not None][:1000]


def _id_or_none(raw: str) -> int | None:
    """A row id from text, or None (not digits, or too large to be one)."""
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID else None


def _playbook_for(scenario: str) -> Playbook | None:
    return Playbook.objects.filter(scenario=scenario, is_active=True).order_by("name").first()


def _declare_prefill(request, source) -> dict:
    """What the declare page shows and suggests for its query parameters."""
    context = {"preview": [], "spike": None, "existing": None, "preview_more": 0}
    initial = {}
    sees_mentions = can(request.user, "mention.view")
    visible = Mention.objects.visible_to(request.user)  # the others do not exist here
    mention_ids = _ids(source.get("mentions", ""))
    spike_id = source.get("spike") or ""
    impersonation_id = source.get("impersonation") or ""
    if spike_id.isdigit() and can(request.user, "spike.view"):
        spike = (
            SpikeAlert.objects.select_related("stream", "tag")
            .filter(pk=_id_or_none(spike_id))
            .first()
        )
        if spike is None:
            raise Http404
        context["spike"] = spike
        context["existing"] = (
            Incident.objects.filter(spike=spike, status__in=OPEN_STATUSES)
            .order_by("-declared_at")
            .first()
        )
        about = (
            spike.stream.name if spike.stream_id else (f"#{spike.tag.name}" if spike.tag_id else "")
        )
        initial |= {
            "spike": spike.pk,
            "title": _("Spike of negative mentions on %(about)s") % {"about": about},
            "severity": Severity.SEV2,
            "playbook": _playbook_for(Scenario.REVIEW_STORM),
            "summary": _("%(count)d mentions in the window; words: %(words)s.")
            % {"count": spike.count, "words": ", ".join(spike.top_words) or "—"},
        }
        top = set(visible.filter(pk__in=spike.top_mention_ids).values_list("pk", flat=True))
        mention_ids = [*mention_ids, *(pk for pk in spike.top_mention_ids if pk in top)]
    if impersonation_id.isdigit() and sees_mentions:
        mention = (
            visible.select_related("impersonates").filter(pk=_id_or_none(impersonation_id)).first()
        )
        if mention is None:
            raise Http404
        handle = mention.author_handle or mention.author_name or mention.author_id
        imitated = mention.impersonates or _("a brand account")
        initial |= {
            "impersonation": mention.pk,
            "title": _("Impersonation: @%(handle)s poses as %(account)s")
            % {"handle": handle, "account": imitated},
            "severity": Severity.SEV2,
            "playbook": _playbook_for(Scenario.IMPERSONATION),
        }
        context["existing"] = context["existing"] or (
            Incident.objects.filter(mention_links__mention=mention, status__in=OPEN_STATUSES)
            .order_by("-declared_at")
            .first()
        )
        mention_ids = [mention.pk, *mention_ids]
    if mention_ids and sees_mentions:
        unique = list(dict.fromkeys(mention_ids))
        found = visible.in_bulk(unique[:DECLARE_PREVIEW])
        context["preview"] = [found[pk] for pk in unique[:DECLARE_PREVIEW] if pk in found]
        context["preview_more"] = max(0, len(unique) - DECLARE_PREVIEW)
        initial["mentions"] = ",".join(str(pk) for pk in _ids(source.get("mentions", "")))
        if "title" not in initial and context["preview"]:
            initial["title"] = ngettext(
                "Escalated from the inbox: %(count)d mention",
                "Escalated from the inbox: %(count)d mentions",
                len(unique),
            ) % {"count": len(unique)}
    context["initial"] = initial
    return context


@login_required
def incident_declare(request):
    require(request.user, "incident.declare")
    source = request.POST if request.method == "POST" else request.GET
    prefill = _declare_prefill(request, source)
    if request.method == "POST":
        form = DeclareForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                incident = services.incident_declare(
                    actor=request.user,
                    title=data["title"],
                    severity=data["severity"],
                    playbook=data["playbook"],
                    summary=data["summary"],
                    lead=data["lead"],
                    mentions=data["mentions"],
                    spike=data["spike"],
                    impersonation_mention=data["impersonation"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if getattr(incident, "created", True):
                    messages.success(
                        request,
                        _("%(ref)s declared. Its playbook's tasks are below.")
                        % {"ref": incident.reference},
                    )
                else:
                    messages.warning(
                        request,
                        _("%(ref)s is already open for this: the mentions were linked to it.")
                        % {"ref": incident.reference},
                    )
                return redirect(_detail_url(incident))
    else:
        form = DeclareForm(initial=prefill["initial"])
    definitions = {value: text for value, _short, text in severity_definitions()}
    severity_rows = [(radio, definitions[int(radio.data["value"])]) for radio in form["severity"]]
    return render(
        request,
        "incidents/declare.html",
        prefill | {"form": form, "severity_rows": severity_rows},
    )


@login_required
@require_POST
def incident_link_mentions(request):
    """Link a selection of mentions to an existing incident, then go back to `next`."""
    require(request.user, "incident.view")
    incident_id = request.POST.get("incident", "")
    incident = get_object_or_404(Incident, pk=int(incident_id)) if incident_id.isdigit() else None
    back = next_url(request, _detail_url(incident) if incident else reverse("incident_list"))
    if incident is None:
        messages.error(request, _("Choose the incident to add the mentions to."))
        return redirect(back)
    ids = request.POST.getlist("mentions")
    if len(ids) == 1:
        ids = ids[0].split(",")
    try:
        linked = services.incident_link_mentions(
            actor=request.user, incident=incident, mentions=[i.strip() for i in ids if i.strip()]
        )
    except ValidationError as exc:
        _error(request, exc)
    else:
        if linked:
            messages.success(
                request,
                ngettext(
                    "%(count)d mention linked to %(ref)s.",
                    "%(count)d mentions linked to %(ref)s.",
                    linked,
                )
                % {"count": linked, "ref": incident.reference},
            )
        else:
            messages.info(
                request,
                _("These mentions were already linked to %(ref)s.") % {"ref": incident.reference},
            )
    return redirect(back)


# --- The incident page ---------------------------------------------------------------------------


def _permissions(user, incident: Incident) -> dict:
    return {
        "can_run": can(user, "incident.run", incident),
        "can_work": can(user, "incident.work", incident),
        "can_note": can(user, "incident.note", incident),
        "can_link": can(user, "incident.link_mentions", incident),
        "can_approve": can(user, "statement.approve", incident),
        "can_see_mentions": can(user, "mention.view"),
    }


def _tasks(user, incident: Incident) -> list[IncidentTask]:
    tasks = list(incident.tasks.select_related("assignee").order_by("position", "id"))
    for task in tasks:
        task.incident = incident  # the permission rule reads it: no query per task
        task.can_tick = can(user, "incident.task", task)
    return tasks


def _timeline(incident: Incident) -> list[TimelineEntry]:
    entries = list(incident.timeline.order_by("-at", "-id"))
    for entry in entries:
        entry.description = describe(entry)
    return entries


def _statements(incident: Incident) -> list[HoldingStatement]:
    return list(incident.statements.select_related("created_by", "decided_by"))


def _section_context(request, incident: Incident, section: str) -> dict:
    context = {"incident": incident} | _permissions(request.user, incident)
    if section == "tasks":
        context["tasks"] = _tasks(request.user, incident)
    elif section == "timeline":
        context["entries"] = _timeline(incident)
    elif section == "mentions":
        context["stats"] = (
            selectors.mention_stats(incident, user=request.user)
            if context["can_see_mentions"]
            else None
        )
    elif section == "statements":
        context["statements"] = _statements(incident)
    return context


@login_required
def incident_detail(request, pk):
    incident = _get_incident(request, pk)
    user = request.user
    context = {"incident": incident} | _permissions(user, incident)
    for section in LIVE_SECTIONS:
        context |= _section_context(request, incident, section)
    holders = incident.role_ids()
    context |= {
        "roles": [
            {
                "role": role,
                "holder": getattr(incident, role.value),
                "form": RoleForm(
                    initial={"role": role.value, "person": holders[role.value]},
                    prefix=role.value,
                ),
            }
            for role in IncidentRole
        ],
        "freeze": PublishingFreeze.objects.filter(incident=incident, lifted_at__isnull=True)
        .select_related("started_by")
        .first(),
        "can_freeze": incident.is_open and incident.severity <= Severity.SEV2,
        # Several forms share field names (title, text, reason): ids of their own, so each
        # label names its own field.
        "status_form": StatusForm(allowed=services.allowed_statuses(incident), auto_id="status-%s"),
        "severity_form": SeverityForm(
            initial={"severity": incident.severity}, auto_id="severity-%s"
        ),
        "task_form": TaskForm(auto_id="task-%s"),
        "note_form": NoteForm(auto_id="note-%s"),
        "statement_form": StatementForm(auto_id="statement-%s"),
        "freeze_form": FreezeForm(auto_id="freeze-%s"),
        "lift_form": LiftForm(auto_id="lift-%s"),
        "metrics": [
            (key, label, help_text, duration_label(value))
            for key, label, help_text, value in incident_metrics(incident)
        ],
        "review": PostIncidentReview.objects.filter(incident=incident).first(),
        "severity_definitions": severity_definitions(),
        "mention_picker": (
            user.has_perm("monitoring.view_mention") and incident.status != Status.REVIEWED
        ),
    }
    return render(request, "incidents/incident_detail.html", context)


@login_required
@require_GET
def incident_live(request, pk, section):
    """One section of the incident page, which the page reloads every few seconds."""
    if section not in LIVE_SECTIONS:
        raise Http404
    incident = _get_incident(request, pk)
    return render(
        request, f"incidents/_{section}.html", _section_context(request, incident, section)
    )


@login_required
@require_GET
def incident_markdown_export(request, pk):
    incident = _get_incident(request, pk)
    response = HttpResponse(
        incident_markdown(incident), content_type="text/markdown; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{incident.reference}.md"'
    return response


# --- Running it: one POST each, back to the page -------------------------------------------------


def _post_action(request, pk, anchor, call, success):
    incident = _get_incident(request, pk)
    try:
        call(incident)
    except ValidationError as exc:
        _error(request, exc)
    else:
        if success:
            messages.success(request, success)
    return redirect(_detail_url(incident, anchor))


@login_required
@require_POST
def incident_status(request, pk):
    incident = _get_incident(request, pk)
    require(request.user, "incident.run", incident)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect(_detail_url(incident))
    status = form.cleaned_data["status"]
    return _post_action(
        request,
        pk,
        "",
        lambda inc: services.incident_change_status(
            actor=request.user, incident=inc, status=status, reason=form.cleaned_data["reason"]
        ),
        _("Status: %(status)s.") % {"status": Status(status).label},
    )


@login_required
@require_POST
def incident_severity(request, pk):
    incident = _get_incident(request, pk)
    require(request.user, "incident.run", incident)
    form = SeverityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a severity from SEV1 to SEV4."))
        return redirect(_detail_url(incident))
    severity = form.cleaned_data["severity"]
    return _post_action(
        request,
        pk,
        "",
        lambda inc: services.incident_change_severity(
            actor=request.user, incident=inc, severity=severity, reason=form.cleaned_data["reason"]
        ),
        _("Severity: SEV%(sev)d.") % {"sev": severity},
    )


@login_required
@require_POST
def incident_edit(request, pk):
    incident = _get_incident(request, pk)
    require(request.user, "incident.run", incident)
    return _post_action(
        request,
        pk,
        "",
        lambda inc: services.incident_update(
            actor=request.user,
            incident=inc,
            title=request.POST.get("title", ""),
            summary=request.POST.get("summary", ""),
        ),
        _("Incident updated."),
    )


@login_required
@require_POST
def incident_role(request, pk):
    incident = _get_incident(request, pk)
    require(request.user, "incident.run", incident)
    role = request.POST.get("role", "")
    if role not in ROLE_FIELDS:
        raise Http404
    form = RoleForm(request.POST, prefix=role)
    form.data = form.data.copy()
    form.data[f"{role}-role"] = role
    if not form.is_valid():
        messages.error(request, _("Choose someone who can see incidents."))
        return redirect(_detail_url(incident, "roles"))
    person = form.cleaned_data["person"]
    return _post_action(
        request,
        pk,
        "roles",
        lambda inc: services.incident_assign_role(
            actor=request.user, incident=inc, role=role, person=person
        ),
        _("%(role)s: %(person)s.")
        % {"role": IncidentRole(role).label, "person": person or _("nobody")},
    )
