from django.contrib import admin

from publishing.models import BrandPost, Delivery, LegalRule


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = ["account", "state", "attempts", "sent_version", "network_url", "error"]
    fields = readonly_fields


@admin.register(BrandPost)
class BrandPostAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "scheduled_at", "author"]
    list_filter = ["status", "sponsored"]
    search_fields = ["title", "text"]
    readonly_fields = ["status", "version", "legal_reasons", "clearance", "held_reason"]
    inlines = [DeliveryInline]


@admin.register(LegalRule)
class LegalRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "is_active", "updated_at"]
    list_filter = ["is_active", "team"]
    filter_horizontal = ["accounts"]
