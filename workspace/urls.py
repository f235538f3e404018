from django.urls import path

from workspace import api, views

urlpatterns = [
    path("settings/", views.hub, name="workspace_hub"),
    path("settings/organisation/", views.organisation, name="workspace_organisation"),
    path("settings/organisation/logo/", views.organisation_logo, name="workspace_logo"),
    path("settings/sla/", views.sla_list, name="workspace_sla_list"),
    path("settings/sla/new/", views.sla_form, name="workspace_sla_create"),
    path("settings/sla/<int:pk>/", views.sla_form, name="workspace_sla_edit"),
    path("settings/sla/<int:pk>/delete/", views.sla_delete, name="workspace_sla_delete"),
    path("settings/hours/", views.hours_list, name="workspace_hours"),
    path("settings/hours/<int:team_id>/", views.hours_form, name="workspace_hours_form"),
    path("settings/hours/<int:team_id>/clear/", views.hours_clear, name="workspace_hours_clear"),
    path(
        "settings/hours/holidays/<int:pk>/delete/",
        views.holiday_delete,
        name="workspace_holiday_delete",
    ),
    path("settings/templates/", views.template_list, name="workspace_templates"),
    path("settings/templates/new/", views.template_form, name="workspace_template_create"),
    path("settings/templates/preview/", views.template_preview, name="workspace_template_preview"),
    path("settings/templates/<int:pk>/", views.template_form, name="workspace_template_edit"),
    path(
        "settings/templates/<int:pk>/active/",
        views.template_active,
        name="workspace_template_active",
    ),
    # The organisation is one object, not a collection: a view of its own beside the router's.
    path("api/v1/organisation/", api.OrganisationView.as_view(), name="api_organisation"),
]

# (prefix, viewset, basename) registered on the /api/v1/ router.
API_ROUTES = [
    ("sla-targets", api.SlaTargetViewSet, "sla-target"),
    ("team-hours", api.TeamHoursViewSet, "team-hours"),
    ("holidays", api.HolidayViewSet, "holiday"),
    ("reply-templates", api.ReplyTemplateViewSet, "reply-template"),
]
