"""Read-only admin pages: changes to streams go through the audited UI and API."""

from django.contrib import admin

from monitoring.models import Mention, StreamError, WebhookDelivery


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Mention)
class MentionAdmin(ReadOnlyAdmin):
    list_display = ["published_at", "platform", "author_handle", "stream"]
    list_filter = ["platform", "stream"]
    search_fields = ["external_id", "author_handle", "text"]
    show_full_result_count = False


@admin.register(StreamError)
class StreamErrorAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "stream", "kind", "status_code", "message"]
    list_filter = ["kind", "stream"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "stream", "processed_at", "attempts", "error"]
    exclude = ["body"]
