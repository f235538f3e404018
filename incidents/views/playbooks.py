"""Playbook pages: everyone with incidents reads them, admins edit them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from incidents.forms import PlaybookForm, StepFormSet
from incidents.models import Playbook
from incidents.services import playbooks
from riskdesk.forms import add_service_errors
from riskdesk.permissions import can, require


@login_required
def playbook_list(request):
    require(request.user, "playbook.view")
    items = Playbook.objects.annotate(step_count=Count("steps")).order_by("-is_active", "name")
    return render(
        request,
        "incidents/playbook_list.html",
        {"playbooks": items, "can_manage": can(request.user, "playbook.manage")},
    )


@login_required
def playbook_detail(request, pk):
    require(request.user, "playbook.view")
    playbook = get_object_or_404(Playbook, pk=pk)
    return render(
        request,
        "incidents/playbook_detail.html",
        {
            "playbook": playbook,
            "steps": playbook.steps.order_by("position", "id"),
            "can_manage": can(request.user, "playbook.manage"),
        },
    )


def _steps_from(formset) -> list[dict]:
    kept = []
    for form in formset:
        data = form.cleaned_data
        if not data or data.get("DELETE") or not (data.get("title") or "").strip():
            continue
        kept.append({k: v for k, v in data.items() if k != "DELETE"})
    return kept


def _edit(request, playbook: Playbook | None):
    require(request.user, "playbook.manage", playbook)
    if request.method == "POST":
        form = PlaybookForm(request.POST, instance=playbook or Playbook())
        steps = StepFormSet(request.POST, prefix="steps")
        if form.is_valid() and steps.is_valid():
            fields = {k: form.cleaned_data[k] for k in PlaybookForm.Meta.fields}
            try:
                if playbook is None:
                    playbook = playbooks.playbook_create(
                        actor=request.user, steps=_steps_from(steps), **fields
                    )
                else:
                    playbook = playbooks.playbook_update(
                        actor=request.user, playbook=playbook, steps=_steps_from(steps), **fields
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Playbook “%(name)s” saved.") % {"name": playbook.name})
                return redirect("playbook_detail", pk=playbook.pk)
    else:
        form = PlaybookForm(instance=playbook)
        initial = (
            list(
                playbook.steps.order_by("position", "id").values(
                    "title", "role", "due_minutes", "policy_reference", "instructions"
                )
            )
            if playbook
            else []
        )
        steps = StepFormSet(prefix="steps", initial=initial)
    return render(
        request,
        "incidents/playbook_form.html",
        {"form": form, "steps": steps, "playbook": playbook},
    )


@login_required
def playbook_create(request):
    return _edit(request, None)


@login_required
def playbook_edit(request, pk):
    return _edit(request, get_object_or_404(Playbook, pk=pk))


@login_required
@require_POST
def playbook_delete(request, pk):
    playbook = get_object_or_404(Playbook, pk=pk)
    require(request.user, "playbook.manage", playbook)
    playbooks.playbook_delete(actor=request.user, playbook=playbook)
    messages.success(request, _("Playbook deleted. Incidents that used it keep their tasks."))
    return redirect("playbook_list")
