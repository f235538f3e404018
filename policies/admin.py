"""Read-only admin pages: policies, reviews and training change through the audited UI and API."""

from django.contrib import admin

from policies.models import (
    Acknowledgement,
    Policy,
    PolicyRevision,
    TrainingAssignment,
    TrainingModule,
    TrainingRecord,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Policy)
class PolicyAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "owner", "review_status", "next_review_on"]
    list_filter = ["kind", "review_status"]
    search_fields = ["title"]


@admin.register(PolicyRevision)
class PolicyRevisionAdmin(ReadOnlyAdmin):
    list_display = ["policy", "number", "status", "author", "material_change", "published_at"]
    list_filter = ["status", "policy"]


@admin.register(Acknowledgement)
class AcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ["acknowledged_at", "user", "revision"]
    list_filter = ["revision__policy"]
    list_select_related = ["user", "revision__policy"]


@admin.register(TrainingModule)
class TrainingModuleAdmin(ReadOnlyAdmin):
    list_display = ["title", "code", "validity_months", "is_active"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ReadOnlyAdmin):
    list_display = ["user", "module", "completed_on", "expires_on", "score", "source"]
    list_filter = ["module", "source"]
    list_select_related = ["user", "module"]


@admin.register(TrainingAssignment)
class TrainingAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["user", "module", "due_on", "completed_on"]
    list_select_related = ["user", "module"]
