"""The settings pages under /settings/: thin, each write is one workspace.services call."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Team
from inbox import services as inbox_services
from inbox.models import Holiday, ReplyTemplate, SlaTarget, TeamHours
from monitoring.models import Mention
from riskdesk.forms import add_service_errors
from riskdesk.permissions import require
from workspace import selectors, services
from workspace.forms import (
    HolidayForm,
    OrganisationForm,
    ReplyTemplateForm,
    SlaTargetForm,
    TeamHoursForm,
)

# The mention a template preview is rendered for: made up, never read from the database.
SAMPLE_MENTION = {"pk": 1042, "author_handle": "sample_customer", "author_name": "Sam Sample"}


@login_required
def hub(request):
    entries = selectors.hub_entries(request.user)
    if not entries:
        raise PermissionDenied("settings")
    return render(request, "workspace/hub.html", {"entries": entries})


# --- Organisation ---------------------------------------------------------------------------


@login_required
def organisation(request):
    require(request.user, "organisation.manage")
    org = selectors.organisation()
    initial = {"brand_name": org.brand_name, "timezone": org.timezone, "languages": org.languages}
    form = OrganisationForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.organisation_update(
                actor=request.user,
                brand_name=data["brand_name"],
                timezone=data["timezone"],
                languages=data["languages"],
                logo=data["logo"] or None,
                remove_logo=data["remove_logo"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Organisation settings saved."))
            return redirect("workspace_organisation")
    return render(request, "workspace/organisation.html", {"form": form, "org": org})


@login_required
def organisation_logo(request):
    """The logo, re-drawn as PNG when it was uploaded; served with no power to run anything."""
    org = selectors.organisation()
    if not org.logo:
        raise Http404
    try:
        handle = org.logo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/png")
    response["Content-Disposition"] = 'inline; filename="logo.png"'
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- SLA targets ----------------------------------------------------------------------------


@login_required
def sla_list(request):
    require(request.user, "sla.manage")
    return render(request, "workspace/sla_list.html", {"targets": selectors.sla_targets()})


@login_required
def sla_form(request, pk=None):
    require(request.user, "sla.manage")
    target = get_object_or_404(SlaTarget, pk=pk) if pk else None
    form = SlaTargetForm.for_target(target, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if target is None:
                saved = services.sla_target_create(actor=request.user, **form.cleaned_data)
            else:
                saved = services.sla_target_update(
                    actor=request.user, target=target, **form.cleaned_data
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("SLA target %(target)s saved.") % {"target": saved})
            return redirect("workspace_sla_list")
    return render(request, "workspace/sla_form.html", {"form": form, "target": target})


@login_required
@require_POST
def sla_delete(request, pk):
    require(request.user, "sla.manage")
    target = get_object_or_404(SlaTarget, pk=pk)
    services.sla_target_delete(actor=request.user, target=target)
    messages.success(request, _("SLA target %(target)s deleted.") % {"target": target})
    return redirect("workspace_sla_list")


# --- Business hours and holidays ------------------------------------------------------------


@login_required
def hours_list(request):
    require(request.user, "sla.manage")
    return render(request, "workspace/hours_list.html", {"teams": selectors.teams_with_hours()})


@login_required
def hours_form(request, team_id):
    require(request.user, "sla.manage")
    team = get_object_or_404(Team, pk=team_id)
    hours = TeamHours.objects.filter(team=team).first()
    if hours is not None:
        initial = {
            "timezone": hours.timezone,
            "weekdays": hours.weekdays,
            "opens": hours.opens,
            "closes": hours.closes,
        }
    else:
        initial = {
            "timezone": selectors.organisation().timezone,
            "weekdays": [0, 1, 2, 3, 4],
            "opens": "09:00",
            "closes": "17:00",
        }
    form = TeamHoursForm(
        request.POST if request.POST.get("form") == "hours" else None, initial=initial
    )
    holiday_form = HolidayForm(request.POST if request.POST.get("form") == "holiday" else None)
    if request.method == "POST" and form.is_bound and form.is_valid():
        try:
            services.team_hours_set(actor=request.user, team=team, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Business hours of %(team)s saved.") % {"team": team})
            return redirect("workspace_hours_form", team_id=team.pk)
    if request.method == "POST" and holiday_form.is_bound and holiday_form.is_valid():
        try:
            services.holiday_add(actor=request.user, team=team, **holiday_form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(holiday_form, exc)
        else:
            messages.success(request, _("Holiday added."))
            return redirect("workspace_hours_form", team_id=team.pk)
    return render(
        request,
        "workspace/hours_form.html",
        {
            "team": team,
            "hours": hours,
            "form": form,
            "holiday_form": holiday_form,
            "holidays": Holiday.objects.filter(team=team).order_by("date"),
        },
    )


@login_required
@require_POST
def hours_clear(request, team_id):
    require(request.user, "sla.manage")
    team = get_object_or_404(Team, pk=team_id)
    services.team_hours_clear(actor=request.user, team=team)
    messages.success(request, _("%(team)s now works round the clock.") % {"team": team})
    return redirect("workspace_hours_form", team_id=team.pk)


@login_required
@require_POST
def holiday_delete(request, pk):
    require(request.user, "sla.manage")
    holiday = get_object_or_404(Holiday.objects.select_related("team"), pk=pk)
    services.holiday_delete(actor=request.user, holiday=holiday)
    messages.success(request, _("Holiday removed."))
    return redirect("workspace_hours_form", team_id=holiday.team_id)


# --- Reply templates ------------------------------------------------------------------------


@login_required
def template_list(request):
    require(request.user, "reply_template.manage")
    languages = selectors.organisation_language_choices()
    chosen = request.GET.get("language", "")
    templates = ReplyTemplate.objects.order_by("language", "-is_active", "name")
    if chosen:
        templates = templates.filter(language=chosen)
    return render(
        request,
        "workspace/template_list.html",
        {"templates": templates, "languages": languages, "chosen": chosen},
    )


@login_required
def template_form(request, pk=None):
    require(request.user, "reply_template.manage")
    template = get_object_or_404(ReplyTemplate, pk=pk) if pk else None
    initial = {"is_active": True, "language": request.GET.get("language", "")}
    if template is not None:
        initial = {name: getattr(template, name) for name in services.TEMPLATE_FIELDS}
    form = ReplyTemplateForm(
        request.POST or None,
        initial=initial,
        current_language=template.language if template else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if template is None:
                saved = services.reply_template_create(actor=request.user, **form.cleaned_data)
            else:
                saved = services.reply_template_update(
                    actor=request.user, template=template, **form.cleaned_data
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Reply template %(name)s saved.") % {"name": saved})
            return redirect("workspace_templates")
    body = form["body"].value() or ""
    return render(
        request,
        "workspace/template_form.html",
        {"form": form, "template": template, "preview": _preview(body)},
    )


@login_required
@require_POST
def template_active(request, pk):
    require(request.user, "reply_template.manage")
    template = get_object_or_404(ReplyTemplate, pk=pk)
    active = request.POST.get("active") == "1"
    services.reply_template_update(actor=request.user, template=template, is_active=active)
    if active:
        messages.success(request, _("Reply template %(name)s is active.") % {"name": template})
    else:
        messages.success(request, _("Reply template %(name)s deactivated.") % {"name": template})
    return redirect("workspace_templates")


def _preview(body: str) -> dict:
    """The template's text for a sample mention, or why it cannot be rendered."""
    if not body.strip():
        return {"text": "", "error": ""}
    try:
        inbox_services.template_body_check(body)
    except ValidationError as exc:
        return {"text": "", "error": " ".join(exc.messages)}
    sample = Mention(**SAMPLE_MENTION)
    return {"text": inbox_services.template_render(ReplyTemplate(body=body), sample), "error": ""}


@login_required
@require_POST
def template_preview(request):
    """The live preview (htmx): the body rendered for a sample mention, escaped."""
    require(request.user, "reply_template.manage")
    body = request.POST.get("body", "")[:5000]
    return render(request, "workspace/_template_preview.html", {"preview": _preview(body)})
