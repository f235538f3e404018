"""The reports page, its printable copy, its downloads, and the weekly report's subscribers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reports import charts, exports, selectors, services
from reports.forms import SubscriptionForm
from reports.models import ReportSubscription
from riskdesk.permissions import can, require

KINDS = ("csv", "jsonl")


def _sentiment_legend():
    return [
        ("bar--negative", _("Negative (hatched)")),
        ("bar--neutral", _("Neutral (plain)")),
        ("bar--positive", _("Positive (dotted)")),
    ]


def _charts(report) -> dict:
    duration = selectors.duration_label
    voice_rows = [
        (row["label"] or _("The brand"), row["count"], f"{row['count']} ({row['share'] or 0:g} %)")
        for row in report.voice
    ]
    return {
        "over_time": charts.columns(
            _("Mentions by day") if report.period.bucket == "day" else _("Mentions by week"),
            [(f"{row['day']:%d/%m}", row["total"], str(row["total"])) for row in report.over_time],
        ),
        "networks": charts.stacked(_("Sentiment by network"), report.networks, _sentiment_legend()),
        "streams": charts.stacked(_("Sentiment by stream"), report.streams, _sentiment_legend()),
        "reasons": charts.horizontal(
            _("Mentions by risk reason"),
            [(row["label"], row["count"], str(row["count"])) for row in report.reasons],
        ),
        "voice": charts.horizontal(_("Share of voice"), voice_rows),
        "teams": charts.horizontal(
            _("Median first response by team"),
            [
                (
                    row["label"] or _("No team"),
                    row["first_response_p50"] or 0,
                    duration(row["first_response_p50"]),
                )
                for row in report.teams
            ],
        ),
    }


def _report_context(request):
    require(request.user, "report.view")
    period, errors = selectors.parse_period(request.GET)
    report = selectors.shared_report(request.user, period)
    return {
        "report": report,
        "report_ttl": selectors.REPORT_TTL,
        "charts": SimpleLazyObject(lambda: _charts(report)),  # drawn when the page is not kept
        "errors": errors,
        "presets": selectors.PRESETS,
        "preset": request.GET.get("preset", ""),
        "query": period.query(),
        "can_subscriptions": can(request.user, "report.subscriptions"),
        "can_audit": can(request.user, "audit.view"),
        "max_days": selectors.MAX_DAYS,
        "sentiment_sections": [
            ("networks", report.networks, _("Volume and sentiment by network")),
            ("streams", report.streams, _("Volume and sentiment by stream")),
        ],
        "time_sections": [
            ("teams", report.teams, _("Response and resolution times by team")),
            ("people", report.people, _("Response and resolution times by person")),
        ],
        "inbox_query": request.GET.get("inbox", ""),
    }


@login_required
@require_GET
def report_page(request):
    return render(request, "reports/report.html", _report_context(request))


@login_required
@require_GET
def report_print(request):
    return render(request, "reports/print.html", _report_context(request))


@login_required
@require_GET
def report_section_csv(request, section):
    response = exports.section_download(request.user, request.GET, section)
    if response is None:
        raise Http404
    return response


@login_required
@require_GET
def mentions_export(request, kind):
    if kind not in KINDS:
        raise Http404
    try:
        return exports.mentions_download(request.user, request.GET, kind)
    except ValidationError:
        return HttpResponseBadRequest(_("These filters are not valid."))


@login_required
@require_GET
def audit_export(request, kind):
    if kind not in KINDS:
        raise Http404
    try:
        return exports.audit_download(request.user, request.GET, kind)
    except ValidationError:
        return HttpResponseBadRequest(_("These filters are not valid."))


@login_required
def subscription_list(request):
    require(request.user, "report.subscriptions")
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.subscription_add(actor=request.user, user=form.cleaned_data["user"])
        except ValueError as error:
            form.add_error("user", str(error))
        else:
            messages.success(request, _("They will receive the weekly report."))
            return redirect("report_subscriptions")
    subscriptions = ReportSubscription.objects.select_related("user", "added_by")
    return render(
        request,
        "reports/subscriptions.html",
        {"form": form, "subscriptions": subscriptions},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def subscription_delete(request, pk):
    require(request.user, "report.subscriptions")
    subscription = get_object_or_404(ReportSubscription, pk=pk)
    services.subscription_remove(actor=request.user, subscription=subscription)
    messages.success(
        request,
        _("%(name)s will no longer receive the weekly report.") % {"name": subscription.user},
    )
    return redirect("report_subscriptions")
