"""Pages for offboarding cases, access grants, the access review and brand accounts.

Thin: parse the request, call one service, render or redirect with a message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from offboarding import selectors, services
from offboarding.filters import CaseFilter, GrantFilter
from offboarding.forms import (
    AccessGrantForm,
    BrandAccountForm,
    CaseOpenForm,
    GrantImportForm,
    GrantRevokeForm,
    TaskAddForm,
    TaskAssignForm,
    TaskCompleteForm,
    active_people,
)
from offboarding.models import (
    AccessGrant,
    BrandAccount,
    OffboardingCase,
    OffboardingTask,
    RevocationAttempt,
    TaskKind,
)
from riskdesk.forms import add_service_errors
from riskdesk.htmx import render_page
from riskdesk.pagination import keyset_page
from riskdesk.permissions import can, require

# --- Offboarding cases ---------------------------------------------------------------------------

DRAFT_KEY = "offboarding_task_draft"  # a refused "mark done": its task, text and errors


@login_required
def case_list(request):
    require(request.user, "offboarding.view")
    filterset = CaseFilter(request.GET, queryset=selectors.cases_with_progress())
    page = keyset_page(filterset.qs, request.GET.get("before"))
    return render_page(
        request,
        "offboarding/case_list.html",
        "offboarding/_case_rows.html",
        {"filter": filterset, "page": page, "can_open": can(request.user, "offboarding.open")},
    )


@login_required
def case_open(request):
    require(request.user, "offboarding.open")
    initial = {"person": request.GET.get("person")} if request.GET.get("person") else None
    form = CaseOpenForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            case, created = services.offboarding_case_open(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if created:
                messages.success(
                    request,
                    _("Offboarding of %(person)s opened: their riskdesk access has ended.")
                    % {"person": case.person},
                )
            else:
                messages.warning(
                    request,
                    _("%(person)s already has an open offboarding case: here it is.")
                    % {"person": case.person},
                )
            return redirect("offboarding_case_detail", pk=case.pk)
    return render(request, "offboarding/case_form.html", {"form": form})


@login_required
def case_detail(request, pk):
    require(request.user, "offboarding.view")
    tasks = OffboardingTask.objects.select_related(
        "assignee", "done_by", "new_owner", "account", "grant__account"
    ).prefetch_related(Prefetch("calls", queryset=RevocationAttempt.objects.order_by("-at", "-pk")))
    case = get_object_or_404(
        selectors.cases_with_progress()
        .select_related("identity_provider")
        .prefetch_related(Prefetch("tasks", queryset=tasks)),
        pk=pk,
    )
    groups = []
    for kind, label in TaskKind.choices:
        theirs = [t for t in case.tasks.all() if t.kind == kind]
        if theirs:
            groups.append((kind, label, theirs))
    can_work = can(request.user, "offboarding.work", case) and case.is_open
    draft = request.session.pop(DRAFT_KEY, None)
    for task in case.tasks.all():
        task.draft = draft if draft and draft.get("task") == task.pk else None
    return render(
        request,
        "offboarding/case_detail.html",
        {
            "case": case,
            "groups": groups,
            "can_work": can_work,
            "people": list(active_people().exclude(pk=case.person_id)) if can_work else [],
            "add_form": TaskAddForm(),
        },
    )


def _task(request, pk) -> OffboardingTask:
    require(request.user, "offboarding.view")
    return get_object_or_404(OffboardingTask.objects.select_related("case"), pk=pk)


def _after_task(
    request, task, exc: ValidationError | None, done_message: str, evidence: str | None = None
):
    if exc is not None and evidence is not None:
        # A refused "mark done" shows in the task's own row, with what was typed.
        request.session[DRAFT_KEY] = {
            "task": task.pk,
            "evidence": evidence,
            "errors": [str(m) for m in exc.messages],
        }
    elif exc is not None:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done_message)
    return redirect(f"/offboarding/{task.case_id}/#task-{task.pk}")


@login_required
@require_POST
def task_complete(request, pk):
    task = _task(request, pk)
    require(request.user, "offboarding.work", task.case)
    form = TaskCompleteForm(request.POST, request.FILES)
    error = None
    if not form.is_valid():
        error = ValidationError([e for errs in form.errors.values() for e in errs])
    else:
        try:
            services.offboarding_task_complete(
                actor=request.user,
                task=task,
                evidence=form.cleaned_data["evidence"],
                screenshot=form.cleaned_data["screenshot"],
                new_owner=form.cleaned_data["new_owner"],
            )
        except ValidationError as exc:
            error = exc
    return _after_task(
        request,
        task,
        error,
        _("Done: %(task)s") % {"task": task.title},
        evidence=request.POST.get("evidence", "")[:5000],
    )


@login_required
@require_POST
def task_retry(request, pk):
    task = _task(request, pk)
    try:
        services.offboarding_task_retry(actor=request.user, task=task)
    except ValidationError as exc:
        return _after_task(request, task, exc, "")
    return _after_task(request, task, None, _("Retry queued: %(task)s") % {"task": task.title})


@login_required
@require_POST
def task_assign(request, pk):
    task = _task(request, pk)
    form = TaskAssignForm(request.POST)
    error = None
    if not form.is_valid():
        error = ValidationError(_("Choose someone from the list."))
    else:
        try:
            services.offboarding_task_assign(
                actor=request.user, task=task, assignee=form.cleaned_data["assignee"]
            )
        except ValidationError as exc:
            error = exc
    return _after_task(request, task, error, _("Assignee changed: %(task)s") % {"task": task.title})


@login_required
@require_POST
def task_add(request, pk):
    require(request.user, "offboarding.view")
    case = get_object_or_404(OffboardingCase, pk=pk)
    form = TaskAddForm(request.POST)
    if form.is_valid():
        try:
            services.offboarding_task_add(
                actor=request.user, case=case, title=form.cleaned_data["title"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Task added."))
    else:
        messages.error(request, _("Say what must be done."))
    return redirect("offboarding_case_detail", pk=case.pk)


@login_required
def task_screenshot(request, pk):
    """The evidence screenshot, only to people who may see the case; never from /media/."""
    task = _task(request, pk)
    if not task.evidence_file:
        raise Http404
    try:
        handle = task.evidence_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=_image_type(task.evidence_file.name))
    response["Content-Disposition"] = f'inline; filename="evidence-{task.pk}"'
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _image_type(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower()
    return {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}.get(
        ext, "application/octet-stream"
    )


# --- Access grants -------------------------------------------------------------------------------


@login_required
def grant_list(request):
    require(request.user, "access_grant.view")
    queryset = AccessGrant.objects.select_related("person", "account", "granted_by", "revoked_by")
    filterset = GrantFilter(request.GET, queryset=queryset)
    page = keyset_page(filterset.qs, request.GET.get("before"))
    return render_page(
        request,
        "offboarding/access_grant_list.html",
        "offboarding/_grant_rows.html",
        {"filter": filterset, "page": page, "can_manage": can(request.user, "access_grant.manage")},
    )


@login_required
def grant_form(request, pk=None):
    grant = get_object_or_404(AccessGrant, pk=pk) if pk else None
    require(request.user, "access_grant.manage", grant)
    form = AccessGrantForm(request.POST or None, instance=grant)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if grant is None:
                saved = services.access_grant_create(actor=request.user, **data)
            else:
                changes = {k: data[k] for k in ("level", "tool", "external_login", "note")}
                if data.get("granted_at"):
                    changes["granted_at"] = data["granted_at"]
                saved = services.access_grant_update(actor=request.user, grant=grant, **changes)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Access saved: %(grant)s") % {"grant": saved})
            return redirect("access_grant_list")
    return render(request, "offboarding/access_grant_form.html", {"form": form, "grant": grant})


@login_required
def grant_revoke(request, pk):
    grant = get_object_or_404(AccessGrant.objects.select_related("person", "account"), pk=pk)
    require(request.user, "access_grant.manage", grant)
    form = GrantRevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.access_grant_revoke(
                actor=request.user, grant=grant, evidence=form.cleaned_data["evidence"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Access revoked: %(grant)s") % {"grant": grant})
            return redirect("access_grant_list")
    return render(request, "offboarding/access_grant_revoke.html", {"form": form, "grant": grant})


@login_required
def grant_import(request):
    require(request.user, "access_grant.manage")
    form = GrantImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.access_grants_import(
                actor=request.user,
                data=form.cleaned_data["file"].read(services.MAX_IMPORT_BYTES + 1),
                all_or_nothing=form.cleaned_data["mode"] == "all_or_nothing",
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(
        request,
        "offboarding/access_grant_import.html",
        {"form": form, "result": result, "columns": services.CSV_COLUMNS},
    )


@login_required
def access_review(request):
    require(request.user, "access_review.view")
    findings = selectors.access_review()
    if request.GET.get("format") == "csv":
        response = HttpResponse(selectors.access_review_csv(findings), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="access-review.csv"'
        return response
    counts = {}
    for finding in findings:
        counts[finding.label] = counts.get(finding.label, 0) + 1
    return render(
        request, "offboarding/access_grant_review.html", {"findings": findings, "counts": counts}
    )


# --- Brand accounts ------------------------------------------------------------------------------


@login_required
def brand_account_list(request):
    require(request.user, "brand_account.view")
    accounts = BrandAccount.objects.select_related(
        "team", "recovery_phone_owner", "revocation_connection"
    ).annotate(
        impostor_count=selectors.impostor_count(request.user),
        active_grants=Count(
            "access_grants", filter=Q(access_grants__revoked_at=None), distinct=True
        ),
    )
    return render(
        request,
        "offboarding/brand_account_list.html",
        {
            "accounts": accounts.order_by("platform", "handle", "pk"),
            "can_manage": can(request.user, "brand_account.manage"),
            "can_see_access": can(request.user, "access_grant.view"),
        },
    )


@login_required
def brand_account_form(request, pk=None):
    account = get_object_or_404(BrandAccount, pk=pk) if pk else None
    require(request.user, "brand_account.manage", account)
    form = BrandAccountForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        try:
            if account is None:
                saved = services.brand_account_create(actor=request.user, **form.cleaned_data)
            else:
                saved = services.brand_account_update(
                    actor=request.user, account=account, **form.cleaned_data
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Brand account %(account)s saved.") % {"account": saved})
            return redirect("brand_account_list")
    return render(
        request, "offboarding/brand_account_form.html", {"form": form, "account": account}
    )


@login_required
@require_POST
def brand_account_set_active(request, pk):
    account = get_object_or_404(BrandAccount, pk=pk)
    require(request.user, "brand_account.manage", account)
    active = request.POST.get("is_active") == "1"
    saved = services.brand_account_update(actor=request.user, account=account, is_active=active)
    if active:
        message = _("%(account)s is active again.")
    else:
        message = _("%(account)s is deactivated: impersonation detection ignores it.")
    messages.success(request, message % {"account": saved})
    return redirect("brand_account_list")
