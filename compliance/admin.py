"""Read-only admin pages: posts and decisions change only through the audited services."""

from django.contrib import admin

from compliance.models import Comment, Decision, PostMedia, RuleList, SponsoredPost


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DecisionInline(admin.TabularInline):
    model = Decision
    fields = ["decided_at", "reviewer_label", "outcome", "content_digest", "voided_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SponsoredPost)
class SponsoredPostAdmin(ReadOnlyAdmin):
    list_display = ["title", "status", "platform", "planned_at", "check_errors", "author"]
    list_filter = ["status", "platform"]
    search_fields = ["title", "text", "campaign", "partner_handle"]
    exclude = ["checks", "link_status"]
    inlines = [DecisionInline]


@admin.register(PostMedia)
class PostMediaAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "post", "kind", "size", "uploaded_at"]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "post", "author_label"]


@admin.register(RuleList)
class RuleListAdmin(ReadOnlyAdmin):
    list_display = ["kind", "category", "language", "updated_at"]
    list_filter = ["kind", "language"]
