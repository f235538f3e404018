from django.contrib import admin
from django.db import transaction

from riskdesk.audit import audit_record, snapshot
from riskdesk.models import AuditEvent, WorkerHeartbeat


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose every add, change and delete writes an AuditEvent with before/after.

    The Django admin bypasses the services, so it records what it does itself:
    `<audit_noun>.admin_create|admin_update|admin_delete`. The "before" is read when the
    form is saved, the "after" once the many-to-many fields and inlines are saved too
    (`save_related`); the admin wraps both in one transaction. Set `audit_fields`, or
    override `audit_snapshot` for what is not a plain field (memberships, roles).
    """

    audit_noun = ""
    audit_fields: list[str] = []

    def audit_snapshot(self, obj) -> dict:
        return snapshot(obj, self.audit_fields)

    def _noun(self) -> str:
        return self.audit_noun or self.model._meta.model_name

    def save_model(self, request, obj, form, change):
        before = None
        if change:
            current = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = self.audit_snapshot(current) if current is not None else None
        request._audit_before = getattr(request, "_audit_before", {})
        request._audit_before[(type(obj), obj.pk if change else None)] = before
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        pending = getattr(request, "_audit_before", {})
        before = pending.pop((type(obj), obj.pk if change else None), None)
        after = self.audit_snapshot(obj)
        if change and after == before:
            return
        with transaction.atomic():
            audit_record(
                actor=request.user,
                verb=f"{self._noun()}.admin_{'update' if change else 'create'}",
                target=obj,
                before=before,
                after=after,
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(
                actor=request.user,
                verb=f"{self._noun()}.admin_delete",
                target=obj,
                before=self.audit_snapshot(obj),
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audit_record(
                    actor=request.user,
                    verb=f"{self._noun()}.admin_delete",
                    target=obj,
                    before=self.audit_snapshot(obj),
                )
            super().delete_queryset(request, queryset)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = ["created_at", "actor_label", "verb", "target_label", "ip_address"]
    list_filter = ["verb", "target_type"]
    search_fields = ["actor_label", "target_label", "verb"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["worker", "seen_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
