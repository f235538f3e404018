from django.urls import path

from policies import api
from policies.views import policies as policy_views
from policies.views import training as training_views

REVISION = "policies/<slug:slug>/revisions/<int:number>/"

urlpatterns = [
    path("policies/", policy_views.policy_list, name="policy_list"),
    path("policies/new/", policy_views.policy_create, name="policy_create"),
    path("policies/<slug:slug>/", policy_views.policy_detail, name="policy_detail"),
    path("policies/<slug:slug>/edit/", policy_views.policy_edit, name="policy_edit"),
    path("policies/<slug:slug>/diff/", policy_views.policy_diff, name="policy_diff"),
    path(
        "policies/<slug:slug>/acknowledge/",
        policy_views.policy_acknowledge,
        name="policy_acknowledge",
    ),
    path(
        "policies/<slug:slug>/acknowledgements/",
        policy_views.policy_acknowledgements,
        name="policy_acknowledgements",
    ),
    path(
        "policies/<slug:slug>/revisions/new/",
        policy_views.revision_create,
        name="policy_revision_create",
    ),
    path(REVISION, policy_views.revision_detail, name="policy_revision_detail"),
    path(REVISION + "edit/", policy_views.revision_edit, name="policy_revision_edit"),
    path(REVISION + "submit/", policy_views.revision_submit, name="policy_revision_submit"),
    path(REVISION + "approve/", policy_views.revision_approve, name="policy_revision_approve"),
    path(
        REVISION + "request-changes/",
        policy_views.revision_request_changes,
        name="policy_revision_request_changes",
    ),
    path(REVISION + "comment/", policy_views.revision_comment, name="policy_revision_comment"),
    path(REVISION + "publish/", policy_views.revision_publish, name="policy_revision_publish"),
    path("training/", training_views.training_list, name="training_list"),
    path("training/overdue/", training_views.training_overdue, name="training_overdue"),
    path("training/import/", training_views.training_import, name="training_import"),
    path(
        "training/records/new/",
        training_views.training_record_create,
        name="training_record_create",
    ),
    path(
        "training/modules/new/", training_views.training_module_form, name="training_module_create"
    ),
    path(
        "training/modules/<slug:code>/",
        training_views.training_module_detail,
        name="training_module_detail",
    ),
    path(
        "training/modules/<slug:code>/edit/",
        training_views.training_module_form,
        name="training_module_edit",
    ),
    path(
        "training/modules/<slug:code>/complete/",
        training_views.training_self_complete,
        name="training_self_complete",
    ),
    path(
        "training/modules/<slug:code>/assign/",
        training_views.training_assign,
        name="training_assign",
    ),
]

# (prefix, viewset, basename) registered on the /api/v1/ router.
API_ROUTES = [
    ("policies", api.PolicyViewSet, "policy"),
    (r"policies/(?P<policy_pk>\d+)/revisions", api.PolicyRevisionViewSet, "policy-revision"),
    ("training-modules", api.TrainingModuleViewSet, "training-module"),
    ("training-records", api.TrainingRecordViewSet, "training-record"),
]
