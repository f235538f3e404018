from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

import accounts.urls
import advocacy.urls
import alerting.urls
import compliance.urls
import connections.urls
import inbox.urls
import incidents.urls
import monitoring.urls
import notifications.urls
import offboarding.urls
import policies.urls
import publishing.urls
import reports.urls
import respond.urls
import workspace.urls
from accounts.api import ApiTokenView
from monitoring.api import IngestView, MetaWebhookView
from riskdesk import views
from riskdesk.api import AuditEventViewSet


class Router(DefaultRouter):
    """Detail routes match database ids only (digits), so `/api/v1/mentions/null,null/`
    is a 404 from the URL resolver instead of a ValueError in a lookup. A viewset keyed
    by something else says so with its own `lookup_value_regex`."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        # DRF's own, with digits instead of "[^/.]+" by default.
        field = getattr(viewset, "lookup_field", "pk")
        kwarg = getattr(viewset, "lookup_url_kwarg", None) or field
        value = getattr(viewset, "lookup_value_regex", "[0-9]+")
        return f"(?P<{lookup_prefix}{kwarg}>{value})"


router = Router()
router.register("audit-events", AuditEventViewSet, basename="audit-event")
# Each home's urls.py: its pages (urlpatterns) and its viewsets (API_ROUTES).
HOMES = (
    accounts.urls,
    monitoring.urls,
    alerting.urls,
    inbox.urls,
    respond.urls,
    publishing.urls,
    offboarding.urls,
    connections.urls,
    policies.urls,
    compliance.urls,
    incidents.urls,
    advocacy.urls,
    workspace.urls,
    notifications.urls,
    reports.urls,
)
for _home in HOMES:
    for _prefix, _viewset, _basename in _home.API_ROUTES:
        router.register(_prefix, _viewset, basename=_basename)

admin.site.site_header = "riskdesk"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/<int:pk>/", views.audit_detail, name="audit_detail"),
    path("healthz", views.healthz, name="healthz"),
    *[path("", include(home)) for home in HOMES],
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/auth/token/", ApiTokenView.as_view(), name="api_token"),
    path("api/v1/ingest/", IngestView.as_view(), name="api_ingest"),
    path("api/v1/webhooks/meta/<uuid:key>/", MetaWebhookView.as_view(), name="meta_webhook"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    # Last: any other /api/ address is a JSON 404, with DEBUG on too (Django's debug 404
    # page would answer otherwise). Only addresses ending with "/", so APPEND_SLASH still
    # redirects "/api/v1/teams" to "/api/v1/teams/".
    re_path(r"^api/.*/$", views.page_not_found, name="api_not_found"),
]

handler403 = "riskdesk.views.permission_denied"
handler404 = "riskdesk.views.page_not_found"
handler500 = "riskdesk.views.server_error"
