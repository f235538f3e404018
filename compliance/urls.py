from django.urls import path

from compliance import views
from compliance.api import SponsoredPostViewSet

urlpatterns = [
    path("compliance/", views.queue, name="compliance_queue"),
    path("compliance/posts/", views.post_list, name="sponsored_post_list"),
    path("compliance/posts/new/", views.post_create, name="sponsored_post_create"),
    path("compliance/posts/<int:pk>/", views.post_detail, name="sponsored_post_detail"),
    path("compliance/posts/<int:pk>/edit/", views.post_edit, name="sponsored_post_edit"),
    path("compliance/posts/<int:pk>/checks/", views.post_checks, name="sponsored_post_checks"),
    path("compliance/posts/<int:pk>/submit/", views.post_submit, name="sponsored_post_submit"),
    path("compliance/posts/<int:pk>/decide/", views.post_decide, name="sponsored_post_decide"),
    path(
        "compliance/posts/<int:pk>/schedule/", views.post_schedule, name="sponsored_post_schedule"
    ),
    path("compliance/posts/<int:pk>/publish/", views.post_publish, name="sponsored_post_publish"),
    path("compliance/posts/<int:pk>/comments/", views.comment_add, name="sponsored_post_comment"),
    path("compliance/posts/<int:pk>/evidence/", views.evidence, name="sponsored_post_evidence"),
    path(
        "compliance/posts/<int:pk>/contract/", views.contract_file, name="sponsored_post_contract"
    ),
    path("compliance/media/<int:pk>/", views.media_file, name="sponsored_post_media"),
    path(
        "compliance/media/<int:pk>/thumbnail/",
        views.media_thumbnail,
        name="sponsored_post_thumbnail",
    ),
    path("compliance/rules/", views.rule_lists, name="compliance_rule_lists"),
]

# (prefix, viewset, basename) registered on the /api/v1/ router.
API_ROUTES = [("sponsored-posts", SponsoredPostViewSet, "sponsored-post")]
