"""The organisation in the Django admin: read-only (changes go through the settings pages,
which check permission and audit)."""

from django.contrib import admin

from workspace.models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["brand_name", "timezone", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
