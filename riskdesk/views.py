from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import EmploymentStatus, Team, User
from riskdesk.filters import AuditEventFilter
from riskdesk.health import health_report
from riskdesk.htmx import render_page
from riskdesk.models import AuditEvent
from riskdesk.pagination import keyset_page
from riskdesk.permissions import can, require


@login_required
def dashboard(request):
    people = User.objects.aggregate(
        active=Count("pk", filter=Q(employment_status=EmploymentStatus.ACTIVE)),
        departed=Count("pk", filter=Q(employment_status=EmploymentStatus.DEPARTED)),
        without_role=Count("pk", filter=Q(groups=None, is_active=True)),
    )
    teams = Team.objects.annotate(member_count=Count("memberships")).order_by("name")
    recent_events = None
    if can(request.user, "audit.view"):
        recent_events = AuditEvent.objects.select_related("target_type")[:10]
    return render(
        request,
        "riskdesk/dashboard.html",
        {
            "people": people,
            "teams": teams,
            "my_teams": request.user.teams.order_by("name"),
            "recent_events": recent_events,
        },
    )


@login_required
def audit_list(request):
    require(request.user, "audit.view")
    filterset = AuditEventFilter(
        request.GET, queryset=AuditEvent.objects.select_related("target_type")
    )
    page = keyset_page(filterset.qs, request.GET.get("before"))
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
    return render(request, "riskdesk/audit_detail.html", {"event": event})


@never_cache
@require_GET
def healthz(request):
    ok, checks = health_report()
    return JsonResponse({"status": "ok" if ok else "fail", **checks}, status=200 if ok else 503)


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return JsonResponse(
            {"detail": _("You do not have permission to perform this action.")}, status=403
        )
    return render(request, "403.html", status=403)


def server_error(request):
    if _wants_json(request):
        return JsonResponse({"detail": _("Server error.")}, status=500)
    return render(request, "500.html", status=500)


def csrf_failure(request, reason=""):
    if _wants_json(request):
        return JsonResponse({"detail": _("CSRF check failed: %s") % reason}, status=403)
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
