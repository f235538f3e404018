"""Training pages: modules, everyone's status, records, assignments, the CSV import."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from policies import selectors
from policies.forms import AssignForm, ImportForm, TrainingModuleForm, TrainingRecordForm
from policies.selectors import TrainingState
from policies.services import training
from policies.services.csv_import import training_records_import
from policies.views.policies import audience_label
from riskdesk import csv_export
from riskdesk.forms import add_service_errors
from riskdesk.permissions import can, require
from riskdesk.redirects import next_url

STATE_ORDER = {
    TrainingState.EXPIRED: 0,
    TrainingState.MISSING: 1,
    TrainingState.EXPIRING: 2,
    TrainingState.CURRENT: 3,
}


def _module(code: str):
    return get_object_or_404(selectors.training_modules(), code=code)


def _completion(statuses) -> dict[int, tuple[int, int]]:
    """Per module id: (people current, people expected)."""
    counts: dict[int, list[int]] = {}
    for status in statuses:
        entry = counts.setdefault(status.module.pk, [0, 0])
        entry[0] += status.is_current
        entry[1] += 1
    return {pk: (done, total) for pk, (done, total) in counts.items()}


@login_required
def training_list(request):
    require(request.user, "training.view")
    modules = list(selectors.training_modules().filter(is_active=True))
    mine = selectors.training_statuses(modules, selectors.directory(only=[request.user.pk]))
    mine.sort(key=lambda s: (STATE_ORDER[s.state], s.module.title))
    completion = {}
    can_report = can(request.user, "compliance.view")
    if can_report and modules:
        completion = _completion(selectors.training_statuses(modules, selectors.directory()))
    for module in modules:
        module.audience = audience_label(module)
        done, total = completion.get(module.pk, (0, 0))
        module.done, module.total = done, total
        module.percent = round(100 * done / total) if total else None
    return render(
        request,
        "policies/training_list.html",
        {
            "mine": mine,
            "modules": modules,
            "retired": selectors.training_modules().filter(is_active=False)
            if can(request.user, "training.manage")
            else [],
            "can_manage": can(request.user, "training.manage"),
            "can_report": can_report,
        },
    )


@login_required
def training_module_detail(request, code):
    require(request.user, "training.view")
    module = _module(code)
    statuses = None
    if can(request.user, "compliance.view"):
        statuses = selectors.training_statuses([module], selectors.directory())
        statuses.sort(key=lambda s: (STATE_ORDER[s.state], s.person.name))
    return render(
        request,
        "policies/training_module_detail.html",
        {
            "module": module,
            "audience": audience_label(module),
            "statuses": statuses,
            "done": sum(s.is_current for s in statuses or []),
            "can_manage": can(request.user, "training.manage"),
        },
    )


@login_required
def training_self_complete(request, code):
    """A self-service module: the person reads what it covers and says they completed it."""
    module = _module(code)
    require(request.user, "training.complete_self", module)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm you completed the training."))
        else:
            try:
                _record, outcome = training.training_self_complete(
                    actor=request.user, module=module
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                if outcome == "unchanged":
                    messages.info(request, _("Your completion today was already recorded."))
                else:
                    messages.success(
                        request,
                        _("Thank you: your completion of %(module)s is recorded.")
                        % {"module": module},
                    )
                return redirect(next_url(request) or "training_list")
    mine = selectors.training_statuses(
        [module], selectors.directory(only=[request.user.pk]), day=None
    )
    return render(
        request,
        "policies/training_self_complete.html",
        {
            "module": module,
            "status": next((s for s in mine if s.person.pk == request.user.pk), None),
            "next": next_url(request) or "",
            "expires_on": module.expiry_after(timezone.localdate()),
        },
    )


@login_required
def training_module_form(request, code=None):
    module = _module(code) if code else None
    require(request.user, "training.manage", module)
    form = TrainingModuleForm(request.POST or None, instance=module)
    if request.method == "POST" and form.is_valid():
        try:
            if module is None:
                module = training.training_module_create(actor=request.user, **form.cleaned_data)
            else:
                module = training.training_module_update(
                    actor=request.user, module=module, **form.cleaned_data
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Training module %(module)s saved.") % {"module": module})
            return redirect("training_module_detail", code=module.code)
    return render(request, "policies/training_module_form.html", {"form": form, "module": module})


@login_required
def training_assign(request, code):
    module = _module(code)
    require(request.user, "training.manage", module)
    form = AssignForm(
        request.POST or None,
        initial={"people": [p.pk for p in selectors.audience_of(module)]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            assignments = training.training_assign(
                actor=request.user,
                module=module,
                people=form.cleaned_data["people"],
                due_on=form.cleaned_data["due_on"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(count)d people asked to complete %(module)s; they have been told by e-mail.")
                % {"count": len(assignments), "module": module},
            )
            return redirect("training_module_detail", code=module.code)
    return render(request, "policies/training_assign.html", {"form": form, "module": module})


@login_required
def training_record_create(request):
    require(request.user, "training.manage")
    initial = {"completed_on": timezone.localdate()}
    if request.GET.get("module"):
        initial["module"] = selectors.training_modules().filter(code=request.GET["module"]).first()
    form = TrainingRecordForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            record, outcome = training.training_record_create(
                actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if outcome == "unchanged":
                messages.info(request, _("This completion was already recorded."))
            else:
                messages.success(
                    request,
                    _("Completion of %(module)s by %(person)s recorded.")
                    % {"module": record.module, "person": record.user},
                )
            return redirect("training_module_detail", code=record.module.code)
    return render(request, "policies/training_record_form.html", {"form": form})


@login_required
def training_import(request):
    require(request.user, "training.manage")
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = training_records_import(actor=request.user, content=upload)
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(
        request,
        "policies/training_import.html",
        {"form": form, "report": report},
        status=400 if form.errors else 200,
    )


@login_required
def training_overdue(request):
    """Everyone whose training is expired, missing past its due date, or expiring soon."""
    require(request.user, "compliance.view")
    people = selectors.directory()
    statuses = [
        s
        for s in selectors.training_statuses(selectors.training_modules(), people)
        if s.overdue or s.state == TrainingState.EXPIRING or (s.due_on and not s.is_current)
    ]
    statuses.sort(key=lambda s: (not s.overdue, STATE_ORDER[s.state], s.person.name))
    team_names = {team.pk: team.name for team in people.teams}
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="training-overdue-{stamp}.csv"'
        writer = csv_export.writer(response)
        writer.writerow(
            ["name", "email", "teams", "module", "state", "overdue", "expires_on", "due_on"]
        )
        for s in statuses:
            teams = "; ".join(sorted(team_names[t] for t in s.person.team_ids))
            writer.writerow(
                [
                    s.person.name,
                    s.person.email,
                    teams,
                    s.module.code,
                    s.state,
                    "yes" if s.overdue else "no",
                    s.expires_on or "",
                    s.due_on or "",
                ]
            )
        return response
    for s in statuses:
        s.teams = sorted(team_names[t] for t in s.person.team_ids)
    return render(
        request,
        "policies/training_overdue.html",
        {"statuses": statuses, "overdue": sum(s.overdue for s in statuses)},
    )
