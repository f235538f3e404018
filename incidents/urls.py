"""Incident pages and API routes; included by riskdesk/urls.py at the site root and /api/v1/."""

from django.urls import path

from incidents import views, views_playbooks, views_work
from incidents.api import IncidentViewSet, PlaybookViewSet, PublishingFreezeViewSet

urlpatterns = [
    path("incidents/", views.incident_list, name="incident_list"),
    path("incidents/board/", views.incident_board, name="incident_board"),
    path("incidents/declare/", views.incident_declare, name="incident_declare"),
    path("incidents/link/", views.incident_link_mentions, name="incident_link_mentions"),
    path("incidents/tasks/", views_work.my_tasks, name="incident_my_tasks"),
    path("incidents/report/", views_work.incident_report, name="incident_report"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/live/<slug:section>/", views.incident_live, name="incident_live"),
    path("incidents/<int:pk>/export.md", views.incident_markdown_export, name="incident_markdown"),
    path("incidents/<int:pk>/edit/", views.incident_edit, name="incident_edit"),
    path("incidents/<int:pk>/status/", views.incident_status, name="incident_status"),
    path("incidents/<int:pk>/severity/", views.incident_severity, name="incident_severity"),
    path("incidents/<int:pk>/roles/", views.incident_role, name="incident_role"),
    path("incidents/<int:pk>/tasks/add/", views_work.task_add, name="incident_task_add"),
    path(
        "incidents/<int:pk>/tasks/<int:task_pk>/", views_work.task_tick, name="incident_task_tick"
    ),
    path("incidents/<int:pk>/notes/", views_work.note_add, name="incident_note_add"),
    path(
        "incidents/<int:pk>/timeline/<int:entry_pk>/pin/", views_work.entry_pin, name="incident_pin"
    ),
    path("incidents/<int:pk>/freeze/", views_work.freeze_start, name="incident_freeze"),
    path("incidents/<int:pk>/unfreeze/", views_work.freeze_lift, name="incident_unfreeze"),
    path(
        "incidents/<int:pk>/statements/",
        views_work.statement_create,
        name="incident_statement_create",
    ),
    path(
        "incidents/<int:pk>/statements/<int:statement_pk>/",
        views_work.statement_detail,
        name="incident_statement",
    ),
    path("incidents/<int:pk>/review/", views_work.incident_review, name="incident_review"),
    path("playbooks/", views_playbooks.playbook_list, name="playbook_list"),
    path("playbooks/new/", views_playbooks.playbook_create, name="playbook_create"),
    path("playbooks/<int:pk>/", views_playbooks.playbook_detail, name="playbook_detail"),
    path("playbooks/<int:pk>/edit/", views_playbooks.playbook_edit, name="playbook_edit"),
    path("playbooks/<int:pk>/delete/", views_playbooks.playbook_delete, name="playbook_delete"),
]

# (prefix, viewset, basename) registered on the /api/v1/ router.
API_ROUTES = [
    ("incidents", IncidentViewSet, "incident"),
    ("playbooks", PlaybookViewSet, "playbook"),
    ("publishing-freeze", PublishingFreezeViewSet, "publishing-freeze"),
]
