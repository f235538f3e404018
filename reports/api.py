"""The reports through the API: the summary's figures as JSON, and the streamed exports."""

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from reports import exports, selectors
from riskdesk.rest import ActionPermission

PERIOD = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (YYYY-MM-DD)."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, included."),
    OpenApiParameter("preset", str, enum=[key for key, _label in selectors.PRESETS]),
]
KIND = [OpenApiParameter("as", str, enum=["csv", "jsonl"], description="File format (csv).")]


def _kind(request) -> str:
    kind = request.query_params.get("as", "csv")
    if kind not in ("csv", "jsonl"):
        raise ApiValidationError({"as": "csv or jsonl"})
    return kind


class ReportViewSet(viewsets.ViewSet):
    """The report's figures on a period and the exports (the pages' own filters)."""

    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "summary": "report.view",
        "mentions": "report.view",
        "sections": "report.view",
        "audit": "audit.view",
    }

    @extend_schema(parameters=PERIOD, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["get"])
    def summary(self, request):
        """Every figure of the reports page; `messages` says what was wrong with the period."""
        period, errors = selectors.parse_period(request.query_params)
        report = selectors.report_for(request.user, period)
        return Response(report.as_dict() | {"messages": errors})

    @extend_schema(parameters=KIND, responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=False, methods=["get"], url_path="exports/mentions")
    def mentions(self, request):
        """The mentions with the inbox's filters (same query parameters as /api/v1/mentions/)."""
        try:
            return exports.mentions_download(request.user, request.query_params, _kind(request))
        except ValidationError as error:
            raise ApiValidationError(error.messages) from None

    @extend_schema(parameters=KIND, responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=False, methods=["get"], url_path="exports/audit-events")
    def audit(self, request):
        """The audit trail with the filters of /api/v1/audit-events/."""
        try:
            return exports.audit_download(request.user, request.query_params, _kind(request))
        except ValidationError as error:
            raise ApiValidationError(error.messages) from None

    @extend_schema(parameters=PERIOD, responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=False, methods=["get"], url_path=r"exports/sections/(?P<section>[a-z_]+)")
    def sections(self, request, section=None):
        """One section of the report as CSV (figures, over_time, networks, streams, reasons,
        voice, teams, people, incidents)."""
        response = exports.section_download(request.user, request.query_params, section)
        if response is None:
            raise Http404
        return response
