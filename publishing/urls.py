from django.urls import path

from publishing.api import BrandPostViewSet, LegalRuleViewSet
from publishing.views import calendar, posts, rules

urlpatterns = [
    path("publishing/", calendar.calendar, name="publishing_calendar"),
    path("publishing/held/", calendar.held, name="publishing_held"),
    path("publishing/legal-rules/", rules.rule_list, name="publishing_rules"),
    path("publishing/legal-rules/new/", rules.rule_edit, name="publishing_rule_create"),
    path("publishing/legal-rules/<int:pk>/", rules.rule_edit, name="publishing_rule_edit"),
    path("publishing/new/", posts.post_create, name="publishing_post_create"),
    path("publishing/preview/", posts.preview, name="publishing_preview"),
    path(
        "publishing/from-review/<int:review_pk>/",
        posts.post_from_review,
        name="publishing_from_review",
    ),
    path("publishing/<int:pk>/", posts.post_detail, name="publishing_post"),
    path("publishing/<int:pk>/edit/", posts.post_edit, name="publishing_post_edit"),
    path("publishing/<int:pk>/move/", calendar.move, name="publishing_post_move"),
    path("publishing/<int:pk>/schedule/", posts.post_schedule, name="publishing_post_schedule"),
    path(
        "publishing/<int:pk>/unschedule/",
        posts.post_unschedule,
        name="publishing_post_unschedule",
    ),
    path(
        "publishing/<int:pk>/reschedule/",
        posts.post_reschedule,
        name="publishing_post_reschedule",
    ),
    path("publishing/<int:pk>/release/", posts.post_release, name="publishing_post_release"),
    path(
        "publishing/<int:pk>/deliveries/<int:delivery_pk>/retry/",
        posts.delivery_retry,
        name="publishing_delivery_retry",
    ),
]

API_ROUTES = [
    ("posts", BrandPostViewSet, "brand-post"),
    ("legal-rules", LegalRuleViewSet, "legal-rule"),
]
