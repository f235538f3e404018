from django.urls import path

from reports import views
from reports.api import ReportViewSet

urlpatterns = [
    path("reports/", views.report_page, name="reports"),
    path("reports/print/", views.report_print, name="report_print"),
    path("reports/export/<slug:section>.csv", views.report_section_csv, name="report_section_csv"),
    path("reports/mentions.<str:kind>", views.mentions_export, name="mentions_export"),
    path("reports/audit.<str:kind>", views.audit_export, name="audit_export"),
    path("reports/subscriptions/", views.subscription_list, name="report_subscriptions"),
    path(
        "reports/subscriptions/<int:pk>/delete/",
        views.subscription_delete,
        name="report_subscription_delete",
    ),
]

API_ROUTES = [("reports", ReportViewSet, "report")]
