from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

import alerting.urls
import compliance.urls
import incidents.urls
import policies.urls
from accounts import urls_offboarding
from accounts.api import ApiTokenView, TeamViewSet, UserViewSet
from monitoring import urls_inbox, urls_lists
from monitoring.api import (
    CredentialViewSet,
    IngestView,
    MetaWebhookView,
    StreamViewSet,
)
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
router.register("teams", TeamViewSet, basename="team")
router.register("users", UserViewSet, basename="user")
router.register("streams", StreamViewSet, basename="stream")
router.register("credentials", CredentialViewSet, basename="credential")
_APP_URLS = (
    alerting.urls,
    urls_lists,
    urls_inbox,
    urls_offboarding,
    policies.urls,
    compliance.urls,
    incidents.urls,
)
for _module in _APP_URLS:
    for _prefix, _viewset, _basename in _module.API_ROUTES:
        router.register(_prefix, _viewset, basename=_basename)

admin.site.site_header = "riskdesk"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/<int:pk>/", views.audit_detail, name="audit_detail"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("", include("monitoring.urls")),
    path("", include(alerting.urls)),
    path("", include(urls_lists)),
    path("", include(urls_inbox)),
    path("", include(urls_offboarding)),
    path("", include(policies.urls)),
    path("", include(compliance.urls)),
    path("", include(incidents.urls)),
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
