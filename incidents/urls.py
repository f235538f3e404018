"""Incident pages and API routes; included by riskdesk/urls.py at the site root and /api/v1/."""

from django.urls import path

from incidents.api import IncidentViewSet, PlaybookViewSet, PublishingFreezeViewSet
from incidents.views import incidents, playbooks, work

urlpatterns = [
    path("incidents/", incidents.incident_list, name="incident_list"),
    path("incidents/board/", incidents.incident_board, name="incident_board"),
    path("incidents/declare/", incidents.incident_declare, name="incident_declare"),
    path("incidents/link/", incidents.incident_link_mentions, name="incident_link_mentions"),
    path("incidents/tasks/", work.my_tasks, name="incident_my_tasks"),
    path("incidents/report/", work.incident_report, name="incident_report"),
    path("incidents/<int:pk>/", incidents.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/live/<slug:section>/", incidents.incident_live, name="incident_live"),
    path(
        "incidents/<int:pk>/export.md", incidents.incident_markdown_export, name="incident_markdown"
    ),
    path("incidents/<int:pk>/edit/", incidents.incident_edit, name="incident_edit"),
    path("incidents/<int:pk>/status/", incidents.incident_status, name="incident_status"),
    path("incidents/<int:pk>/severity/", incidents.incident_severity, name="incident_severity"),
    path("incidents/<int:pk>/roles/", incidents.incident_role, name="incident_role"),
    path("incidents/<int:pk>/tasks/add/", work.task_add, name="incident_task_add"),
    path("incidents/<int:pk>/tasks/<int:task_pk>/", work.task_tick, name="incident_task_tick"),
    path("incidents/<int:pk>/notes/", work.note_add, name="incident_note_add"),
    path("incidents/<int:pk>/timeline/<int:entry_pk>/pin/", work.entry_pin, name="incident_pin"),
    path("incidents/<int:pk>/freeze/", work.freeze_start, name="incident_freeze"),
    path("incidents/<int:pk>/unfreeze/", work.freeze_lift, name="incident_unfreeze"),
    path(
        "incidents/<int:pk>/statements/",
        work.statement_create,
        name="incident_statement_create",
    ),
    path(
        "incidents/<int:pk>/statements/<int:statement_pk>/",
        work.statement_detail,
        name="incident_statement",
    ),
    path("incidents/<int:pk>/review/", work.incident_review, name="incident_review"),
    path("playbooks/", playbooks.playbook_list, name="playbook_list"),
    path("playbooks/new/", playbooks.playbook_create, name="playbook_create"),
    path("playbooks/<int:pk>/", playbooks.playbook_detail, name="playbook_detail"),
    path("playbooks/<int:pk>/edit/", playbooks.playbook_edit, name="playbook_edit"),
    path("playbooks/<int:pk>/delete/", playbooks.playbook_delete, name="playbook_delete"),
]

# (prefix, viewset, basename) registered on the /api/v1/ router.
API_ROUTES = [
    ("incidents", IncidentViewSet, "incident"),
    ("playbooks", PlaybookViewSet, "playbook"),
    ("publishing-freeze", PublishingFreezeViewSet, "publishing-freeze"),
]
