"""Incidents in the Django admin: read-only, since every change goes through the services
(timeline and audit trail). Playbooks are edited on /playbooks/."""

from django.contrib import admin

from incidents.models import (
    HoldingStatement,
    Incident,
    IncidentTask,
    Playbook,
    PlaybookStep,
    PublishingFreeze,
    TimelineEntry,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StepInline(admin.TabularInline):
    model = PlaybookStep
    extra = 0
    fields = ["position", "title", "role", "due_minutes", "policy_reference"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Playbook)
class PlaybookAdmin(ReadOnlyAdmin):
    list_display = ["name", "scenario", "default_severity", "is_active", "updated_at"]
    list_filter = ["scenario", "is_active"]
    inlines = [StepInline]


class TaskInline(admin.TabularInline):
    model = IncidentTask
    extra = 0
    fields = ["title", "role", "assignee", "due_at", "state"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "severity", "status", "lead", "declared_at", "mention_count"]
    list_filter = ["status", "severity", "scenario", "source"]
    search_fields = ["title"]
    list_select_related = ["lead"]
    inlines = [TaskInline]


@admin.register(TimelineEntry)
class TimelineEntryAdmin(ReadOnlyAdmin):
    list_display = ["incident", "kind", "at", "actor_label", "pinned"]
    list_filter = ["kind"]


@admin.register(HoldingStatement)
class HoldingStatementAdmin(ReadOnlyAdmin):
    list_display = ["title", "incident", "state", "decided_by", "decided_at"]
    list_filter = ["state"]


@admin.register(PublishingFreeze)
class PublishingFreezeAdmin(ReadOnlyAdmin):
    list_display = ["incident", "started_at", "started_by", "lifted_at", "lifted_by"]
