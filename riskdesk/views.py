from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import EmploymentStatus, Team, TeamMembership, User
from advocacy.dashboard import dashboard_card as advocacy_card
from compliance.dashboard import dashboard_card as compliance_card
from incidents.dashboard import dashboard_card as incidents_card
from monitoring.dashboard import dashboard_risk
from monitoring.models import Stream, StreamStatus
from offboarding.dashboard import dashboard_card as offboarding_card
from policies.dashboard import dashboard_card as policies_card
from publishing.dashboard import dashboard_card as publishing_card
from riskdesk.dashboard_cards import kept_cards
from riskdesk.filters import AuditEventFilter
from riskdesk.health import health_report
from riskdesk.htmx import render_page
from riskdesk.models import AuditEvent
from riskdesk.permissions import can, require
from riskdesk.selectors import audit_page, name_targets

ATTENTION_SHOWN = 8
NEEDS_ATTENTION = [StreamStatus.STOPPED, StreamStatus.FAILING]


def _count(queryset) -> Coalesce:
    """The number of rows of `queryset`, as a scalar subquery (see `_dashboard_counts`)."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted[:1]), 0)


def _dashboard_counts(user, *, monitoring: bool) -> dict[str, int]:
    """Every count the dashboard shows, read in a single query.

    Each count is a scalar subquery selected alongside the signed-in person's
    own row (which always exists), so adding a count never adds a query.
    """
    counts = {
        "active": _count(User.objects.filter(employment_status=EmploymentStatus.ACTIVE)),
        "departed": _count(User.objects.filter(employment_status=EmploymentStatus.DEPARTED)),
        "without_role": _count(User.objects.filter(groups=None, is_active=True)),
    }
    if monitoring:
        counts |= {
            f"streams_{status}": _count(Stream.objects.filter(status=status))
            for status in StreamStatus.values
        } | {
            "streams_attention": _count(
                Stream.objects.filter(status__in=NEEDS_ATTENTION, enabled=True)
            ),
        }
    return User.objects.filter(pk=user.pk).values(**counts).get()


def _streams_summary(counts: dict[str, int]) -> dict:
    """Streams by status and the streams that need a fix."""
    attention = Stream.objects.filter(status__in=NEEDS_ATTENTION, enabled=True).order_by(
        Case(
            When(status=StreamStatus.STOPPED, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        F("last_error_at").desc(nulls_last=True),
        "name",
    )[:ATTENTION_SHOWN]
    return {
        # (status, label, count, a warning when not zero)
        "statuses": [
            (StreamStatus.OK.value, _("Healthy"), counts["streams_ok"], False),
            (StreamStatus.FAILING.value, _("Failing"), counts["streams_failing"], True),
            (
                StreamStatus.RATE_LIMITED.value,
                _("Rate limited"),
                counts["streams_rate_limited"],
                False,
            ),
            (StreamStatus.STOPPED.value, _("Stopped"), counts["streams_stopped"], True),
        ],
        "attention": list(attention),
        "attention_more": max(0, counts["streams_attention"] - ATTENTION_SHOWN),
    }


def _overview_card(user) -> dict:
    """People, teams and, for who may see them, streams: the cards above the others."""
    show_monitoring = can(user, "stream.view")
    counts = _dashboard_counts(user, monitoring=show_monitoring)
    mine = TeamMembership.objects.filter(team=OuterRef("pk"), user=user)
    teams = list(
        Team.objects.annotate(member_count=Count("memberships"), is_mine=Exists(mine)).order_by(
            "name"
        )
    )
    return {
        "people": {k: counts[k] for k in ("active", "departed", "without_role")},
        "teams": teams,
        "my_teams": [team for team in teams if team.is_mine],
        "streams": _streams_summary(counts) if show_monitoring else None,
    }


@login_required
def dashboard(request):
    risk = dashboard_risk(request.user)
    cards = kept_cards(
        request.user,
        {
            "accounts": _overview_card,
            "incidents": incidents_card,
            "compliance": compliance_card,
            "publishing": publishing_card,
            "policies": policies_card,
            "offboarding": offboarding_card,
            "advocacy": advocacy_card,
        },
    )
    overview = cards.pop("accounts")
    monitoring = overview["streams"]
    if monitoring is not None:  # with the last 24 hours' mentions from the risk cards' figures
        monitoring = {**monitoring, "mentions_24h": risk["mentions_24h"] if risk else 0}
    recent_events = None
    if can(request.user, "audit.view"):
        recent_events = list(AuditEvent.objects.select_related("target_type")[:10])
        name_targets(recent_events, viewer=request.user)
    return render(
        request,
        "riskdesk/dashboard.html",
        {
            "people": overview["people"],
            "teams": overview["teams"],
            "my_teams": overview["my_teams"],
            "recent_events": recent_events,
            "monitoring": monitoring,
            "risk": risk,
            "policies_card": cards.pop("policies"),
            **cards,
        },
    )


@login_required
def audit_list(request):
    require(request.user, "audit.view")
    filterset = AuditEventFilter(
        request.GET, queryset=AuditEvent.objects.select_related("target_type")
    )
    # Sign-ins grouped per person and day, mentions named for who may read them.
    page = audit_page(filterset.qs, request.GET.get("before"), viewer=request.user)
    return render_page(
        request,
        "riskdesk/audit_list.html",
        "riskdesk/_audit_rows.html",
        {"filter": filterset, "page": page},
    )


@login_required
def audit_detail(request, pk):
    require(request.user, "audit.view")
    event = get_object_or_404(AuditEvent.objects.select_related("target_type"), pk=pk)
    name_targets([event], viewer=request.user)
    return render(request, "riskdesk/audit_detail.html", {"event": event})


@never_cache
@require_GET
def healthz(request):
    ok, checks = health_report(request.user)
    return JsonResponse({"status": "ok" if ok else "fail", **checks}, status=200 if ok else 503)


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    context = {"can_search_mentions": signed_in and can(user, "mention.view")}
    return render(request, "404.html", context, status=404)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return JsonResponse(
            {"detail": _("You do not have permission to perform this action.")}, status=403
        )
    return render(request, "403.html", status=403)


def server_error(request):
    """Rendered without the request's context processors, which may read the database:
    the error may be the database itself."""
    if _wants_json(request):
        return JsonResponse({"detail": _("Server error.")}, status=500)
    try:
        body = loader.get_template("500.html").render()
    except Exception:  # the last answer must not fail in turn
        body = "<!DOCTYPE html><title>Server error</title><h1>Server error</h1>"
    return HttpResponseServerError(body)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): JSON for the API, else the page."""
    from axes.helpers import get_cool_off

    status = settings.AXES_HTTP_RESPONSE_CODE
    if _wants_json(request):
        return JsonResponse(
            {"detail": _("Too many failed attempts: try again later.")}, status=status
        )
    context = {"cooloff_timedelta": get_cool_off(request)}
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=status)


def csrf_failure(request, reason=""):
    if _wants_json(request):
        return JsonResponse({"detail": _("CSRF check failed: %s") % reason}, status=403)
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
